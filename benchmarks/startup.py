"""(e) Start-up and memory on the NumPy backend, each measured in a fresh process.

Import time: ``import polykeras`` against ``import numpy`` alone (the floor any NumPy
program pays) and ``import keras`` on its NumPy backend, interleaved repeat by repeat.
Peak memory: the resident-set high-water mark of a fresh process that loads the data and
trains (a) for one epoch, polykeras against the hand-written NumPy version (Keras 3
cannot train on NumPy). It is read from ``VmHWM`` on Linux, where ``getrusage``'s
``ru_maxrss`` would include the peak of the parent that started the process, and from
``getrusage`` elsewhere.

Example:
    >>> measure(ctx)  # fills the "import" and "peak_memory" rows  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from typing import Any

from benchmarks.results import IMPLEMENTATIONS, Cell
from benchmarks.workers import oneshot

#: The module each column imports in the import-time row.
IMPORTED = {"polykeras": "polykeras", "hand": "numpy", "keras": "keras"}
_TIMED_IMPORT = ("import time; t0 = time.perf_counter(); import {module}; "
                 "print(repr(time.perf_counter() - t0))")


def _import_seconds(module: str, env: dict[str, str], cwd: str, timeout: float) -> float:
    """Seconds ``import module`` takes in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _TIMED_IMPORT.format(module=module)],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"import {module} failed (exit {proc.returncode}): {tail}")
    return float(lines[-1])


def _keras_status(ctx: Any) -> tuple[str, str] | None:
    if not ctx.opts.keras:
        return ("skipped", "--no-keras")
    if importlib.util.find_spec("keras") is None:
        return ("not installed", "keras is not installed")
    return None


def measure_import(ctx: Any) -> None:
    results, opts = ctx.results, ctx.opts
    env = ctx.env("numpy")
    cells: dict[str, Cell] = {}
    for impl in IMPLEMENTATIONS:
        cell = results.cell("import", "numpy", impl)
        blocked = _keras_status(ctx) if impl == "keras" else None
        if blocked:
            cell.set_status(*blocked)
        else:
            cells[impl] = cell
    live = list(cells)

    def timed(impl: str) -> float | None:
        try:
            return _import_seconds(IMPORTED[impl], env, ctx.scratch, opts.timeout)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as err:
            cells[impl].set_status("error", str(err)[:300])
            print(f"[numpy] import {IMPORTED[impl]}: {err}", file=sys.stderr, flush=True)
            live.remove(impl)
            return None

    for impl in list(live):
        for _ in range(opts.warmup):
            if impl in live:
                timed(impl)
    for i in range(opts.repeats):
        order = live[i % len(live):] + live[:i % len(live)] if live else []
        for impl in order:
            if impl not in live:
                continue
            seconds = timed(impl)
            if seconds is not None:
                cells[impl].raw.append(seconds)
    for impl in live:
        cells[impl].set_status("ok")


def measure_peak_memory(ctx: Any) -> None:
    results, opts = ctx.results, ctx.opts
    keras = results.cell("peak_memory", "numpy", "keras")
    keras.set_status(*(_keras_status(ctx) or ("n/a", "n/a (cannot fit)")))
    for impl in ("polykeras", "hand"):
        cell = results.cell("peak_memory", "numpy", impl)
        args = ctx.worker_args() + ["--oneshot", "mlp_epoch"]
        reply = oneshot(impl, "numpy", args, ctx.env("numpy"), ctx.scratch,
                        ctx.log_path("numpy", f"{impl}-memory"), opts.timeout)
        if reply.get("ok"):
            cell.raw.append(float(reply["peak_rss_mib"]))
            results.meta.setdefault("peak_memory_epoch_s", {})[impl] = reply["seconds"]
            results.meta["peak_rss_source"] = reply.get("peak_rss_source")
            cell.set_status("ok")
            continue
        status = reply.get("status", "error")
        cell.set_status("not installed" if status == "unavailable" else status,
                        str(reply.get("reason", "")))
        if cell.status == "error":
            print(f"[numpy] peak memory of {impl}: {cell.reason}\n{reply.get('log', '')}",
                  file=sys.stderr, flush=True)


def measure(ctx: Any) -> None:
    """Fill the "import" and "peak_memory" rows of ``ctx.results``."""
    from benchmarks import report

    t0 = time.perf_counter()
    measure_import(ctx)
    print(report.progress_line(ctx.results, "import", "numpy"), flush=True)
    measure_peak_memory(ctx)
    print(report.progress_line(ctx.results, "peak_memory", "numpy"), flush=True)
    ctx.results.meta["startup_measure_s"] = round(time.perf_counter() - t0, 1)
