"""Adagrad: per-element learning rates scaled by the accumulated squared gradients.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Adagrad(learning_rate=0.1).apply([ops.convert_to_tensor([1.0])], [w])
    >>> w.numpy().round(4)
    array([0.9047], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class Adagrad(Optimizer):
    """Adagrad with the Keras 3 update: ``acc = acc + g**2``,
    ``w = w - lr * g / sqrt(acc + epsilon)``; ``acc`` starts at
    ``initial_accumulator_value``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        initial_accumulator_value: starting value of the accumulators (>= 0).
        epsilon: small constant for numerical stability.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.

    Example:
        >>> opt = Adagrad(learning_rate=0.01, initial_accumulator_value=0.1)
    """

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(
                "Adagrad: `initial_accumulator_value` must be >= 0, received "
                f"{initial_accumulator_value!r}."
            )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self._accumulators: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=float(self.initial_accumulator_value))

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        accumulator.assign(ops.add(accumulator.value, ops.square(gradient)))
        variable.assign(ops.subtract(
            variable.value,
            ops.divide(ops.multiply(lr, gradient),
                       ops.sqrt(ops.add(accumulator.value, self.epsilon)))))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
