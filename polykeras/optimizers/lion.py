"""Lion: the sign of an interpolated momentum as the update (EvoLved Sign Momentum).

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Lion(learning_rate=0.1).apply([ops.convert_to_tensor([2.0])], [w])
    >>> w.numpy().round(4)
    array([0.9], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class Lion(Optimizer):
    """Lion (Keras 3 update): ``w = w - lr * sign(beta_1 * m + (1 - beta_1) * g)``, then
    ``m = beta_2 * m + (1 - beta_2) * g``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: interpolation factor of the update, in (0, 1].
        beta_2: decay rate of the momentum.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Lion: `beta_1` must be in (0, 1] (otherwise Lion is sign SGD),"
                             f" received beta_1={beta_1!r}.")
        self.beta_1, self.beta_2 = beta_1, beta_2
        self._momentums: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr, gradient = ops.cast(learning_rate, dtype), ops.cast(gradient, dtype)
        m = self._momentums[self._get_variable_index(variable)]
        direction = ops.sign(ops.add(ops.multiply(m.value, self.beta_1),
                                     ops.multiply(gradient, 1.0 - self.beta_1)))
        variable.assign(ops.subtract(variable.value, ops.multiply(lr, direction)))
        m.assign(ops.add(ops.multiply(m.value, self.beta_2),
                         ops.multiply(gradient, 1.0 - self.beta_2)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
