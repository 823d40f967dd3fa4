"""Images as arrays and back, with Pillow (as ``keras.utils.load_img`` and friends).

Arrays are ``(height, width, channels)`` float32 with ``channels_last`` (the default
``image_data_format``), ``(channels, height, width)`` with ``channels_first``.

Example:
    >>> import numpy as np
    >>> img = array_to_img(np.zeros((4, 6, 3)))
    >>> img.size, img_to_array(img).shape
    ((6, 4), (4, 6, 3))
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from polykeras import config

#: Pillow resampling filters by name.
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def pil() -> Any:
    """The ``PIL.Image`` module, or an error saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Image utilities need Pillow, which is not installed. Install it with: "
            "pip install pillow"
        ) from None
    return Image


def _data_format(data_format: str | None) -> str:
    fmt = data_format or config.image_data_format()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(
            f"data_format must be 'channels_last' or 'channels_first', received {fmt!r}."
        )
    return fmt


def _resample(interpolation: str) -> Any:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"interpolation must be one of {', '.join(INTERPOLATIONS)}; received "
            f"{interpolation!r}."
        )
    return getattr(pil().Resampling, interpolation.upper())


def load_img(path: Any, color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False) -> Any:
    """A PIL image read from ``path`` (a path or bytes stream), converted to
    ``color_mode`` ("grayscale", "rgb", "rgba") and resized to ``target_size``
    ``(height, width)``; ``keep_aspect_ratio`` crops the centre to that ratio first.

    Example:
        >>> img = load_img("cat.png", target_size=(64, 64))  # doctest: +SKIP
    """
    image = pil()
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"color_mode must be one of {', '.join(COLOR_MODES)}; received {color_mode!r}."
        )
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    elif hasattr(path, "read"):
        img = image.open(io.BytesIO(path.read()))
    else:
        raise TypeError(f"load_img expects a path or a file object, received {type(path).__name__}.")
    if img.mode != COLOR_MODES[color_mode]:
        img = img.convert(COLOR_MODES[color_mode])
    if target_size is not None:
        height, width = target_size
        if (img.size[0], img.size[1]) != (width, height):
            if keep_aspect_ratio:
                img = img.crop(_centre_crop(img.size[0], img.size[1], width, height))
            img = img.resize((width, height), _resample(interpolation))
    return img


def _centre_crop(w: int, h: int, target_w: int, target_h: int) -> tuple[int, int, int, int]:
    crop_w = min(w, round(h * target_w / target_h))
    crop_h = min(h, round(w * target_h / target_w))
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    return left, top, left + crop_w, top + crop_h


def img_to_array(img: Any, data_format: str | None = None, dtype: str | None = None) -> np.ndarray:
    """A PIL image as a float32 (or ``dtype``) array, ``(h, w, c)`` or ``(c, h, w)``."""
    fmt = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape {x.shape}: expected 2-D or 3-D.")
    return np.ascontiguousarray(x.transpose(2, 0, 1)) if fmt == "channels_first" else x


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True,
                 dtype: str | None = None) -> Any:
    """A PIL image from a 3-D array with 1, 3 or 4 channels; ``scale`` maps the values'
    range onto 0-255."""
    image = pil()
    fmt = _data_format(data_format)
    arr = np.asarray(x, dtype=dtype or config.floatx())
    if arr.ndim != 3:
        raise ValueError(
            f"array_to_img expects a 3-D image array, received shape {arr.shape}."
        )
    if fmt == "channels_first":
        arr = arr.transpose(1, 2, 0)
    if scale:
        lo, hi = float(arr.min(initial=0.0)), float(arr.max(initial=0.0))
        arr = arr - lo
        if hi - lo > 0:
            arr = arr / (hi - lo)
        arr = arr * 255.0
    channels = arr.shape[-1]
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if channels not in modes:
        raise ValueError(
            f"array_to_img expects 1, 3 or 4 channels, received {channels} (shape "
            f"{arr.shape})."
        )
    data = np.clip(np.round(arr), 0, 255).astype("uint8")
    return image.fromarray(data[:, :, 0] if channels == 1 else data, modes[channels])


def save_img(path: Any, x: Any, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs: Any) -> None:
    """Save an image array to ``path`` (format from the extension or ``file_format``),
    atomically."""
    from polykeras.utils.files import atomic_write

    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format or str(path).rsplit(".", 1)[-1]).lower() in (
            "jpg", "jpeg"):
        img = img.convert("RGB")
    fmt = file_format
    if fmt is None:
        ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        fmt = {"jpg": "JPEG"}.get(ext, ext.upper() or None)
    with atomic_write(os.fspath(path)) as f:
        img.save(f, format=fmt, **kwargs)
