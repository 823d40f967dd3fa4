"""Adafactor: Adam-like steps with factored (row and column) second moments for matrices.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([[1.0, 2.0]], name="w")
    >>> Adafactor(learning_rate=0.1).apply([ops.convert_to_tensor([[1.0, 1.0]])], [w])
    >>> w.numpy().round(4)
    array([[0.8419, 1.8419]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable


def _rms(x: Any) -> Any:
    return ops.sqrt(ops.mean(ops.square(x)))


class Adafactor(Optimizer):
    """Adafactor with the Keras 3 update: for variables of rank >= 2 the second moment is
    kept as row and column means; the step is scaled by ``max(epsilon_2, rms(w))`` and the
    update clipped to RMS ``clip_threshold``.

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.001.
        beta_2_decay: decay exponent of the second moment (``1 - t**beta_2_decay``).
        epsilon_1: added to the squared gradients.
        epsilon_2: floor of the parameter scale.
        clip_threshold: RMS threshold of the update.
        relative_step: with a constant rate, cap it at ``1 / sqrt(t)``.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`.
    """

    def __init__(self, learning_rate: Any = 0.001, beta_2_decay: float = -0.8,
                 epsilon_1: float = 1e-30, epsilon_2: float = 1e-3, clip_threshold: float = 1.0,
                 relative_step: bool = True, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step
        self._r: list[Variable | None] = []
        self._c: list[Variable | None] = []
        self._v: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        for variable in variables:
            shape = tuple(variable.shape)
            if len(shape) < 2:  # unused scalars, kept so the variable list matches Keras
                self._r.append(None)
                self._c.append(None)
                self.add_variable((), name=str(variable.name))
                self.add_variable((), name=str(variable.name))
            else:
                name = str(variable.name)
                self._r.append(self.add_variable(shape[:-1], dtype=variable.dtype, name=name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=variable.dtype,
                                                 name=name))
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        dtype = variable.dtype
        lr, gradient = ops.cast(learning_rate, dtype), ops.cast(gradient, dtype)
        t = ops.cast(ops.add(self.iterations.value, 1), dtype)
        inv_sqrt_t = ops.divide(1.0, ops.sqrt(t))
        if self._schedule is None and self.relative_step:
            lr = ops.minimum(lr, inv_sqrt_t)
        index = self._get_variable_index(variable)
        r, c, v = self._r[index], self._c[index], self._v[index]
        rho = ops.minimum(lr, inv_sqrt_t)
        alpha = ops.multiply(ops.maximum(ops.cast(self.epsilon_2, dtype), _rms(variable.value)),
                             rho)
        squared = ops.add(ops.square(gradient), self.epsilon_1)
        beta_2 = ops.subtract(1.0, ops.power(t, self.beta_2_decay))
        keep = ops.subtract(1.0, beta_2)
        if r is not None and c is not None:
            r.assign(ops.add(ops.multiply(beta_2, r.value),
                             ops.multiply(keep, ops.mean(squared, axis=-1))))
            c.assign(ops.add(ops.multiply(beta_2, c.value),
                             ops.multiply(keep, ops.mean(squared, axis=-2))))
            row = ops.divide(r.value, ops.mean(r.value, axis=-1, keepdims=True))
            v.assign(ops.multiply(ops.expand_dims(row, -1), ops.expand_dims(c.value, -2)))
        else:
            v.assign(ops.add(ops.multiply(beta_2, v.value), ops.multiply(keep, squared)))
        u = ops.divide(gradient, ops.sqrt(v.value))
        u = ops.divide(u, ops.maximum(1.0, ops.divide(_rms(u), self.clip_threshold)))
        variable.assign(ops.subtract(variable.value, ops.multiply(alpha, u)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
