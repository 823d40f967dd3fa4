"""Stochastic gradient descent, with optional (Nesterov) momentum.

Example:
    >>> import polykeras
    >>> from polykeras import ops
from polykeras.ops import fused
    >>> w = polykeras.Variable([1.0], name="w")
    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> opt.apply([ops.convert_to_tensor([1.0])], [w])
    >>> w.numpy()
    array([0.9], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.ops import fused
from polykeras.optimizers.base import Optimizer, _is_number, matching_gradient
from polykeras.variables import Variable


class SGD(Optimizer):
    """Gradient descent with momentum, as in Keras 3.

    Without momentum: ``w = w - lr * g``. With momentum, the velocity
    ``m = momentum * m - lr * g`` is added to the variable (``w = w + m``); with
    ``nesterov=True`` the variable takes the look-ahead step
    ``w = w + momentum * m - lr * g`` (with the new ``m``).

    Args:
        learning_rate: float, schedule or callable. Defaults to 0.01.
        momentum: float in [0, 1].
        nesterov: use Nesterov momentum.
        **kwargs: the arguments of :class:`~polykeras.optimizers.Optimizer`
            (weight_decay, clipnorm, clipvalue, global_clipnorm, name).

    Example:
        >>> opt = SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    """

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not _is_number(momentum) or not 0 <= momentum <= 1:
            raise ValueError(
                f"SGD: `momentum` must be a float in [0, 1], received momentum={momentum!r}."
            )
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.momentums: list[Variable] = []

    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        super().build(variables)
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        self._update_group([variable], [matching_gradient(gradient, variable)],
                           [self._get_variable_index(variable)],
                           ops.cast(learning_rate, variable.dtype))

    def _update_step_all(self, grads: list[Any], variables: list[Variable],
                         learning_rate: Any) -> None:
        if type(self).update_step is not SGD.update_step:  # a subclass's own update
            super()._update_step_all(grads, variables, learning_rate)
            return
        for dtype, group, gradients, indices in self._fused_groups(grads, variables):
            self._update_group(group, gradients, indices, ops.cast(learning_rate, dtype))

    def _update_group(self, variables: list[Variable], gradients: list[Any],
                      indices: list[int], lr: Any) -> None:
        """Update same-dtype variables in one ``sgd_update`` (``lr`` in their dtype)."""
        slots = None if self.momentum == 0 else [self.momentums[i] for i in indices]
        new_values, new_slots = fused.sgd_update(
            [v.value for v in variables], gradients,
            None if slots is None else [m.value for m in slots], lr, self.momentum,
            self.nesterov)
        for variable, value in zip(variables, new_values, strict=True):
            variable.assign(value)
        if slots is not None and new_slots is not None:
            for slot, value in zip(slots, new_slots, strict=True):
                slot.assign(value)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
