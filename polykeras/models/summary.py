"""The text of ``Model.summary()``: a Keras-style table of layers, shapes and sizes.

Example:
    >>> from polykeras import Sequential, layers
    >>> print(format_summary(Sequential([layers.Dense(2, input_shape=(3,))])))  # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any


def _count(variables: list[Any]) -> int:
    return int(sum(math.prod(v.shape) for v in variables))


def _shape_text(layer: Any) -> str:
    shape = getattr(layer, "_output_shape", None)
    if shape is None and hasattr(layer, "batch_shape"):
        shape = layer.batch_shape
    if shape is None:
        return "?"
    return str(tuple(shape)) if not isinstance(shape, list) else str([tuple(s) for s in shape])


def _bytes_text(n: int) -> str:
    size = float(n) * 4
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def format_summary(model: Any, line_length: int = 78) -> str:
    widths = [int(line_length * 0.45), int(line_length * 0.33)]
    widths.append(line_length - sum(widths) - 4)
    top = "┏" + "┳".join("━" * (w + 2) for w in widths) + "┓"
    mid = "┡" + "╇".join("━" * (w + 2) for w in widths) + "┩"
    bottom = "└" + "┴".join("─" * (w + 2) for w in widths) + "┘"

    def row(cells: list[str], sep: str = "│") -> str:
        a, b, c = cells
        return (f"{sep} {a[:widths[0]]:<{widths[0]}} {sep} {b[:widths[1]]:<{widths[1]}} "
                f"{sep} {c:>{widths[2]}} {sep}")

    lines = [f'Model: "{model.name}"', top,
             row(["Layer (type)", "Output Shape", "Param #"], "┃"), mid]
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    for i, layer in enumerate(layers):
        params = _count(layer.weights) if layer.built else 0
        lines.append(row([f"{layer.name} ({type(layer).__name__})", _shape_text(layer),
                          f"{params:,}" if layer.built else "0 (unbuilt)"]))
        if i < len(layers) - 1:
            lines.append("├" + "┼".join("─" * (w + 2) for w in widths) + "┤")
    lines.append(bottom)
    total = _count(model.weights)
    trainable = _count(model.trainable_weights)
    lines.append(f" Total params: {total:,} ({_bytes_text(total)})")
    lines.append(f" Trainable params: {trainable:,} ({_bytes_text(trainable)})")
    lines.append(f" Non-trainable params: {total - trainable:,} ({_bytes_text(total - trainable)})")
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "built", False):
        n = _count(opt.variables)
        lines.append(f" Optimizer params: {n:,} ({_bytes_text(n)})")
    return "\n".join(lines)
