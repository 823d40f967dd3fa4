"""FTRL-proximal: follow the regularized leader, with L1/L2 regularization and shrinkage.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Ftrl(learning_rate=0.1).apply([ops.convert_to_tensor([2.0])], [w])
    >>> w.numpy().round(4)
    array([0.7451], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class Ftrl(Optimizer):
    """FTRL-proximal with the Keras 3 update.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        learning_rate_power: <= 0; how the per-coordinate rate falls with the accumulator.
        initial_accumulator_value: >= 0; starting value of the accumulators.
        l1_regularization_strength: >= 0.
        l2_regularization_strength: >= 0 (stabilization penalty).
        l2_shrinkage_regularization_strength: >= 0 (magnitude penalty).
        beta: adds ``beta / (2 * lr)`` to the L2 strength.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.
    """

    def __init__(self, learning_rate: Any = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if learning_rate_power > 0.0:
            raise ValueError("Ftrl: `learning_rate_power` must be <= 0, received "
                             f"{learning_rate_power!r}.")
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"Ftrl: `{arg}` must be >= 0, received {value!r}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        self._accumulators: list[Variable] = []
        self._linears: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators = []
        self._linears = []
        for variable in variables:  # interleaved per variable, as Keras orders them
            self._accumulators.append(self.add_variable_from_reference(
                variable, "accumulator", float(self.initial_accumulator_value)))
            self._linears.append(self.add_variable_from_reference(variable, "linear"))

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr, gradient = ops.cast(learning_rate, dtype), ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        accum, linear = self._accumulators[index], self._linears[index]
        power = -self.learning_rate_power
        l2 = ops.add(self.l2_regularization_strength, ops.divide(self.beta, ops.multiply(lr, 2.0)))
        w = variable.value
        shrunk = ops.add(gradient, ops.multiply(w, 2 * self.l2_shrinkage_regularization_strength))
        new_accum = ops.add(accum.value, ops.square(gradient))
        sigma = ops.divide(ops.subtract(ops.power(new_accum, power), ops.power(accum.value, power)),
                           lr)
        linear.assign(ops.add(linear.value, ops.subtract(shrunk, ops.multiply(sigma, w))))
        quadratic = ops.add(ops.divide(ops.power(new_accum, power), lr), ops.multiply(l2, 2.0))
        l1 = self.l1_regularization_strength
        clipped = ops.clip(linear.value, -l1, l1)
        variable.assign(ops.divide(ops.subtract(clipped, linear.value), quadratic))
        accum.assign(new_accum)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
