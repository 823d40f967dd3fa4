"""Progbar: a Keras-style progress bar for loops with a known (or unknown) length.

On a terminal the bar is redrawn in place (``\\r``) at most every ``interval`` seconds;
when output goes to a file or a pipe only the final line is printed.

Example:
    >>> bar = Progbar(3, verbose=2)
    >>> for step in range(1, 4):
    ...     bar.update(step, [("loss", 1.0 / step)])  # doctest: +SKIP
    3/3 - 0s - 1ms/step - loss: 0.6111
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Container, Iterable, Mapping
from typing import Any

from polykeras.callbacks.monitoring import to_float

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def _is_interactive(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _bar_char(stream: Any) -> str:
    try:
        "━".encode(getattr(stream, "encoding", None) or "utf-8")
        return "━"
    except (UnicodeEncodeError, LookupError):
        return "="


def format_value(value: Any) -> str:
    """A metric value as the bar shows it: 4 decimals, or scientific for tiny values."""
    try:
        v = to_float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def format_duration(seconds: float) -> str:
    """An ETA: ``1:02:03``, ``2:03`` or ``42s``."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_step_time(seconds: float, unit_name: str) -> str:
    """Time per unit: ``2s/step``, ``8ms/step`` or ``950us/step``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """A progress bar: ``23/100 ━━━━━━━━━━━━━━━━━━━━ 1s 12ms/step - loss: 0.3301``.

    Args:
        target: total number of steps, or None when unknown.
        width: width of the bar in characters.
        verbose: 1 for the bar, 2 for one line when finished, 0 for silence.
        interval: minimum seconds between redraws on a terminal.
        stateful_metrics: names of values shown as given (e.g. running means already);
            other values are averaged over the steps seen. Any container works.
        unit_name: the unit in the time per step, e.g. "step" or "sample".

    Values passed as a mapping are shown as given and read (keys included) only when the
    bar is drawn, so a mapping that computes its values on access costs nothing on
    steps that are not drawn.

    Example:
        >>> bar = Progbar(100, verbose=1)
        >>> bar.update(50, [("loss", 0.5)])  # doctest: +SKIP
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1,
                 interval: float = 0.05, stateful_metrics: Container[str] | None = None,
                 unit_name: str = "step") -> None:
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar: `verbose` must be 0, 1 or 2, received {verbose!r}.")
        self.target = target
        self.width = int(width)
        self.verbose = verbose
        self.interval = float(interval)
        self.stateful_metrics = stateful_metrics if stateful_metrics is not None else set()
        self.unit_name = unit_name
        self._dynamic_display = _is_interactive(sys.stdout)
        self._values: dict[str, Any] = {}
        self._mapping: Mapping[str, Any] | None = None
        self._values_order: list[str] = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    # ----------------------------------------------------------------- recording
    def _record(self, current: int, values: Iterable[Any]) -> None:
        base = max(current - self._seen_so_far, 1)
        for k, v in values:
            if k not in self._values_order:
                self._values_order.append(k)
            if k in self.stateful_metrics:
                self._values[k] = v
                continue
            v = to_float(v)
            total = self._values.get(k)
            if isinstance(total, list):
                total[0] += v * base
                total[1] += base
            else:
                self._values[k] = [v * base, base]

    def _shown(self) -> list[tuple[str, Any]]:
        """(name, value) pairs to show: recorded pairs, then the latest mapping's entries."""
        mapping = self._mapping if self._mapping is not None else {}
        shown = []
        for k in self._values_order:
            if k in mapping:
                continue
            v = self._values[k]
            shown.append((k, v[0] / max(v[1], 1) if isinstance(v, list) else v))
        shown.extend((k, mapping[k]) for k in mapping)
        return shown

    def _step_time(self, current: int, now: float) -> float:
        if current <= 0:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current

    def is_due(self, current: int, finalize: bool | None = None,
               now: float | None = None) -> bool:
        """Whether ``update(current, ..., finalize)`` would draw at time ``now``."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if self.verbose == 0:
            return False
        if finalize:
            return True
        if self.verbose != 1 or not self._dynamic_display:
            return False
        if self.target is not None and current >= self.target:
            return True
        now = time.time() if now is None else now
        return now - self._last_update >= self.interval

    # ------------------------------------------------------------------- drawing
    def update(self, current: int, values: Mapping[str, Any] | Iterable[Any] | None = None,
               finalize: bool | None = None) -> None:
        """Move the bar to step ``current``.

        Args:
            current: steps done so far.
            values: ``[(name, value), ...]`` (averaged over steps unless the name is in
                ``stateful_metrics``), or a mapping of current values, shown as given
                and read only when the bar is drawn.
            finalize: whether this is the last update (default: ``current >= target``).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.time()
        if current == 1 and self._time_after_first_step is None:
            self._time_after_first_step = now
        due = self.is_due(current, finalize, now)
        if isinstance(values, Mapping):
            self._mapping = values
        elif values is not None:
            self._record(current, values)
        self._seen_so_far = current
        if not due:
            return
        step_time = self._step_time(current, now)
        if self.verbose == 1:
            self._draw_bar(current, now, step_time, finalize)
        else:
            self._draw_line(current, now, step_time)
        self._last_update = now

    def add(self, n: int, values: Iterable[Any] | None = None) -> None:
        """Advance the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _metrics_text(self) -> str:
        return "".join(f" - {k}: {format_value(v)}" for k, v in self._shown())

    def _count(self, current: int) -> str:
        target = self.target if self.target is not None else current
        digits = int(math.log10(max(target, 1))) + 1
        return f"{current:{digits}d}/{target}"

    def _draw_bar(self, current: int, now: float, step_time: float, finalize: bool) -> None:
        color = self._dynamic_display
        if self.target is not None:
            count = self._count(current)
            done = min(self.width, int(self.width * current / max(self.target, 1)))
            ch = _bar_char(sys.stdout)
            plain_bar = ch * self.width
            if color:
                bar = (f"{_BOLD}{count}{_RESET} {_GREEN}{ch * done}{_RESET}"
                       f"{_GREY}{ch * (self.width - done)}{_RESET}")
            else:
                bar = f"{count} {plain_bar}"
            plain = f"{count} {plain_bar}"
        else:
            bar = plain = f"{current:7d}/Unknown"
        if self.target is not None and not finalize:
            clock = format_duration(step_time * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        rest = f" {format_step_time(step_time, self.unit_name)}{self._metrics_text()}"
        info = (f" {_BOLD}{clock}{_RESET}" if color else f" {clock}") + rest
        width = len(plain) + len(clock) + 1 + len(rest)
        if self._dynamic_display:
            message = "\r" + bar + info
            if self._prev_total_width > width:
                message += " " * (self._prev_total_width - width)
            if finalize:
                message += "\n"
            self._prev_total_width = 0 if finalize else width
        else:
            message = bar + info + "\n"
        sys.stdout.write(message)
        sys.stdout.flush()

    def _draw_line(self, current: int, now: float, step_time: float) -> None:
        line = (f"{self._count(current)} - {now - self._start:.0f}s - "
                f"{format_step_time(step_time, self.unit_name)}{self._metrics_text()}\n")
        sys.stdout.write(line)
        sys.stdout.flush()
