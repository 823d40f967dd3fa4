"""Measurements as they are collected, their summaries and the paired ratios.

A :class:`Cell` holds one (benchmark, backend, implementation): its status and the raw
cost of each timed repeat (seconds; MiB for peak memory). Ratios compare costs repeat by
repeat (repeat i of polykeras against repeat i of the other, run back to back) and report
the median of those ratios: below 1, polykeras is cheaper.

Example:
    >>> paired_ratio([1.1, 2.2, 3.0], [1.0, 2.0, 2.0])["median"]
    1.1
    >>> summary([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0}
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import Any

from benchmarks.workload import Sizes

IMPLEMENTATIONS: tuple[str, ...] = ("polykeras", "hand", "keras")
IMPL_LABELS = {"polykeras": "polykeras", "hand": "hand-written", "keras": "Keras 3"}
UNITS = {"mlp_epoch": "s/epoch", "step": "ms/step", "predict": "samples/s",
         "cnn_epoch": "s/epoch", "decoder_epoch": "s/epoch", "import": "s",
         "peak_memory": "MiB", "pydataset_epoch": "s/epoch", "dataloader_epoch": "s/epoch"}
#: Statuses of a cell; only "ok" cells carry measurements.
STATUSES = ("pending", "ok", "n/a", "not installed", "skipped", "error")


def display_value(bench: str, raw: float, sizes: Sizes) -> float:
    """A raw cost (seconds per repeat, or MiB) in the unit shown for ``bench``."""
    if bench == "step":
        return raw * 1000.0 / sizes.step_steps
    if bench == "predict":
        return sizes.predict_samples / raw if raw > 0 else float("inf")
    return raw


def summary(values: list[float]) -> dict[str, float]:
    """Median, min and max."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def paired_ratio(ours: list[float], theirs: list[float]) -> dict[str, Any] | None:
    """Median (and range) of ``ours[i] / theirs[i]`` over the repeats both have."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=False) if b > 0]
    if not ratios:
        return None
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
            "per_repeat": ratios}


@dataclasses.dataclass
class Cell:
    """One benchmark, on one backend, by one implementation."""

    bench: str
    backend: str
    impl: str
    status: str = "pending"
    reason: str = ""
    raw: list[float] = dataclasses.field(default_factory=list)
    checks: list[float | None] = dataclasses.field(default_factory=list)
    warmup_s: list[float] = dataclasses.field(default_factory=list)

    def set_status(self, status: str, reason: str = "") -> None:
        if status not in STATUSES:
            raise ValueError(f"Unknown cell status {status!r}; expected one of {STATUSES}.")
        self.status, self.reason = status, reason

    def values(self, sizes: Sizes) -> list[float]:
        return [display_value(self.bench, r, sizes) for r in self.raw]

    def to_dict(self, sizes: Sizes) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["unit"] = UNITS.get(self.bench, "")
        out["values"] = self.values(sizes)
        out["summary"] = summary(out["values"]) if self.status == "ok" and self.raw else None
        return out


class Results:
    """Every cell of a run, plus notes for the report."""

    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        self.cells: dict[tuple[str, str, str], Cell] = {}
        self.notes: list[str] = []
        self.meta: dict[str, Any] = {}

    def cell(self, bench: str, backend: str, impl: str) -> Cell:
        key = (bench, backend, impl)
        if key not in self.cells:
            self.cells[key] = Cell(bench, backend, impl)
        return self.cells[key]

    def get(self, bench: str, backend: str, impl: str) -> Cell | None:
        return self.cells.get((bench, backend, impl))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
        print(f"note: {text}", flush=True)

    def rows(self) -> list[tuple[str, str]]:
        """(bench, backend) pairs in first-seen order."""
        seen: dict[tuple[str, str], None] = {}
        for bench, backend, _ in self.cells:
            seen.setdefault((bench, backend), None)
        return list(seen)

    def ratio(self, bench: str, backend: str, versus: str) -> dict[str, Any] | None:
        ours, theirs = self.get(bench, backend, "polykeras"), self.get(bench, backend, versus)
        if ours is None or theirs is None or ours.status != "ok" or theirs.status != "ok":
            return None
        return paired_ratio(ours.raw, theirs.raw)

    def failures(self, impls: tuple[str, ...] = ("polykeras", "hand")) -> list[Cell]:
        """Cells of ``impls`` that errored (Keras errors are reported, not failures)."""
        return [c for c in self.cells.values() if c.status == "error" and c.impl in impls]

    def to_dict(self) -> dict[str, Any]:
        ratios = []
        for bench, backend in self.rows():
            for versus in ("hand", "keras"):
                r = self.ratio(bench, backend, versus)
                if r is not None:
                    ratios.append({"bench": bench, "backend": backend,
                                   "ratio": f"polykeras/{versus}", **r})
        return {"meta": self.meta, "sizes": self.sizes.to_dict(), "notes": self.notes,
                "cells": [c.to_dict(self.sizes) for c in self.cells.values()],
                "ratios": ratios}
