"""Nadam: Adam with Nesterov momentum.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Nadam(learning_rate=0.1).apply([ops.convert_to_tensor([1.0])], [w])
    >>> w.numpy().round(4)
    array([0.8937], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.config import floatx
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable

_MOMENTUM_DECAY = 0.96


class Nadam(Optimizer):
    """Nadam with the Keras 3 update (momentum schedule
    ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``, its running product kept in a Variable).

    With ``t = iterations + 1``: ``m`` and ``v`` are updated as in Adam, then
    ``m_hat = u_{t+1} * m / (1 - prod_{t+1}) + (1 - u_t) * g / (1 - prod_t)``,
    ``v_hat = v / (1 - beta_2**t)`` and ``w = w - lr * m_hat / (sqrt(v_hat) + epsilon)``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.

    Example:
        >>> opt = Nadam(learning_rate=2e-3)
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._momentums: list[Variable] = []
        self._velocities: list[Variable] = []
        self._u_product: Variable | None = None

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        dtype = variables[0].dtype if variables else floatx()
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype,
                                            name="u_product")

    def _u(self, beta_1: Any, t: Any) -> Any:
        decay = ops.convert_to_tensor(_MOMENTUM_DECAY, dtype=ops.dtype(t))
        return ops.multiply(beta_1, ops.subtract(1.0, ops.multiply(0.5, ops.power(decay, t))))

    def _update_step_all(self, grads: list[Any], variables: list[Variable],
                         learning_rate: Any) -> None:
        u_product: Variable = self._u_product  # type: ignore[assignment]
        dtype = u_product.dtype
        t = ops.cast(ops.add(self.iterations.value, 1), dtype)
        u_product.assign(ops.multiply(
            u_product.value, self._u(ops.convert_to_tensor(self.beta_1, dtype=dtype), t)))
        super()._update_step_all(grads, variables, learning_rate)

    def _constants(self, dtype: str, learning_rate: Any) -> tuple[Any, ...]:
        def compute() -> tuple[Any, ...]:
            def c(x: float) -> Any:
                return ops.convert_to_tensor(x, dtype=dtype)
            t = ops.cast(ops.add(self.iterations.value, 1), dtype)
            beta_1, beta_2 = c(self.beta_1), c(self.beta_2)
            u_t = self._u(beta_1, t)
            u_t_1 = self._u(beta_1, ops.add(t, 1.0))
            u_product_t = ops.cast(self._u_product.value, dtype)  # type: ignore[union-attr]
            u_product_t_1 = ops.multiply(u_product_t, u_t_1)
            one = c(1.0)
            return (
                ops.cast(learning_rate, dtype),
                ops.divide(u_t_1, ops.subtract(one, u_product_t_1)),  # m coefficient
                ops.divide(ops.subtract(one, u_t), ops.subtract(one, u_product_t)),  # g coef.
                ops.subtract(one, ops.power(beta_2, t)),  # v bias correction
                # In the variable's dtype, as Keras computes them for Nadam.
                ops.subtract(one, beta_1), ops.subtract(one, beta_2), c(self.epsilon),
            )

        return self._per_step(("nadam", dtype), compute)

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        (lr, m_coef, g_coef, v_correction, one_minus_beta_1, one_minus_beta_2,
         epsilon) = self._constants(dtype, learning_rate)
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        m.assign(ops.add(m.value, ops.multiply(ops.subtract(gradient, m.value),
                                               one_minus_beta_1)))
        v.assign(ops.add(v.value, ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                               one_minus_beta_2)))
        m_hat = ops.add(ops.multiply(m_coef, m.value), ops.multiply(g_coef, gradient))
        v_hat = ops.divide(v.value, v_correction)
        variable.assign(ops.subtract(
            variable.value,
            ops.divide(ops.multiply(m_hat, lr), ops.add(ops.sqrt(v_hat), epsilon))))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
