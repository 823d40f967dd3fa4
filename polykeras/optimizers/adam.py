"""Adam and AdamW.

Example:
    >>> import polykeras
    >>> from polykeras import ops
from polykeras.ops import fused
    >>> w = polykeras.Variable([1.0], name="w")
    >>> Adam(learning_rate=0.1).apply([ops.convert_to_tensor([2.0])], [w])
    >>> w.numpy().round(4)
    array([0.9], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.ops import fused
from polykeras.optimizers.base import Optimizer, matching_gradient
from polykeras.variables import Variable


class Adam(Optimizer):
    """Adaptive moment estimation, with the Keras 3 update.

    With ``t = iterations + 1``:
    ``m = m + (g - m) * (1 - beta_1)``, ``v = v + (g**2 - v) * (1 - beta_2)``,
    ``w = w - m * alpha / (sqrt(v) + epsilon)`` where
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``. With ``amsgrad=True`` the
    running maximum of ``v`` is used in place of ``v``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant for numerical stability.
        amsgrad: use the AMSGrad variant.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.

    Example:
        >>> opt = Adam(learning_rate=1e-3, amsgrad=True)
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._momentums: list[Variable] = []
        self._velocities: list[Variable] = []
        self._velocity_hats: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _step_size(self, dtype: str, learning_rate: Any) -> Any:
        """``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``, once per step and dtype."""
        def compute() -> Any:
            t = ops.cast(ops.add(self.iterations.value, 1), dtype)
            correction_2 = ops.subtract(1.0, ops.power(ops.cast(self.beta_2, dtype), t))
            correction_1 = ops.subtract(1.0, ops.power(ops.cast(self.beta_1, dtype), t))
            return ops.divide(ops.multiply(ops.cast(learning_rate, dtype),
                                           ops.sqrt(correction_2)), correction_1)

        return self._per_step(("adam", dtype), compute)

    def _update_step_all(self, grads: list[Any], variables: list[Variable],
                         learning_rate: Any) -> None:
        if self.amsgrad or type(self).update_step is not Adam.update_step:
            super()._update_step_all(grads, variables, learning_rate)
            return
        for dtype, group, gradients, indices in self._fused_groups(grads, variables):
            self._update_group(group, gradients, indices,
                               self._step_size(dtype, learning_rate))

    def _update_group(self, variables: list[Variable], gradients: list[Any],
                      indices: list[int], step_size: Any) -> None:
        """Update same-dtype variables in one ``adam_update``."""
        ms = [self._momentums[i] for i in indices]
        vs = [self._velocities[i] for i in indices]
        new_values, new_ms, new_vs = fused.adam_update(
            [v.value for v in variables], gradients, [m.value for m in ms],
            [v.value for v in vs], step_size, self.beta_1, self.beta_2, self.epsilon)
        for targets, values in ((variables, new_values), (ms, new_ms), (vs, new_vs)):
            for variable, value in zip(targets, values, strict=True):
                variable.assign(value)

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        alpha = self._step_size(dtype, learning_rate)
        gradient = matching_gradient(gradient, variable)
        index = self._get_variable_index(variable)
        if not self.amsgrad:
            self._update_group([variable], [gradient], [index], alpha)
            return
        m, v = self._momentums[index], self._velocities[index]
        m.assign(ops.add(m.value, ops.multiply(ops.subtract(gradient, m.value),
                                               1.0 - self.beta_1)))
        v.assign(ops.add(v.value, ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                               1.0 - self.beta_2)))
        v_hat = self._velocity_hats[index]
        v_hat.assign(ops.maximum(v_hat.value, v.value))
        variable.assign(ops.subtract(
            variable.value,
            ops.divide(ops.multiply(m.value, alpha), ops.add(ops.sqrt(v_hat.value), self.epsilon))))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (``weight_decay`` defaults to 0.004).

    Before each Adam update every variable (except those passed to
    :meth:`exclude_from_weight_decay`) becomes ``w - w * weight_decay * lr``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        weight_decay: the decay factor (required, a float).
        beta_1, beta_2, epsilon, amsgrad: as for :class:`Adam`.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.

    Example:
        >>> opt = AdamW(learning_rate=1e-3, weight_decay=0.01)
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        if weight_decay is None:
            raise ValueError(
                "AdamW: `weight_decay` must be a float, received weight_decay=None. Use "
                "Adam for no weight decay."
            )
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
