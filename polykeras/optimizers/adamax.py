"""Adamax: Adam with the infinity norm of past gradients in place of their second moment.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Adamax(learning_rate=0.1).apply([ops.convert_to_tensor([2.0])], [w])
    >>> w.numpy().round(4)
    array([0.9], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class Adamax(Optimizer):
    """Adamax (Keras 3 update): ``m = m + (g - m) * (1 - beta_1)``,
    ``u = max(beta_2 * u, |g|)``, ``w = w - lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the infinity norm.
        epsilon: small constant for numerical stability.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._m: list[Variable] = []
        self._u: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr, gradient = ops.cast(learning_rate, dtype), ops.cast(gradient, dtype)
        t = ops.cast(ops.add(self.iterations.value, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), t)
        index = self._get_variable_index(variable)
        m, u = self._m[index], self._u[index]
        m.assign(ops.add(m.value, ops.multiply(ops.subtract(gradient, m.value), 1 - self.beta_1)))
        u.assign(ops.maximum(ops.multiply(u.value, self.beta_2), ops.abs(gradient)))
        variable.assign(ops.subtract(variable.value, ops.divide(
            ops.multiply(lr, m.value),
            ops.multiply(ops.subtract(1.0, beta_1_power), ops.add(u.value, self.epsilon)))))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
