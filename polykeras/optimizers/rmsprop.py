"""RMSprop: divide the gradient by a running root mean square of recent gradients.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> RMSprop(learning_rate=0.01).apply([ops.convert_to_tensor([1.0])], [w])
    >>> w.numpy().round(4)
    array([0.9684], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class RMSprop(Optimizer):
    """RMSprop with the Keras 3 update.

    ``v = rho * v + (1 - rho) * g**2``; the step is ``lr * g / sqrt(v + epsilon)``
    (with ``centered=True``: ``lr * g / sqrt(v - a**2 + epsilon)`` where
    ``a = rho * a + (1 - rho) * g``). With ``momentum > 0`` the step feeds a momentum
    buffer ``mom = momentum * mom + step`` and ``w = w - mom``; else ``w = w - step``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        rho: discounting factor for the gradient history.
        momentum: momentum factor (0 for none).
        epsilon: small constant for numerical stability.
        centered: normalize by the estimated variance of the gradient.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.

    Example:
        >>> opt = RMSprop(learning_rate=1e-3, momentum=0.9, centered=True)
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._velocities: list[Variable] = []
        self._momentums: list[Variable] = []
        self._average_gradients: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(
                variables, "average_gradient")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        rho, one_minus_rho, epsilon = self.rho, 1.0 - self.rho, self.epsilon
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        velocity = self._velocities[index]
        velocity.assign(ops.add(ops.multiply(rho, velocity.value),
                                ops.multiply(one_minus_rho, ops.square(gradient))))
        if self.centered:
            average = self._average_gradients[index]
            average.assign(ops.add(ops.multiply(rho, average.value),
                                   ops.multiply(one_minus_rho, gradient)))
            denominator = ops.add(ops.subtract(velocity.value, ops.square(average.value)),
                                  epsilon)
        else:
            denominator = ops.add(velocity.value, epsilon)
        increment = ops.divide(ops.multiply(lr, gradient), ops.sqrt(denominator))
        if self.momentum > 0:
            buffer = self._momentums[index]
            buffer.assign(ops.add(ops.multiply(self.momentum, buffer.value), increment))
            increment = buffer.value
        variable.assign(ops.subtract(variable.value, increment))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
