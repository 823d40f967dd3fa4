"""Lamb: Adam's direction rescaled per variable by the trust ratio ``|w| / |update|``.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Lamb(learning_rate=0.1).apply([ops.convert_to_tensor([2.0])], [w])
    >>> w.numpy().round(4)
    array([0.9], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


class Lamb(Optimizer):
    """Layer-wise adaptive moments (Keras 3 update): the bias-corrected Adam direction
    ``u = m_hat / (sqrt(v_hat) + epsilon)``, then ``w = w - lr * r * u`` with the trust
    ratio ``r = |w| / |u|`` (1 when either norm is 0).

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1, beta_2, epsilon: as for :class:`~polykeras.optimizers.Adam`.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._momentums: list[Variable] = []
        self._velocities: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr, gradient = ops.cast(learning_rate, dtype), ops.cast(gradient, dtype)
        t = ops.cast(ops.add(self.iterations.value, 1), dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m.assign(ops.add(m.value, ops.multiply(ops.subtract(gradient, m.value), 1 - self.beta_1)))
        v.assign(ops.add(v.value, ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                               1 - self.beta_2)))
        m_hat = ops.divide(m.value, ops.subtract(1.0, ops.power(ops.cast(self.beta_1, dtype), t)))
        v_hat = ops.divide(v.value, ops.subtract(1.0, ops.power(ops.cast(self.beta_2, dtype), t)))
        update = ops.divide(m_hat, ops.add(ops.sqrt(v_hat), self.epsilon))
        w_norm = ops.sqrt(ops.sum(ops.square(variable.value)))
        u_norm = ops.sqrt(ops.sum(ops.square(update)))
        both = ops.logical_and(ops.greater(w_norm, 0.0), ops.greater(u_norm, 0.0))
        ratio = ops.where(both, ops.divide(w_norm, ops.where(both, u_norm, 1.0)), 1.0)
        variable.assign(ops.subtract(variable.value,
                                     ops.multiply(ops.multiply(ratio, lr), update)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
