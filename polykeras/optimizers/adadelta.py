"""Adadelta: steps scaled by running averages of squared gradients and squared updates.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Adadelta(learning_rate=1.0).apply([ops.convert_to_tensor([1.0])], [w])
    >>> w.numpy().round(6)
    array([0.998586], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class Adadelta(Optimizer):
    """Adadelta with the Keras 3 update.

    ``acc_g = rho * acc_g + (1 - rho) * g**2``;
    ``delta = -sqrt(acc_d + epsilon) * g / sqrt(acc_g + epsilon)``;
    ``acc_d = rho * acc_d + (1 - rho) * delta**2``; ``w = w + lr * delta``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        rho: decay rate of the running averages.
        epsilon: small constant for numerical stability.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.

    Example:
        >>> opt = Adadelta(learning_rate=1.0, rho=0.95)
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon
        self._accumulated_grads: list[Variable] = []
        self._accumulated_delta_vars: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        rho, one_minus_rho, epsilon = self.rho, 1.0 - self.rho, self.epsilon
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        acc_grad = self._accumulated_grads[index]
        acc_delta = self._accumulated_delta_vars[index]
        acc_grad.assign(ops.add(ops.multiply(rho, acc_grad.value),
                                ops.multiply(one_minus_rho, ops.square(gradient))))
        delta = ops.negative(ops.divide(
            ops.multiply(ops.sqrt(ops.add(acc_delta.value, epsilon)), gradient),
            ops.sqrt(ops.add(acc_grad.value, epsilon))))
        acc_delta.assign(ops.add(ops.multiply(rho, acc_delta.value),
                                 ops.multiply(one_minus_rho, ops.square(delta))))
        variable.assign(ops.add(variable.value, ops.multiply(lr, delta)))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
