"""The benchmark run: data, worker processes per backend, interleaved repeats, report.

For each backend, one long-lived worker per implementation (polykeras, hand-written,
Keras 3) is started. For each workload, every worker builds it and runs its warm-up, then
the driver asks for one timed repeat at a time, going round the workers (starting with a
different one each round), so that slow drifts of the machine hit all of them alike.

Example:
    >>> main(["--smoke", "--backends", "numpy", "--out", "/tmp/bench"])  # doctest: +SKIP
    0
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from typing import Any

from benchmarks import cli, data, report, startup
from benchmarks.results import IMPL_LABELS, IMPLEMENTATIONS, Results
from benchmarks.workers import WorkerFailed, WorkerProcess
from benchmarks.workload import TIMED_BENCHES


class Context:
    """What every step of a run needs: options, scratch folders, results."""

    def __init__(self, opts: cli.Options, scratch: str, results: Results) -> None:
        self.opts = opts
        self.scratch = scratch
        self.data_folder = os.path.join(scratch, "data")
        self.results = results
        self.keras_home = os.path.join(scratch, "keras_home")
        os.makedirs(self.keras_home, exist_ok=True)

    def env(self, backend: str) -> dict[str, str]:
        """The environment of every worker on ``backend``."""
        env = dict(os.environ)
        env["POLYKERAS_BACKEND"] = backend
        env["KERAS_BACKEND"] = backend
        env["KERAS_HOME"] = self.keras_home  # Keras writes keras.json on first import
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # Three workers may share one GPU: none may reserve all of its memory up front.
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        return env

    def worker_args(self) -> list[str]:
        import json

        o = self.opts
        return ["--data", self.data_folder, "--sizes", json.dumps(o.sizes.to_dict()),
                "--seed", str(o.seed), "--warmup", str(o.warmup), "--threads", str(o.threads)]

    def log_path(self, backend: str, impl: str) -> str:
        return os.path.join(self.scratch, f"{backend}-{impl}.log")


def _report_failure(backend: str, impl: str, what: str, reason: str,
                    worker: WorkerProcess | None) -> None:
    print(f"[{backend}] {IMPL_LABELS[impl]}: {what} failed: {reason}", file=sys.stderr)
    tail = worker.log_tail() if worker is not None else ""
    if tail:
        print("    " + tail.replace("\n", "\n    "), file=sys.stderr, flush=True)


class BackendRun:
    """The workers of one backend and the benchmarks they run."""

    def __init__(self, ctx: Context, backend: str) -> None:
        self.ctx = ctx
        self.backend = backend
        self.workers: dict[str, WorkerProcess | None] = {}
        self.unavailable: dict[str, tuple[str, str]] = {}

    def wanted(self) -> list[str]:
        impls = []
        for impl in IMPLEMENTATIONS:
            if impl == "keras" and not self.ctx.opts.keras:
                self.unavailable[impl] = ("skipped", "--no-keras")
            elif impl == "keras" and importlib.util.find_spec("keras") is None:
                self.unavailable[impl] = ("not installed", "keras is not installed")
                self.ctx.results.note(f"{self.backend}: Keras 3 skipped: keras is not "
                                      "installed")
            else:
                impls.append(impl)
        return impls

    def start(self, impls: list[str]) -> None:
        """Start workers (all at once: their imports overlap) and collect their info."""
        ctx = self.ctx
        spawned = {impl: WorkerProcess(impl, self.backend, ctx.worker_args(),
                                       ctx.env(self.backend), ctx.scratch,
                                       ctx.log_path(self.backend, impl))
                   for impl in impls}
        for impl, worker in spawned.items():
            try:
                reply = worker.start(ctx.opts.timeout)
            except WorkerFailed as err:
                reply = {"ok": False, "status": "error", "reason": str(err)}
            if reply.get("ok"):
                self.workers[impl] = worker
                ctx.results.meta.setdefault("workers", {})[f"{self.backend}/{impl}"] = \
                    reply.get("info", {})
                continue
            status = reply.get("status", "error")
            status = "not installed" if status == "unavailable" else status
            reason = str(reply.get("reason", ""))
            self.unavailable[impl] = (status, reason)
            if status == "error":
                _report_failure(self.backend, impl, "start", reason, worker)
            else:
                ctx.results.note(f"{self.backend}: {IMPL_LABELS[impl]} skipped: {reason}")
            worker.close()
            self.workers[impl] = None

    def _restart(self, impl: str) -> WorkerProcess | None:
        """A fresh worker after a crash, or None when it cannot start."""
        old = self.workers.get(impl)
        if old is not None:
            old.close()
        self.workers[impl] = None
        self.unavailable.pop(impl, None)
        self.start([impl])
        return self.workers.get(impl)

    def run_bench(self, bench: str) -> None:
        ctx, results, backend = self.ctx, self.ctx.results, self.backend
        live: list[str] = []
        for impl in IMPLEMENTATIONS:
            cell = results.cell(bench, backend, impl)
            if impl in self.unavailable:
                cell.set_status(*self.unavailable[impl])
                continue
            worker = self.workers.get(impl)
            if worker is None or not worker.alive:
                worker = self._restart(impl)
                if worker is None:
                    cell.set_status(*self.unavailable.get(impl, ("error", "worker died")))
                    continue
            try:
                reply = worker.request({"op": "setup", "bench": bench}, ctx.opts.timeout)
            except WorkerFailed as err:
                reply = {"ok": False, "status": "error", "reason": str(err)}
            if reply.get("ok"):
                cell.warmup_s = list(reply.get("warmup_s", []))
                live.append(impl)
                continue
            cell.set_status(str(reply.get("status", "error")), str(reply.get("reason", "")))
            if cell.status == "error":
                _report_failure(backend, impl, f"{bench} setup", cell.reason, worker)
        for i in range(ctx.opts.repeats):
            order = live[i % len(live):] + live[:i % len(live)] if live else []
            for impl in order:
                cell = results.cell(bench, backend, impl)
                if cell.status == "error":
                    continue
                worker = self.workers[impl]
                if ctx.opts.pause:
                    time.sleep(ctx.opts.pause)
                try:
                    reply = (worker.request({"op": "run"}, ctx.opts.timeout)
                             if worker is not None else
                             {"ok": False, "status": "error", "reason": "worker died"})
                except WorkerFailed as err:
                    reply = {"ok": False, "status": "error", "reason": str(err)}
                if reply.get("ok"):
                    cell.raw.append(float(reply["seconds"]))
                    cell.checks.append(reply.get("check"))
                    print(f"  [{backend}] {bench} repeat {i + 1}/{ctx.opts.repeats} "
                          f"{IMPL_LABELS[impl]}: {cell.raw[-1]:.4g} s", flush=True)
                    continue
                cell.set_status("error", str(reply.get("reason", "")))
                _report_failure(backend, impl, f"{bench} repeat {i + 1}",
                                cell.reason, worker)
        for impl in live:
            cell = results.cell(bench, backend, impl)
            if cell.status == "pending":
                cell.set_status("ok")
        print(report.progress_line(results, bench, backend), flush=True)

    def close(self) -> None:
        for worker in self.workers.values():
            if worker is not None:
                worker.close()


def _run_backend(ctx: Context, backend: str, benches: list[str]) -> None:
    results = ctx.results
    missing = cli.missing_modules(backend)
    if missing:
        results.note(f"{backend}: {', '.join(missing)} not installed, backend skipped")
        for bench in benches:
            for impl in IMPLEMENTATIONS:
                results.cell(bench, backend, impl).set_status(
                    "not installed", f"{', '.join(missing)} not installed")
        return
    run = BackendRun(ctx, backend)
    try:
        run.start(run.wanted())
        for bench in benches:
            run.run_bench(bench)
    finally:
        run.close()


def _meta(opts: cli.Options, source: str) -> dict[str, Any]:
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load,
        "data": source,
        "smoke": opts.smoke,
        "repeats": opts.repeats,
        "warmup": opts.warmup,
        "threads": opts.threads,
        "backends": opts.backends,
        "benchmarks": opts.benchmarks,
        "seed": opts.seed,
    }


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, write the report, print the table; 1 when something failed."""
    opts = cli.parse(argv)
    # SIGTERM unwinds like Ctrl-C: workers are closed and no partial results are written.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)
    results = Results(opts.sizes)
    with tempfile.TemporaryDirectory(prefix="polykeras-bench-") as scratch:
        ctx = Context(opts, scratch, results)
        source = data.prepare(ctx.data_folder, opts.sizes, opts.seed,
                              allow_real=not opts.random_data)
        print(f"data: {source}", flush=True)
        results.meta = _meta(opts, source)
        if not opts.smoke and opts.repeats < 5:
            results.note(f"only {opts.repeats} timed repeat(s) (--repeats): medians and "
                         "ratios are rough; use at least 5 for numbers to report")
        benches = [b for b in TIMED_BENCHES if b in opts.benchmarks]
        for backend in opts.backends:
            if benches:
                print(f"== {backend}", flush=True)
                _run_backend(ctx, backend, benches)
        if "startup" in opts.benchmarks:
            if "numpy" in opts.backends:
                print("== start-up and memory (NumPy backend)", flush=True)
                startup.measure(ctx)
            else:
                results.note("(e) import time and peak memory run on the NumPy backend; "
                             "add numpy to --backends to measure them")
    table = report.write(results, opts.out)
    print()
    print(table)
    failures = results.failures()
    if failures:
        names = ", ".join(f"{c.backend}/{c.impl}/{c.bench}" for c in failures)
        print(f"\nFAILED: {names} (see the messages above)", file=sys.stderr)
        return 1
    return 0
