"""Stochastic gradient descent, with optional (Nesterov) momentum.

Example:
    >>> import polykeras
    >>> from polykeras import ops
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
        m = None if self.momentum == 0 else self.momentums[self._get_variable_index(variable)]
        self._update(gradient, variable, ops.cast(learning_rate, variable.dtype), m)

    def _update_step_all(self, grads: list[Any], variables: list[Variable],
                         learning_rate: Any) -> None:
        if type(self).update_step is not SGD.update_step:  # a subclass's own update
            super()._update_step_all(grads, variables, learning_rate)
            return
        fused = getattr(self._backend, "sgd_update", None)
        if fused is not None:
            self._fused_update(fused, grads, variables, learning_rate)
            return
        momentums = None if self.momentum == 0 else self.momentums
        rates: dict[str, Any] = {}  # the learning rate cast once per dtype
        for gradient, variable, index in zip(grads, variables, self._step_indices,
                                             strict=True):
            dtype = variable.dtype
            lr = rates.get(dtype)
            if lr is None:
                lr = rates[dtype] = ops.cast(learning_rate, dtype)
            self._update(gradient, variable, lr,
                         None if momentums is None else momentums[index])

    def _fused_update(self, fused: Any, grads: list[Any], variables: list[Variable],
                      learning_rate: Any) -> None:
        """Every variable's update through the backend's ``sgd_update`` kernel."""
        for dtype, group, gradients, indices in self._fused_groups(grads, variables):
            slots = None if self.momentum == 0 else [self.momentums[i] for i in indices]
            new_values, new_slots = fused(
                [v.value for v in group], gradients,
                None if slots is None else [m.value for m in slots],
                ops.cast(learning_rate, dtype), self.momentum, self.nesterov)
            for variable, value in zip(group, new_values, strict=True):
                variable.assign(value)
            if slots is not None:
                for slot, value in zip(slots, new_slots, strict=True):
                    slot.assign(value)

    def _update(self, gradient: Any, variable: Variable, lr: Any, m: Variable | None) -> None:
        """One variable's update with ``lr`` already in the variable's dtype."""
        gradient = matching_gradient(gradient, variable)
        step = ops.multiply(gradient, lr)
        if m is None:
            variable.assign(ops.subtract(variable.value, step))
            return
        m.assign(ops.subtract(ops.multiply(m.value, self.momentum), step))
        if self.nesterov:
            update = ops.subtract(ops.multiply(m.value, self.momentum), step)
        else:
            update = m.value
        variable.assign(ops.add(variable.value, update))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
