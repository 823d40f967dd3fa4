"""Batched image sampling for the preprocessing layers, written with
:mod:`polykeras.ops`: projective transforms (rotation, zoom, translation, crop) with
bilinear or nearest interpolation and the fill modes of ``keras.ops.image``.

A transform is 8 numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]`` per image mapping an
output pixel ``(x, y)`` to the input point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
with ``k = c0 x + c1 y + 1``, as in Keras and TensorFlow. Coordinates outside the image
follow ``fill_mode``: "reflect" (d c b a | a b c d | d c b a), "wrap", "nearest" (edge)
or "constant" (``fill_value``).

Example:
    >>> from polykeras import ops
    >>> images = ops.reshape(ops.arange(4.0), (1, 2, 2, 1))
    >>> shift = ops.convert_to_tensor([[1.0, 0, 1, 0, 1, 0, 0, 0]])
    >>> ops.convert_to_numpy(affine_transform(images, shift, "nearest", "constant"))[0, :, :, 0]
    array([[1., 0.],
           [3., 0.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras import ops

FILL_MODES = ("reflect", "wrap", "nearest", "constant")
INTERPOLATIONS = ("bilinear", "nearest")


def _map_coordinates(c: Any, size: int, fill_mode: str) -> Any:
    """Out-of-range coordinates mapped into the image (TensorFlow's rules)."""
    if fill_mode == "reflect":
        if size <= 1:
            return ops.zeros_like(c)
        c = ops.mod(c, 2.0 * size)
        c = ops.where(ops.greater_equal(c, float(size)), 2.0 * size - c - 1.0, c)
        return ops.clip(c, 0.0, float(size - 1))
    if fill_mode == "wrap":
        if size <= 1:
            return ops.zeros_like(c)
        sz = float(size - 1)
        below = ops.add(c, ops.multiply(ops.add(ops.floor(ops.divide(ops.negative(c), sz)), 1.0),
                                        float(size)))
        above = ops.subtract(c, ops.multiply(ops.floor(ops.divide(c, sz)), float(size)))
        c = ops.where(ops.less(c, 0.0), below, ops.where(ops.greater(c, sz), above, c))
        return ops.clip(c, 0.0, sz)
    if fill_mode == "nearest":
        return ops.clip(c, 0.0, float(size - 1))
    return c


def affine_transform(images: Any, transforms: Any, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value: float = 0.0,
                     output_size: tuple[int, int] | None = None) -> Any:
    """Sample (batch, h, w, c) ``images`` through one transform per image (see the
    module docstring); the result is (batch, *output_size, c), by default the input size."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Unsupported interpolation {interpolation!r}; expected one of "
                         f"{', '.join(map(repr, INTERPOLATIONS))}.")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Unsupported fill_mode {fill_mode!r}; expected one of "
                         f"{', '.join(map(repr, FILL_MODES))}.")
    batch, height, width, channels = (int(d) for d in ops.shape(images))
    out_h, out_w = output_size or (height, width)
    dtype = ops.dtype(images)
    ys, xs = np.meshgrid(np.arange(out_h, dtype="float32"), np.arange(out_w, dtype="float32"),
                         indexing="ij")
    xs_t = ops.convert_to_tensor(xs.reshape(1, -1))
    ys_t = ops.convert_to_tensor(ys.reshape(1, -1))
    t = ops.cast(transforms, "float32")

    def coef(i: int) -> Any:
        return ops.reshape(t[:, i], (batch, 1))

    k = ops.add(ops.add(ops.multiply(coef(6), xs_t), ops.multiply(coef(7), ys_t)), 1.0)
    src_x = ops.divide(ops.add(ops.add(ops.multiply(coef(0), xs_t), ops.multiply(coef(1), ys_t)),
                               coef(2)), k)
    src_y = ops.divide(ops.add(ops.add(ops.multiply(coef(3), xs_t), ops.multiply(coef(4), ys_t)),
                               coef(5)), k)
    src_x = _map_coordinates(src_x, width, fill_mode)
    src_y = _map_coordinates(src_y, height, fill_mode)
    flat = ops.reshape(images, (batch * height * width, channels))
    base = ops.convert_to_tensor((np.arange(batch, dtype="int32") * height * width)[:, None])
    constant = fill_mode == "constant"

    def read(iy: Any, ix: Any) -> Any:
        cy = ops.cast(ops.clip(iy, 0.0, float(height - 1)), "int32")
        cx = ops.cast(ops.clip(ix, 0.0, float(width - 1)), "int32")
        idx = ops.reshape(ops.add(ops.add(ops.multiply(cy, width), cx), base), (-1,))
        vals = ops.reshape(ops.take(flat, idx, axis=0), (batch, out_h * out_w, channels))
        if constant:
            inside = ops.logical_and(
                ops.logical_and(ops.greater_equal(iy, 0.0), ops.less_equal(iy, height - 1.0)),
                ops.logical_and(ops.greater_equal(ix, 0.0), ops.less_equal(ix, width - 1.0)))
            vals = ops.where(ops.expand_dims(inside, -1), vals,
                             ops.cast(fill_value, dtype))
        return vals

    if interpolation == "nearest":
        out = read(_round_half_away(src_y), _round_half_away(src_x))
    else:
        x0, y0 = ops.floor(src_x), ops.floor(src_y)
        wx = ops.expand_dims(ops.cast(ops.subtract(src_x, x0), dtype), -1)
        wy = ops.expand_dims(ops.cast(ops.subtract(src_y, y0), dtype), -1)
        x1, y1 = ops.add(x0, 1.0), ops.add(y0, 1.0)
        top = ops.add(ops.multiply(read(y0, x0), ops.subtract(1.0, wx)),
                      ops.multiply(read(y0, x1), wx))
        bottom = ops.add(ops.multiply(read(y1, x0), ops.subtract(1.0, wx)),
                         ops.multiply(read(y1, x1), wx))
        out = ops.add(ops.multiply(top, ops.subtract(1.0, wy)), ops.multiply(bottom, wy))
    return ops.reshape(out, (batch, out_h, out_w, channels))


def _round_half_away(x: Any) -> Any:
    return ops.multiply(ops.sign(x), ops.floor(ops.add(ops.abs(x), 0.5)))


def rotation_transforms(angles: Any, height: int, width: int) -> Any:
    """(batch, 8) transforms rotating each image by ``angles`` (radians) about its center."""
    cos, sin = ops.cos(angles), ops.sin(angles)
    x_offset = ops.divide(ops.subtract(float(width - 1), ops.subtract(
        ops.multiply(cos, float(width - 1)), ops.multiply(sin, float(height - 1)))), 2.0)
    y_offset = ops.divide(ops.subtract(float(height - 1), ops.add(
        ops.multiply(sin, float(width - 1)), ops.multiply(cos, float(height - 1)))), 2.0)
    zeros = ops.zeros_like(angles)
    return ops.stack([cos, ops.negative(sin), x_offset, sin, cos, y_offset, zeros, zeros],
                     axis=1)


def zoom_transforms(zoom_y: Any, zoom_x: Any, height: int, width: int) -> Any:
    """(batch, 8) transforms scaling the sampled area by ``zoom`` about the center
    (a zoom above 1 shows more of the image: zooming out)."""
    x_offset = ops.multiply(ops.subtract(1.0, zoom_x), (width - 1) / 2.0)
    y_offset = ops.multiply(ops.subtract(1.0, zoom_y), (height - 1) / 2.0)
    zeros = ops.zeros_like(zoom_x)
    return ops.stack([zoom_x, zeros, x_offset, zeros, zoom_y, y_offset, zeros, zeros], axis=1)


def translation_transforms(dy: Any, dx: Any) -> Any:
    """(batch, 8) transforms moving each image by (dy, dx) pixels."""
    zeros, ones = ops.zeros_like(dx), ops.ones_like(dx)
    return ops.stack([ones, zeros, ops.negative(dx), zeros, ones, ops.negative(dy), zeros,
                      zeros], axis=1)


