"""results.md, results.json and results.png, written atomically, and progress lines.

Every file is first written under a temporary name in the results folder and then
renamed over the old one, so an interrupted run leaves the previous results whole.

Example:
    >>> text = write(results, "benchmarks/results")  # doctest: +SKIP
    >>> print(text)  # the Markdown report, table first  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from benchmarks import chart
from benchmarks.results import (
    IMPL_LABELS,
    IMPLEMENTATIONS,
    Cell,
    Results,
    paired_ratio,
    summary,
)
from benchmarks.workload import bench_title

BENCH_ORDER = ("mlp_epoch", "step", "predict", "cnn_epoch", "decoder_epoch", "pydataset_epoch",
               "dataloader_epoch", "import", "peak_memory")
FILES = ("results.md", "results.json", "results.png")


def fmt_number(value: float) -> str:
    """Three significant figures, thousands separators for large values."""
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _escape(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def cell_text(cell: Cell | None, results: Results) -> str:
    """``median (min–max)`` for a measured cell, else its status."""
    if cell is None:
        return "–"
    if cell.status == "ok" and cell.raw:
        stats = summary(cell.values(results.sizes))
        text = fmt_number(stats["median"])
        if len(cell.raw) > 1:
            text += f" ({fmt_number(stats['min'])}–{fmt_number(stats['max'])})"
        if cell.bench == "import" and cell.impl == "hand":
            text += " (numpy alone)"
        return text
    if cell.status == "n/a":
        return _escape(cell.reason) or "n/a"
    if cell.status == "error":
        reason = _escape(cell.reason)
        return f"error: {reason[:80]}{'…' if len(reason) > 80 else ''}"
    if cell.status in ("not installed", "skipped"):
        return cell.status
    return "–"


def ratio_text(ratio: dict[str, Any] | None) -> str:
    if ratio is None:
        return "–"
    text = f"{ratio['median']:.2f}"
    if len(ratio["per_repeat"]) > 1:
        text += f" ({ratio['min']:.2f}–{ratio['max']:.2f})"
    return text


def ordered_rows(results: Results) -> list[tuple[str, str]]:
    backends = results.meta.get("backends") or []
    rank = {b: i for i, b in enumerate(backends)}
    return sorted(results.rows(), key=lambda row: (BENCH_ORDER.index(row[0])
                                                   if row[0] in BENCH_ORDER else 99,
                                                   rank.get(row[1], 99)))


def table(results: Results) -> str:
    """The Markdown table: one row per (benchmark, backend)."""
    head = ["benchmark", "backend", *(IMPL_LABELS[i] for i in IMPLEMENTATIONS),
            "polykeras / hand-written", "polykeras / Keras 3"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for bench, backend in ordered_rows(results):
        cells = [cell_text(results.get(bench, backend, impl), results)
                 for impl in IMPLEMENTATIONS]
        ratios = [ratio_text(results.ratio(bench, backend, v)) for v in ("hand", "keras")]
        lines.append("| " + " | ".join([bench_title(bench, results.sizes), backend, *cells,
                                        *ratios]) + " |")
    return "\n".join(lines)


def pipeline_lines(results: Results) -> list[str]:
    """(h): each pipeline epoch against the arrays epoch of (a) on the same backend,
    repeat i against repeat i, with the targets of the benchmark."""
    from benchmarks.pipelines import PYDATASET_WORKERS, load_seconds

    lines = []
    spread = load_seconds(results.sizes) / PYDATASET_WORKERS
    for bench, backend in ordered_rows(results):
        cell = results.get(bench, backend, "polykeras")
        arrays = results.get("mlp_epoch", backend, "polykeras")
        if bench not in ("pydataset_epoch", "dataloader_epoch") or cell is None or \
                arrays is None or cell.status != "ok" or arrays.status != "ok":
            continue
        if bench == "pydataset_epoch":
            ratio = paired_ratio(cell.raw, [max(a, spread) for a in arrays.raw])
            target, what = 1.2, (f"PyDataset epoch / max(arrays epoch, load {spread:.3g} s "
                                 f"= {load_seconds(results.sizes):.3g} s / "
                                 f"{PYDATASET_WORKERS} workers)")
        else:
            ratio = paired_ratio(cell.raw, arrays.raw)
            target, what = 1.05, "DataLoader epoch / arrays epoch"
        if ratio is None:
            continue
        verdict = "met" if ratio["median"] <= target else "NOT met"
        lines.append(f"- {backend}: {what} = {ratio_text(ratio)} (target <= {target}: "
                     f"{verdict})")
    return lines


def _versions(results: Results) -> list[str]:
    lines = []
    for key, info in sorted(results.meta.get("workers", {}).items()):
        parts = [f"{k} {v}" for k, v in info.items() if v not in ("", None)]
        lines.append(f"- {key}: {', '.join(parts)}")
    return lines


def markdown(results: Results, chart_note: str) -> str:
    meta = results.meta
    repeats, warmup = meta.get("repeats"), meta.get("warmup")
    lines = ["# polykeras benchmarks", ""]
    if meta.get("smoke"):
        lines += ["**Smoke run**: tiny sizes and one repeat, to check that everything "
                  "runs. These numbers mean nothing.", ""]
    lines += [
        f"Data: {meta.get('data', '?')}. {meta.get('platform', '')}, Python "
        f"{meta.get('python', '?')}, {meta.get('cpu_count', '?')} cores, load average at "
        f"start {meta.get('load_average_at_start')}; {meta.get('date', '')}.",
        "",
        table(results),
        "",
        "## How to read this",
        "",
        f"- Each value is the median of {repeats} timed repeats after {warmup} untimed "
        "warm-up repeat(s) (compilation happens there); min–max in parentheses.",
        "- Each (backend, implementation) runs in its own long-lived process; the driver "
        "asks for one repeat at a time and goes round the implementations, so repeats of "
        "competitors run back to back. Each timed repeat starts after a garbage "
        "collection and a 0.1 s pause (the previous worker's BLAS threads go idle).",
        "- Ratios compare cost (time, or memory for peak RSS), repeat i against repeat i, "
        "and report the median of those ratios with their range: below 1, polykeras is "
        "cheaper. For (c) the ratio is of times, not of throughputs.",
        "- Same data, float32, model, hyperparameters, start weights and shuffling "
        "policy everywhere; only the loss is tracked (no extra metrics). (a)-(c) and (d) "
        "are the models of examples/mnist_mlp.py and examples/mnist_cnn.py (conv-pool x2, "
        "Dense(128, relu), dropout 0.25, Dense(10)); (b) is (a) shrunk to 784-32-32-10; the "
        "second (d) row decodes 7x7 block means back to 28x28 images with two "
        "Conv2DTranspose(4x4, stride 2, same) layers and a 3x3 Conv2D (sigmoid, MSE, Adam).",
        "- Hand-written: NumPy forward/backprop in float32 with inverted dropout; torch "
        "`torch.nn` + `torch.optim` loop; JAX one `jax.jit` step with optax, batches cut on "
        "the host; TensorFlow a `tf.GradientTape` step in a `tf.function`.",
        f"- Threads: torch.set_num_threads({meta.get('threads')}) for every torch "
        "implementation (0: torch default); NumPy BLAS, TF and XLA keep their defaults. "
        "Keras 3 uses its defaults (no XLA for TensorFlow on CPU, jit on JAX).",
        "- (e) import time runs `import polykeras`, `import numpy` and `import keras` "
        "(KERAS_BACKEND=numpy) in fresh interpreters; peak RSS is one run each of (a) in a "
        "fresh process that also holds the data, read from "
        f"{meta.get('peak_rss_source') or 'the process'}.",
        f"- Chart: {chart_note}.",
    ]
    pipelines = pipeline_lines(results)
    if pipelines:
        lines += ["", "## (h) input pipelines against arrays", ""] + pipelines
    if results.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in results.notes]
    versions = _versions(results)
    if versions:
        lines += ["", "## Versions and devices", ""] + versions
    return "\n".join(lines) + "\n"


def _finite(obj: Any) -> Any:
    """The same structure with NaN and infinities as None (strict JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _replace_all(pairs: list[tuple[str, str]]) -> None:
    for tmp, final in pairs:
        os.replace(tmp, final)


def write(results: Results, out: str) -> str:
    """Write results.md, results.json and (with matplotlib) results.png into ``out``.

    Returns the Markdown text. A stale results.png is removed when no chart is drawn.
    """
    os.makedirs(out, exist_ok=True)
    suffix = f".{os.getpid()}.tmp"
    temps = {name: os.path.join(out, "." + name + suffix) for name in FILES}
    finals = {name: os.path.join(out, name) for name in FILES}
    try:
        problem = chart.draw(results, temps["results.png"])
        chart_note = problem or "results.png (medians, whiskers min–max)"
        if problem:
            print(f"note: {problem}", flush=True)
        text = markdown(results, chart_note)
        with open(temps["results.md"], "w", encoding="utf-8") as f:
            f.write(text)
        with open(temps["results.json"], "w", encoding="utf-8") as f:
            json.dump(_finite(results.to_dict()), f, indent=1, allow_nan=False)
            f.write("\n")
        names = ["results.md", "results.json"] + ([] if problem else ["results.png"])
        _replace_all([(temps[n], finals[n]) for n in names])
        if problem and os.path.exists(finals["results.png"]):
            os.remove(finals["results.png"])
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.remove(tmp)
    return text


def progress_line(results: Results, bench: str, backend: str) -> str:
    """One line per finished (benchmark, backend), printed as the run goes."""
    parts = [f"{IMPL_LABELS[i]} {cell_text(results.get(bench, backend, i), results)}"
             for i in IMPLEMENTATIONS]
    return f"[{backend}] {bench}: " + "; ".join(parts)
