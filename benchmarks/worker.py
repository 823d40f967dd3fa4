"""One benchmark worker process: one implementation on one backend, driven over a pipe.

The driver starts ``main(argv)`` in a fresh interpreter (frameworks conflict, and Keras
reads ``KERAS_BACKEND`` at import) and sends JSON requests, one per line, on stdin:
``{"op": "setup", "bench": ...}`` builds the workload and runs the warm-up repeats,
``{"op": "run"}`` times one repeat, ``{"op": "quit"}`` ends the process. Each request
gets one JSON reply on the original stdout; anything the frameworks print goes to stderr.

Example (what the driver does):
    $ python -c "from benchmarks.worker import main; main()" --impl hand --backend numpy \\
        --data /tmp/bench-data --sizes '{"mlp_samples": 400}' < requests.jsonl
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from benchmarks.pipelines import PIPELINE_BENCHES
from benchmarks.workload import NotApplicable, Sizes

IMPLEMENTATIONS = ("polykeras", "hand", "keras")
#: Pause before each timed repeat, so that the previous worker's threads are idle.
QUIET_S = 0.1


class Unavailable(Exception):
    """The implementation cannot start here (framework or package missing)."""


def _framework_versions(backend: str) -> dict[str, str]:
    import numpy

    versions = {"numpy": numpy.__version__}
    module = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}.get(backend)
    if module and module in sys.modules:
        versions[module] = getattr(sys.modules[module], "__version__", "?")
    return versions


def _set_threads(backend: str, threads: int) -> dict[str, Any]:
    """The same thread settings for every implementation on a backend."""
    if backend == "torch" and threads > 0:
        try:
            import torch
        except ImportError as err:
            raise Unavailable(f"not installed ({err})") from None

        torch.set_num_threads(threads)
        return {"torch_threads": torch.get_num_threads()}
    return {}


def _hand_module(backend: str) -> Any:
    import importlib

    return importlib.import_module(f"benchmarks.hand_{backend}")


def _not_for_pipelines(build: Callable[..., Any]) -> Callable[..., Any]:
    """Hand-written loops have no input-pipeline variant: (h) measures polykeras alone."""
    def wrapped(bench: str, folder: str, sizes: Sizes, seed: int) -> Any:
        if bench in PIPELINE_BENCHES:
            raise NotApplicable("n/a (polykeras input pipelines)")
        return build(bench, folder, sizes, seed)

    return wrapped


def load_implementation(impl: str, backend: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    """``(build(bench, folder, sizes, seed), info)`` for one implementation on a backend.

    Raises:
        Unavailable: the framework, Keras or an optional package is not installed.
    """
    info: dict[str, Any] = {}
    if impl == "polykeras":
        import polykeras

        try:
            adapter = polykeras.backend.current()
        except ImportError as err:
            raise Unavailable(f"not installed ({err})") from None
        if adapter.name != backend:
            raise Unavailable(f"polykeras selected backend {adapter.name!r}, expected "
                              f"{backend!r}; check POLYKERAS_BACKEND")
        info.update(polykeras=polykeras.__version__, device=str(getattr(adapter, "device", "")))
        from benchmarks import keras_style

        return (lambda bench, folder, sizes, seed:
                keras_style.build(polykeras, bench, folder, sizes, seed)), info
    if impl == "keras":
        try:
            import keras
        except ImportError as err:
            raise Unavailable(f"not installed ({err})") from None
        if keras.backend.backend() != backend:
            raise Unavailable(f"Keras selected backend {keras.backend.backend()!r}, expected "
                              f"{backend!r}; check KERAS_BACKEND")
        info["keras"] = keras.__version__
        from benchmarks import keras_style

        can_fit = backend != "numpy"
        return (lambda bench, folder, sizes, seed:
                keras_style.build(keras, bench, folder, sizes, seed, can_fit)), info
    if impl == "hand":
        try:
            module = _hand_module(backend)
        except ImportError as err:
            raise Unavailable(f"not installed ({err})") from None
        device = getattr(module, "DEVICE", None)
        if device is not None:
            info["device"] = str(device)
        if hasattr(module, "OPTIMIZER_SOURCE"):
            info["optimizers"] = module.OPTIMIZER_SOURCE
        return _not_for_pipelines(module.build), info
    raise ValueError(f"Unknown implementation {impl!r}; expected one of {IMPLEMENTATIONS}.")


def peak_rss_mib() -> tuple[float, str]:
    """This process's resident-set high-water mark in MiB, and where it was read.

    On Linux ``getrusage``'s ``ru_maxrss`` survives ``exec``: a fresh child reports at
    least the peak of the process that started it. ``VmHWM`` in ``/proc/self/status``
    belongs to this process alone, so it is used when present.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0, "VmHWM (/proc/self/status)"
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1024.0 * 1024.0 if platform.system() == "Darwin" else 1024.0
    return peak / scale, "resource.getrusage ru_maxrss"


def _finite(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _failure(err: BaseException) -> dict[str, Any]:
    if isinstance(err, NotApplicable):
        return {"ok": False, "status": "n/a", "reason": str(err)}
    if isinstance(err, Unavailable):
        return {"ok": False, "status": "unavailable", "reason": str(err)}
    traceback.print_exc(file=sys.stderr)
    sys.stderr.flush()
    line = f"{type(err).__name__}: {err}".strip().splitlines()[0]
    return {"ok": False, "status": "error", "reason": line[:300]}


class Session:
    """The worker's state: the implementation and the workload being measured."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sizes = Sizes.from_dict(json.loads(args.sizes))
        self.build: Callable[..., Any] | None = None
        self.run_fn: Callable[[], Any] | None = None

    def start(self) -> dict[str, Any]:
        a = self.args
        info = _set_threads(a.backend, a.threads)
        self.build, impl_info = load_implementation(a.impl, a.backend)
        info.update(impl_info)
        info.update(_framework_versions(a.backend))
        info["threads"] = info.get("torch_threads", "framework default")
        return {"ok": True, "info": info}

    def setup_without_warmup(self, bench: str) -> None:
        if self.build is None:
            raise RuntimeError("'setup' before the implementation started.")
        self.run_fn = None
        gc.collect()
        self.run_fn = self.build(bench, self.args.data, self.sizes, self.args.seed)

    def setup(self, bench: str) -> dict[str, Any]:
        self.setup_without_warmup(bench)
        warm = []
        check = None
        for _ in range(self.args.warmup):
            t0 = time.perf_counter()
            check = self.run_fn()  # type: ignore[misc]
            warm.append(time.perf_counter() - t0)
        return {"ok": True, "warmup_s": warm, "check": _finite(check)}

    def run(self) -> dict[str, Any]:
        if self.run_fn is None:
            raise RuntimeError("'run' before a successful 'setup'.")
        gc.collect()
        # The worker that ran just before may still have BLAS/OpenMP threads spinning on
        # the shared cores; they go idle within milliseconds.
        time.sleep(QUIET_S)
        t0 = time.perf_counter()
        check = self.run_fn()
        seconds = time.perf_counter() - t0
        return {"ok": True, "seconds": seconds, "check": _finite(check)}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="one benchmark worker (started by the driver)")
    parser.add_argument("--impl", required=True, choices=IMPLEMENTATIONS)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--data", required=True, help="folder written by benchmarks.data")
    parser.add_argument("--sizes", default="{}", help="JSON of benchmarks.workload.Sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--oneshot", default=None,
                        help="run this benchmark once without warm-up, reply with the peak "
                             "RSS, and exit")
    return parser.parse_args(argv)


def _reply(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main(argv: list[str] | None = None) -> int:
    """Serve requests until 'quit' or end of input."""
    args = _parse(argv)
    # Replies go to the original stdout only; framework chatter goes to stderr.
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    session = Session(args)
    try:
        started = session.start()
    except Exception as err:  # report why, then stop: nothing else can run here
        _reply(channel, _failure(err))
        return 0
    if args.oneshot:
        try:
            session.setup_without_warmup(args.oneshot)
            t0 = time.perf_counter()
            session.run_fn()  # type: ignore[misc]
            seconds = time.perf_counter() - t0
            peak, source = peak_rss_mib()
            reply = {"ok": True, "seconds": seconds, "peak_rss_mib": peak,
                     "peak_rss_source": source, "info": started["info"]}
        except Exception as err:
            reply = _failure(err)
        _reply(channel, reply)
        return 0
    _reply(channel, started)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            _reply(channel, {"ok": False, "status": "error", "reason": f"bad request {line!r}"})
            continue
        op = request.get("op")
        if op == "quit":
            break
        try:
            if op == "setup":
                reply = session.setup(str(request["bench"]))
            elif op == "run":
                reply = session.run()
            else:
                reply = {"ok": False, "status": "error", "reason": f"unknown op {op!r}"}
        except Exception as err:
            reply = _failure(err)
        _reply(channel, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
