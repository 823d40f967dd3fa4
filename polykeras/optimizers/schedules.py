"""Learning-rate schedules: functions of the optimizer step, written with ``polykeras.ops``.

A schedule is called with the step (an integer tensor, or a Python int) and returns a
``floatx()`` scalar tensor. Schedules contain no Python branching on tensor values, so
they run inside a compiled train step on every backend.

Example:
    >>> from polykeras import ops, optimizers
    >>> lr = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(ops.convert_to_numpy(lr(10))), 6)
    0.05
    >>> opt = optimizers.SGD(learning_rate=lr)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.config import floatx


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __init__(self, initial):
        ...         self.initial = initial
        ...     def __call__(self, step):
        ...         return ops.divide(self.initial, ops.cast(step, "float32") + 1.0)
        ...     def get_config(self):
        ...         return {"initial": self.initial}
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must implement "
            "`__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule {type(self).__name__!r} must implement "
            "`get_config()` to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """A new schedule from the output of :meth:`get_config`."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


def _check_decay_steps(name: str, decay_steps: Any) -> None:
    if not isinstance(decay_steps, (int, float)) or decay_steps <= 0:
        raise ValueError(
            f"{name}: `decay_steps` must be a positive number, received "
            f"decay_steps={decay_steps!r}."
        )


def _float_step(step: Any) -> Any:
    """The step as a ``floatx()`` tensor."""
    return ops.cast(ops.convert_to_tensor(step), floatx())


def _scalar(value: Any) -> Any:
    return ops.convert_to_tensor(value, dtype=floatx())


class _PeriodicDecay(LearningRateSchedule):
    """Shared by the schedules of ``initial_learning_rate``, ``decay_steps``,
    ``decay_rate`` and ``staircase``."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str | None = None) -> None:
        _check_decay_steps(type(self).__name__, decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__

    def _periods(self, step: Any) -> Any:
        """``step / decay_steps``, floored with ``staircase``."""
        p = ops.divide(_float_step(step), self.decay_steps)
        return ops.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_PeriodicDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``, so the rate
    drops in steps every ``decay_steps`` iterations.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps per decay period.
        decay_rate: the factor applied per period.
        staircase: decay in discrete intervals.
        name: a name for the schedule.

    Example:
        >>> s = ExponentialDecay(1.0, decay_steps=2, decay_rate=0.5, staircase=True)
        >>> [float(ops.convert_to_numpy(s(i))) for i in range(4)]
        [1.0, 1.0, 0.5, 0.5]
    """

    def __call__(self, step: Any) -> Any:
        return ops.multiply(self.initial_learning_rate,
                            ops.power(self.decay_rate, self._periods(step)))


class InverseTimeDecay(_PeriodicDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True`` the ratio ``step / decay_steps`` is floored.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps per decay period.
        decay_rate: how fast the rate decreases.
        staircase: decay in discrete intervals.
        name: a name for the schedule.

    Example:
        >>> s = InverseTimeDecay(1.0, decay_steps=1, decay_rate=1.0)
        >>> [float(ops.convert_to_numpy(s(i))) for i in range(3)]
        [1.0, 0.5, 0.3333333432674408]
    """

    def __call__(self, step: Any) -> Any:
        return ops.divide(self.initial_learning_rate,
                          ops.add(1.0, ops.multiply(self.decay_rate, self._periods(step))))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while
    ``step <= boundaries[1]``, ..., ``values[-1]`` after the last boundary.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more value than there are boundaries.
        name: a name for the schedule.

    Example:
        >>> s = PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])
        >>> [round(float(ops.convert_to_numpy(s(i))), 6) for i in (0, 2, 3, 5)]
        [1.0, 1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float],
                 name: str = "PiecewiseConstant") -> None:
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: `values` must have exactly one more element than "
                f"`boundaries`. Received boundaries={boundaries} (length {len(boundaries)}) "
                f"and values={values} (length {len(values)})."
            )
        if any(b2 <= b1 for b1, b2 in zip(boundaries, boundaries[1:], strict=False)):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be strictly increasing, "
                f"received {boundaries}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Any:
        step = ops.convert_to_tensor(step)
        if any(isinstance(b, float) for b in self.boundaries):
            step = ops.cast(step, floatx())
        result = _scalar(self.values[-1])
        # From the last interval down, so the first boundary that ``step`` is under wins.
        pairs = zip(reversed(self.boundaries), reversed(self.values[:-1]), strict=True)
        for boundary, value in pairs:
            result = ops.where(ops.less_equal(step, boundary), _scalar(value), result)
        return result

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the start rate to ``alpha`` times it over ``decay_steps``, with
    an optional linear warmup first.

    Without warmup (``warmup_target=None``) the rate at ``step`` is
    ``initial_learning_rate * ((1 - alpha) * c + alpha)`` with
    ``c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))``. With warmup, the
    rate rises linearly from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps`` steps, then decays from ``warmup_target`` as above.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of decay steps (after the warmup).
        alpha: the final rate as a fraction of the rate decay starts from.
        name: a name for the schedule.
        warmup_target: the rate reached at the end of the warmup; ``None`` for no warmup.
        warmup_steps: length of the warmup.

    Example:
        >>> s = CosineDecay(1.0, decay_steps=4)
        >>> [round(float(ops.convert_to_numpy(s(i))), 4) for i in (0, 2, 4, 8)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0) -> None:
        _check_decay_steps("CosineDecay", decay_steps)
        if warmup_steps < 0:
            raise ValueError(
                f"CosineDecay: `warmup_steps` must be >= 0, received {warmup_steps!r}."
            )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step: Any, decay_from: float) -> Any:
        fraction = ops.divide(step, self.decay_steps)
        cosine = ops.multiply(0.5, ops.add(1.0, ops.cos(ops.multiply(math.pi, fraction))))
        decayed = ops.add(ops.multiply(1.0 - self.alpha, cosine), self.alpha)
        return ops.multiply(decay_from, decayed)

    def __call__(self, step: Any) -> Any:
        step = _float_step(step)
        initial = self.initial_learning_rate
        if self.warmup_target is None:
            return self._decay(ops.minimum(step, self.decay_steps), initial)
        target = self.warmup_target
        step = ops.minimum(step, self.decay_steps + self.warmup_steps)
        decayed = self._decay(ops.subtract(step, self.warmup_steps), target)
        if self.warmup_steps == 0:
            return decayed
        warm = ops.add(ops.multiply(target - initial, ops.divide(step, self.warmup_steps)),
                       initial)
        return ops.where(ops.less(step, self.warmup_steps), warm, decayed)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate`` over
    ``decay_steps``: ``(initial - end) * (1 - step / decay_steps) ** power + end``. With
    ``cycle=True`` the decay restarts with a period that grows to cover ``step``.

    Example:
        >>> s = PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0)
        >>> [round(float(ops.convert_to_numpy(s(i))), 4) for i in (0, 2, 4, 8)]
        [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay") -> None:
        _check_decay_steps("PolynomialDecay", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> Any:
        step = _float_step(step)
        decay_steps: Any = float(self.decay_steps)
        if self.cycle:
            periods = ops.where(ops.equal(step, 0.0), 1.0, ops.ceil(ops.divide(step, decay_steps)))
            decay_steps = ops.multiply(periods, decay_steps)
        else:
            step = ops.minimum(step, decay_steps)
        remaining = ops.subtract(1.0, ops.divide(step, decay_steps))
        span = self.initial_learning_rate - self.end_learning_rate
        return ops.add(ops.multiply(span, ops.power(remaining, float(self.power))),
                       self.end_learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period ``i`` lasts
    ``first_decay_steps * t_mul**i`` steps and starts from ``m_mul**i`` times the rate.

    Example:
        >>> s = CosineDecayRestarts(1.0, first_decay_steps=2, t_mul=1.0)
        >>> [round(float(ops.convert_to_numpy(s(i))), 4) for i in (0, 1, 2, 3)]
        [1.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int,
                 t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                 name: str = "SGDRDecay") -> None:
        _check_decay_steps("CosineDecayRestarts", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul, self._m_mul = t_mul, m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> Any:
        fraction = ops.divide(_float_step(step), float(self.first_decay_steps))
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = ops.floor(fraction)
            fraction = ops.subtract(fraction, restart)
        else:
            restart = ops.floor(ops.divide(ops.log(ops.subtract(1.0, ops.multiply(
                fraction, 1.0 - t_mul))), math.log(t_mul)))
            done = ops.divide(ops.subtract(1.0, ops.power(t_mul, restart)), 1.0 - t_mul)
            fraction = ops.divide(ops.subtract(fraction, done), ops.power(t_mul, restart))
        scale = ops.power(float(self._m_mul), restart)
        cosine = ops.multiply(ops.multiply(0.5, scale),
                              ops.add(1.0, ops.cos(ops.multiply(math.pi, fraction))))
        decayed = ops.add(ops.multiply(1.0 - self.alpha, cosine), self.alpha)
        return ops.multiply(self.initial_learning_rate, decayed)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {
    cls.__name__: cls
    for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay,
                PolynomialDecay, CosineDecayRestarts)
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """A JSON-compatible dict describing ``schedule`` (Keras's layout).

    Example:
        >>> serialize(ExponentialDecay(0.1, 10, 0.9))["class_name"]
        'ExponentialDecay'
    """
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(
            "serialize expected a LearningRateSchedule, received "
            f"{type(schedule).__name__}: {schedule!r}."
        )
    return {
        "module": "polykeras.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any],
                custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    """The schedule described by ``config`` (the output of :func:`serialize`).

    Args:
        config: ``{"class_name": ..., "config": {...}}``.
        custom_objects: extra ``{class_name: class}`` for schedules defined by users.

    Example:
        >>> deserialize(serialize(CosineDecay(0.1, 100))).decay_steps
        100
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "deserialize expected a dict with 'class_name' and 'config' keys, received "
            f"{config!r}."
        )
    name = config["class_name"]
    known = dict(_SCHEDULES)
    known.update(custom_objects or {})
    if name not in known:
        raise ValueError(
            f"Unknown learning rate schedule {name!r}. Known schedules: "
            f"{', '.join(sorted(_SCHEDULES))}; pass `custom_objects={{{name!r}: cls}}` for "
            "your own."
        )
    cls = known[name]
    return cls.from_config(dict(config.get("config", {})))


__all__ = [
    "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
    "serialize",
]
