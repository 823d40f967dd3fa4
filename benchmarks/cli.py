"""Command-line options of ``python -m benchmarks``.

Example:
    >>> opts = parse(["--smoke", "--backends", "numpy"])
    >>> opts.backends, opts.repeats, opts.sizes.mlp_samples
    (['numpy'], 1, 400)
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
from collections.abc import Callable
from typing import Any

from benchmarks.workload import Sizes

BACKENDS: tuple[str, ...] = ("numpy", "torch", "jax", "tensorflow")
#: Modules a backend needs, looked up without importing them.
FRAMEWORK_MODULES = {"numpy": ("numpy",), "torch": ("torch",), "jax": ("jax", "jaxlib"),
                     "tensorflow": ("tensorflow",)}
#: Benchmark letters of the report and the workloads they select.
BENCHMARK_LETTERS = {"a": "mlp_epoch", "b": "step", "c": "predict", "d": "cnn_epoch",
                     "e": "startup", "h": "pydataset_epoch"}
#: Benchmarks that come with a letter: (h) times both pipelines against the arrays of (a);
#: (d) has a second row, the Conv2DTranspose decoder.
COMPANIONS = {"pydataset_epoch": ("dataloader_epoch", "mlp_epoch"),
              "cnn_epoch": ("decoder_epoch",)}
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def missing_modules(backend: str) -> list[str]:
    """The framework modules of ``backend`` that are not installed."""
    return [m for m in FRAMEWORK_MODULES.get(backend, (backend,))
            if importlib.util.find_spec(m) is None]


def installed_backends() -> list[str]:
    return [b for b in BACKENDS if not missing_modules(b)]


@dataclasses.dataclass
class Options:
    backends: list[str]
    benchmarks: list[str]
    repeats: int
    warmup: int
    sizes: Sizes
    out: str
    seed: int
    threads: int
    timeout: float
    pause: float
    smoke: bool
    random_data: bool
    keras: bool


def _positive(kind: Callable[[str], float], minimum: float) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, received {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, received {text!r}")
        return value

    return convert


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _with_companions(benches: list[str]) -> list[str]:
    out = list(benches)
    for bench in benches:
        out += [c for c in COMPANIONS.get(bench, ()) if c not in out]
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Time polykeras against the same models hand-written in each framework and "
            "against Keras 3: (a) the seed MLP's training epoch, (b) per-step overhead of "
            "a small MLP, (c) predict throughput, (d) an epoch of the MNIST convnet, "
            "(e) import time and peak memory on NumPy, (h) the seed MLP fed by a slow "
            "PyDataset and by a torch DataLoader. Writes results.md, results.json "
            "and results.png to --out."),
    )
    parser.add_argument("--backends", type=_split, default=None,
                        help=f"comma-separated subset of {','.join(BACKENDS)} "
                             "(default: every installed one)")
    parser.add_argument("--benchmarks", type=_split, default=None,
                        help="comma-separated letters a,b,c,d,e,h (default: all)")
    parser.add_argument("--repeats", type=_positive(int, 1), default=None,
                        help="timed repeats per implementation (default 5; 1 with --smoke)")
    parser.add_argument("--warmup", type=_positive(int, 0), default=1,
                        help="untimed repeats first, compilation included (default 1)")
    parser.add_argument("--mlp-samples", type=_positive(int, 1), default=None,
                        help="training samples of the seed MLP epochs (a) and (h) "
                             "(default 42000; 400 with --smoke)")
    parser.add_argument("--cnn-samples", type=_positive(int, 1), default=None,
                        help="training samples of the convnet epoch (d) (default 4096; "
                             "64 with --smoke)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, 1 repeat: checks that everything runs, in seconds")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="results folder (default benchmarks/results/)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=_positive(int, 0), default=os.cpu_count() or 1,
                        help="torch.set_num_threads for every torch implementation "
                             "(default: the core count; 0 keeps torch's default)")
    parser.add_argument("--timeout", type=_positive(float, 1), default=None,
                        help="seconds one request (a warm-up or a repeat) may take "
                             "(default 1800; 600 with --smoke)")
    parser.add_argument("--pause", type=_positive(float, 0), default=None,
                        help="seconds of idle time before each timed repeat, so the "
                             "previous worker's threads go quiet (default 0.2; 0 with --smoke)")
    parser.add_argument("--random-data", action="store_true",
                        help="use random data even when POLYKERAS_DATASETS has MNIST")
    parser.add_argument("--no-keras", dest="keras", action="store_false",
                        help="do not run Keras 3")
    return parser


def parse(argv: list[str] | None = None) -> Options:
    parser = build_parser()
    args = parser.parse_args(argv)
    backends = args.backends or installed_backends()
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(BACKENDS)}, e.g. --backends numpy,torch")
    letters = [x.lower() for x in (args.benchmarks or list(BENCHMARK_LETTERS))]
    bad = [x for x in letters if x not in BENCHMARK_LETTERS]
    if bad:
        parser.error(f"unknown benchmark(s) {', '.join(bad)}; choose from a,b,c,d,e,h, "
                     "e.g. --benchmarks a,b")
    sizes = Sizes.smoke() if args.smoke else Sizes()
    if args.mlp_samples is not None:
        sizes = dataclasses.replace(sizes, mlp_samples=args.mlp_samples)
    if args.cnn_samples is not None:
        sizes = dataclasses.replace(sizes, cnn_samples=args.cnn_samples)
    smoke = bool(args.smoke)
    return Options(
        backends=list(dict.fromkeys(backends)),
        benchmarks=_with_companions([BENCHMARK_LETTERS[x] for x in dict.fromkeys(letters)]),
        repeats=args.repeats or (1 if smoke else 5),
        warmup=args.warmup,
        sizes=sizes,
        out=os.path.abspath(args.out),
        seed=args.seed,
        threads=args.threads,
        timeout=args.timeout or (600.0 if smoke else 1800.0),
        pause=args.pause if args.pause is not None else (0.0 if smoke else 0.2),
        smoke=smoke,
        random_data=bool(args.random_data),
        keras=bool(args.keras),
    )
