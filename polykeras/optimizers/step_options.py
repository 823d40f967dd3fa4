"""The step options every optimizer shares: gradient accumulation and the exponential
moving average of the weights (``use_ema``). Written with ``ops.where`` on the step
counter, so they run inside a compiled step without branching on tensor values.

Example:
    >>> import polykeras
    >>> from polykeras import ops, optimizers
    >>> w = polykeras.Variable([1.0])
    >>> opt = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    >>> opt.apply([ops.convert_to_tensor([1.0])], [w]); w.numpy()
    array([1.], dtype=float32)
    >>> opt.apply([ops.convert_to_tensor([3.0])], [w]); w.numpy()
    array([-1.], dtype=float32)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polykeras import ops

if TYPE_CHECKING:
    from polykeras.optimizers.base import Optimizer
    from polykeras.variables import Variable


def check(owner: str, use_ema: Any, ema_momentum: Any, ema_overwrite_frequency: Any,
          loss_scale_factor: Any, gradient_accumulation_steps: Any) -> None:
    """Raise a clear error for an out-of-range step option."""
    if use_ema and not 0.0 <= float(ema_momentum) <= 1.0:
        raise ValueError(f"{owner}: `ema_momentum` must be in [0, 1], received "
                         f"{ema_momentum!r}.")
    for arg, value in (("ema_overwrite_frequency", ema_overwrite_frequency),
                       ("gradient_accumulation_steps", gradient_accumulation_steps)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{owner}: `{arg}` must be None or an integer >= 1, received "
                             f"{value!r}.")
    if loss_scale_factor is not None and not float(loss_scale_factor) > 0:
        raise ValueError(f"{owner}: `loss_scale_factor` must be None or > 0, received "
                         f"{loss_scale_factor!r}.")


def _is_step(optimizer: Optimizer, every: int) -> Any:
    """True on steps ``every``, ``2 * every``, ... (counting this one)."""
    return ops.equal(ops.mod(ops.add(optimizer.iterations.value, 1), every), 0)


def accumulate_then_update(optimizer: Optimizer, grads: list[Any], variables: list[Variable],
                           indices: list[int]) -> None:
    """Add ``grads`` to the accumulators; on every ``gradient_accumulation_steps``-th step
    update with their mean and reset them, on the others leave everything else as it is."""
    from polykeras.optimizers.base import matching_gradient

    steps = optimizer.gradient_accumulation_steps
    assert steps  # the caller checks
    update_now = _is_step(optimizer, steps)
    accumulators = [optimizer._accumulators[i] for i in indices]
    totals = [ops.add(acc.value, matching_gradient(g, v))
              for g, v, acc in zip(grads, variables, accumulators, strict=True)]
    skip = {id(optimizer.iterations), *(id(a) for a in optimizer._accumulators),
            *(id(a) for a in optimizer._averages)}
    held = variables + [v for v in optimizer.variables if id(v) not in skip]
    before = [v.value for v in held]
    learning_rate = optimizer._current_learning_rate()  # schedules see every step
    # The update rule (and the averages after it) count updates, not steps, as Keras
    # does; the caller sets the step counter to its next raw value afterwards.
    counter = optimizer.iterations
    counter.assign(ops.floor_divide(counter.value, steps))
    optimizer._update([ops.divide(t, float(steps)) for t in totals], variables, indices,
                      learning_rate)
    for variable, old in zip(held, before, strict=True):
        variable.assign(ops.where(update_now, variable.value, old))
    for acc, total in zip(accumulators, totals, strict=True):
        acc.assign(ops.where(update_now, ops.zeros_like(total), total))


def update_averages(optimizer: Optimizer) -> None:
    """Move the averages towards the variables (the first step copies them), then copy
    them back every ``ema_overwrite_frequency`` steps."""
    first = ops.equal(optimizer.iterations.value, 0)
    for variable, average in zip(optimizer._trainable_variables, optimizer._averages,
                                 strict=True):
        momentum = ops.where(first, 0.0, float(optimizer.ema_momentum))
        momentum = ops.cast(momentum, variable.dtype)
        average.assign(ops.add(ops.multiply(momentum, average.value),
                               ops.multiply(ops.subtract(1.0, momentum), variable.value)))
    every = optimizer.ema_overwrite_frequency
    if every:
        now = _is_step(optimizer, every)
        for variable, average in zip(optimizer._trainable_variables, optimizer._averages,
                                     strict=True):
            variable.assign(ops.where(now, average.value, variable.value))


def overwrite_with_averages(optimizer: Optimizer, var_list: list[Variable]) -> None:
    """Copy the moving averages into ``var_list``."""
    if len(var_list) != len(optimizer._averages):
        raise ValueError(
            f"{type(optimizer).__name__} keeps averages of {len(optimizer._averages)} "
            f"variables, received {len(var_list)} to overwrite. Pass the variables the "
            "optimizer was built for (model.trainable_variables)."
        )
    for variable, average in zip(var_list, optimizer._averages, strict=True):
        variable.assign(average.value)
