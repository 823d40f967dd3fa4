"""The PNG bar chart: (a) seconds per epoch and (b) milliseconds per step, per backend.

Bars are medians, whiskers span min to max. Needs matplotlib (drawn off-screen, Agg).

Example:
    >>> problem = draw(results, "/tmp/results.png")  # doctest: +SKIP
    >>> problem is None  # None when the chart was written  # doctest: +SKIP
    True
"""

from __future__ import annotations

from benchmarks.results import IMPL_LABELS, IMPLEMENTATIONS, UNITS, Results, summary

PANELS = (("mlp_epoch", "(a) seed MLP, one epoch"), ("step", "(b) small MLP, one step"))
COLORS = {"polykeras": "#2a6fb0", "hand": "#8c8c8c", "keras": "#d9822b"}


def draw(results: Results, path: str) -> str | None:
    """Write the chart to ``path``; returns why not (a sentence) or None when written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed, so no PNG chart was written"
    panels = []
    for bench, title in PANELS:
        backends = [backend for b, backend in results.rows() if b == bench]
        backends = [backend for backend in backends
                    if any(_median(results, bench, backend, impl) is not None
                           for impl in IMPLEMENTATIONS)]
        if backends:
            panels.append((bench, title, backends))
    if not panels:
        return "no (a) or (b) results to plot, so no PNG chart was written"
    fig, axes = plt.subplots(1, len(panels), figsize=(6.0 * len(panels), 4.2), squeeze=False)
    width = 0.8 / len(IMPLEMENTATIONS)
    for ax, (bench, title, backends) in zip(axes[0], panels, strict=True):
        for j, impl in enumerate(IMPLEMENTATIONS):
            xs, heights, low, high = [], [], [], []
            for i, backend in enumerate(backends):
                stats = _median(results, bench, backend, impl)
                if stats is None:
                    continue
                xs.append(i + (j - (len(IMPLEMENTATIONS) - 1) / 2) * width)
                heights.append(stats["median"])
                low.append(stats["median"] - stats["min"])
                high.append(stats["max"] - stats["median"])
            if xs:
                ax.bar(xs, heights, width, yerr=[low, high], capsize=3,
                       label=IMPL_LABELS[impl], color=COLORS[impl])
        ax.set_xticks(range(len(backends)))
        ax.set_xticklabels(backends)
        ax.set_ylabel(UNITS[bench])
        ax.set_title(title)
        ax.legend(fontsize="small")
    smoke = " (smoke run: sizes too small to mean anything)" if results.meta.get("smoke") else ""
    fig.suptitle(f"polykeras vs hand-written vs Keras 3, lower is better{smoke}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
    return None


def _median(results: Results, bench: str, backend: str, impl: str) -> dict[str, float] | None:
    cell = results.get(bench, backend, impl)
    if cell is None or cell.status != "ok" or not cell.raw:
        return None
    return summary(cell.values(results.sizes))
