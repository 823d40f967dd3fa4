"""Image preprocessing and augmentation layers: Rescaling, Resizing, CenterCrop, and the
random augmentations RandomCrop, RandomFlip, RandomRotation, RandomZoom,
RandomTranslation, RandomContrast, RandomBrightness.

They take batched ``(batch, h, w, c)`` or single ``(h, w, c)`` images (channels_first
with ``data_format``), written with :mod:`polykeras.ops`, so they run inside a model on
every backend. The random layers change their input only when called with
``training=True`` (as ``fit`` does) and draw from their own seed generator: the same
``seed`` gives the same augmentations.

Example:
    >>> from polykeras import layers, ops
    >>> layers.Rescaling(1 / 255)(ops.full((1, 2, 2, 1), 255.0)).shape
    (1, 2, 2, 1)
    >>> flip = layers.RandomFlip("horizontal", seed=1)
    >>> x = ops.ones((2, 4, 4, 3))
    >>> bool(ops.all(ops.equal(flip(x), x)))  # no training=True: unchanged
    True
"""

from __future__ import annotations

import math
from typing import Any

from polykeras import ops
from polykeras import random as pk_random
from polykeras.layers.convolutional import data_format_arg
from polykeras.layers.image_resampling import resize
from polykeras.layers.layer import Layer
from polykeras.layers.preprocessing import image_transform as T


def _factor_range(factor: Any, name: str, layer: str, low: float | None = None
                  ) -> tuple[float, float]:
    """A number ``f`` as ``(-f, f)``, or a (lower, upper) pair."""
    if isinstance(factor, (int, float)):
        lower, upper = -abs(float(factor)), abs(float(factor))
    else:
        try:
            lower, upper = (float(v) for v in factor)
        except (TypeError, ValueError):
            raise ValueError(f"{layer}: `{name}` must be a number or a (lower, upper) pair, "
                             f"received {factor!r}.") from None
    if lower > upper:
        raise ValueError(f"{layer}: `{name}` lower bound {lower} exceeds its upper bound "
                         f"{upper}.")
    if low is not None and lower < low:
        raise ValueError(f"{layer}: `{name}` must be >= {low}, received {factor!r}.")
    return lower, upper


class ImageLayer(Layer):
    """Base: unbatched and channels_first inputs handled once, around ``transform``."""

    def __init__(self, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, type(self).__name__)
        self.built = True

    def transform(self, images: Any, training: Any) -> Any:
        """(batch, h, w, c) float images -> (batch, h', w', c')."""
        raise NotImplementedError

    def call(self, inputs: Any, training: Any = None) -> Any:
        x = inputs
        if ops.dtype(x) not in ("float16", "bfloat16", "float32", "float64"):
            x = ops.cast(x, self.dtype)
        rank = len(ops.shape(x))
        if rank not in (3, 4):
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects images of rank "
                             f"4 (batch, h, w, c) or 3 (h, w, c), received shape "
                             f"{tuple(ops.shape(x))}.")
        if rank == 3:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        y = self.transform(x, training)
        if self.data_format == "channels_first":
            y = ops.transpose(y, (0, 3, 1, 2))
        return ops.squeeze(y, 0) if rank == 3 else y

    def _hw_axes(self, shape: Any) -> tuple[int, int]:
        offset = len(shape) - 3
        return (offset, offset + 1) if self.data_format == "channels_last" else (
            offset + 1, offset + 2)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class RandomImageLayer(ImageLayer):
    """Base of the augmentations: a seed generator; identity unless ``training``."""

    def __init__(self, seed: int | None = None, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self.seed_generator = pk_random.SeedGenerator(seed)
        self._rng_variables.append(self.seed_generator.state)

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training:
            return inputs
        return super().call(inputs, training)

    def uniform(self, batch: int, low: float, high: float) -> Any:
        return pk_random.uniform((batch,), low, high, seed=self.seed_generator)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed}


# --------------------------------------------------------------------- deterministic
class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1 / 255)`` maps pixels to [0, 1]).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(Rescaling(2.0, offset=-1.0)(ops.ones((1, 2))))
        array([[1., 1.]], dtype=float32)
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.dtype)
        scale = ops.cast(self.scale, self.dtype) if not isinstance(self.scale, (int, float)) \
            else float(self.scale)
        offset = ops.cast(self.offset, self.dtype) if not isinstance(self.offset, (int, float)) \
            else float(self.offset)
        return ops.add(ops.multiply(x, scale), offset)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            return v if isinstance(v, (int, float)) else [float(a) for a in
                                                           ops.convert_to_numpy(v).ravel()]

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


def crop_to_aspect(images: Any, height: int, width: int) -> Any:
    """The largest centered window of (batch, h, w, c) ``images`` with the aspect ratio
    ``height / width``."""
    h, w = (int(d) for d in ops.shape(images)[1:3])
    crop_h = min(h, int(round(w * height / width)))
    crop_w = min(w, int(round(h * width / height)))
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    return ops.slice(images, (0, top, left, 0), (ops.shape(images)[0], crop_h, crop_w,
                                                 ops.shape(images)[3]))


def pad_to_aspect(images: Any, height: int, width: int, fill_value: float) -> Any:
    """``images`` padded evenly with ``fill_value`` to the aspect ratio ``height / width``."""
    h, w = (int(d) for d in ops.shape(images)[1:3])
    pad_h = max(h, int(round(w * height / width)))
    pad_w = max(w, int(round(h * width / height)))
    top, left = (pad_h - h) // 2, (pad_w - w) // 2
    return ops.pad(images, ((0, 0), (top, pad_h - h - top), (left, pad_w - w - left), (0, 0)),
                   constant_values=fill_value)


class Resizing(ImageLayer):
    """Resizes images to ``(height, width)`` ("bilinear" or "nearest"), optionally
    cropping (``crop_to_aspect_ratio``) or padding (``pad_to_aspect_ratio``) to the
    target aspect ratio first."""

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        from polykeras.layers.image_resampling import INTERPOLATIONS

        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Resizing: interpolation must be one of "
                             f"{', '.join(map(repr, INTERPOLATIONS))}, received "
                             f"{interpolation!r}.")
        if antialias:
            raise ValueError("Resizing: antialias=True is not supported; pass "
                             "antialias=False.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: crop_to_aspect_ratio and pad_to_aspect_ratio cannot "
                             "both be True.")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.antialias = False

    def transform(self, images: Any, training: Any) -> Any:
        if self.crop_to_aspect_ratio:
            images = crop_to_aspect(images, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            images = pad_to_aspect(images, self.height, self.width, self.fill_value)
        return resize(images, (self.height, self.width), self.interpolation)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = list(input_shape)
        h, w = self._hw_axes(shape)
        shape[h], shape[w] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def center_crop(images: Any, height: int, width: int) -> Any:
    """The centered (height, width) window, or (for smaller images) the largest window
    of that aspect ratio resized bilinearly, as Keras's CenterCrop does."""
    h, w = (int(d) for d in ops.shape(images)[1:3])
    if h >= height and w >= width:
        top, left = (h - height) // 2, (w - width) // 2
        return ops.slice(images, (0, top, left, 0),
                         (ops.shape(images)[0], height, width, ops.shape(images)[3]))
    return resize(crop_to_aspect(images, height, width), (height, width), "bilinear")


class CenterCrop(ImageLayer):
    """Crops the central ``(height, width)`` window (smaller images are resized)."""

    def __init__(self, height: int, width: int, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def transform(self, images: Any, training: Any) -> Any:
        return center_crop(images, self.height, self.width)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}


# ------------------------------------------------------------------------- random
class RandomCrop(RandomImageLayer):
    """Crops a random ``(height, width)`` window of each image while training; at
    inference, the central window (as :class:`CenterCrop`)."""

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs: Any, training: Any = None) -> Any:
        return ImageLayer.call(self, inputs, training)

    def transform(self, images: Any, training: Any) -> Any:
        batch, h, w, _ = (int(d) for d in ops.shape(images))
        if not training or h < self.height or w < self.width:
            return center_crop(images, self.height, self.width)
        top = ops.floor(self.uniform(batch, 0.0, float(h - self.height + 1)))
        left = ops.floor(self.uniform(batch, 0.0, float(w - self.width + 1)))
        transforms = T.translation_transforms(ops.negative(top), ops.negative(left))
        return T.affine_transform(images, transforms, "nearest", "nearest",
                                  output_size=(self.height, self.width))

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}


_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(RandomImageLayer):
    """Flips each image left-right and/or up-down with probability 1/2 while training."""

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in _FLIP_MODES:
            raise ValueError(f"RandomFlip: mode must be one of "
                             f"{', '.join(map(repr, _FLIP_MODES))}, received {mode!r}.")
        self.mode = mode

    def transform(self, images: Any, training: Any) -> Any:
        batch = int(ops.shape(images)[0])
        for axis, word in ((2, "horizontal"), (1, "vertical")):
            if word in self.mode:
                flip = ops.less(self.uniform(batch, 0.0, 1.0), 0.5)
                images = ops.where(ops.reshape(flip, (batch, 1, 1, 1)),
                                   ops.flip(images, axis=axis), images)
        return images

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


class _AffineAugmentation(RandomImageLayer):
    """Shared arguments of the augmentations that resample through a transform."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, data_format: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        cls = type(self).__name__
        if fill_mode not in T.FILL_MODES:
            raise ValueError(f"{cls}: fill_mode must be one of "
                             f"{', '.join(map(repr, T.FILL_MODES))}, received {fill_mode!r}.")
        if interpolation not in T.INTERPOLATIONS:
            raise ValueError(f"{cls}: interpolation must be one of "
                             f"{', '.join(map(repr, T.INTERPOLATIONS))}, received "
                             f"{interpolation!r}.")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)

    def _apply(self, images: Any, transforms: Any) -> Any:
        return T.affine_transform(images, transforms, self.interpolation, self.fill_mode,
                                  self.fill_value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomRotation(_AffineAugmentation):
    """Rotates each image by a random angle: ``factor`` is a fraction of a full turn,
    ``f`` meaning [-f, f] (or a (lower, upper) pair).

    Example:
        >>> RandomRotation(0.1).lower, RandomRotation(0.1).upper
        (-0.1, 0.1)
    """

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, data_format: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_range(factor, "factor", "RandomRotation")

    def transform(self, images: Any, training: Any) -> Any:
        batch, h, w, _ = (int(d) for d in ops.shape(images))
        angles = ops.multiply(self.uniform(batch, self.lower, self.upper), 2.0 * math.pi)
        return self._apply(images, T.rotation_transforms(angles, h, w))

    def get_config(self) -> dict[str, Any]:
        factor = self.factor if isinstance(self.factor, (int, float)) else list(self.factor)
        return {**super().get_config(), "factor": factor}


class RandomZoom(_AffineAugmentation):
    """Zooms each image by a random amount: a factor ``f`` in ``[lower, upper]`` scales
    the viewed area by ``1 + f`` (positive zooms out, negative zooms in).
    ``width_factor=None`` keeps the aspect ratio."""

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _factor_range(height_factor, "height_factor", "RandomZoom", -1.0)
        self.width_range = (None if width_factor is None else
                            _factor_range(width_factor, "width_factor", "RandomZoom", -1.0))

    def transform(self, images: Any, training: Any) -> Any:
        batch, h, w, _ = (int(d) for d in ops.shape(images))
        zoom_y = ops.add(self.uniform(batch, *self.height_range), 1.0)
        zoom_x = zoom_y if self.width_range is None else ops.add(
            self.uniform(batch, *self.width_range), 1.0)
        return self._apply(images, T.zoom_transforms(zoom_y, zoom_x, h, w))

    def get_config(self) -> dict[str, Any]:
        def plain(f: Any) -> Any:
            return f if f is None or isinstance(f, (int, float)) else list(f)

        return {**super().get_config(), "height_factor": plain(self.height_factor),
                "width_factor": plain(self.width_factor)}


class RandomTranslation(_AffineAugmentation):
    """Shifts each image by a random fraction of its height and width (``f`` meaning
    [-f, f], or a (lower, upper) pair)."""

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: Any = None, **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _factor_range(height_factor, "height_factor", "RandomTranslation")
        self.width_range = _factor_range(width_factor, "width_factor", "RandomTranslation")

    def transform(self, images: Any, training: Any) -> Any:
        batch, h, w, _ = (int(d) for d in ops.shape(images))
        dy = ops.multiply(self.uniform(batch, *self.height_range), float(h))
        dx = ops.multiply(self.uniform(batch, *self.width_range), float(w))
        return self._apply(images, T.translation_transforms(dy, dx))

    def get_config(self) -> dict[str, Any]:
        def plain(f: Any) -> Any:
            return f if isinstance(f, (int, float)) else list(f)

        return {**super().get_config(), "height_factor": plain(self.height_factor),
                "width_factor": plain(self.width_factor)}


class _ValueAugmentation(RandomImageLayer):
    """Shared ``factor`` and ``value_range`` of the contrast and brightness layers."""

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        cls = type(self).__name__
        self.factor = factor
        lo, hi = (float(v) for v in value_range)
        if lo >= hi:
            raise ValueError(f"{cls}: value_range must be (min, max) with min < max, "
                             f"received {value_range!r}.")
        self.value_range = (lo, hi)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(),
                  "factor": self.factor if isinstance(self.factor, (int, float))
                  else list(self.factor), "value_range": list(self.value_range)}
        config.pop("data_format", None)
        return config


class RandomContrast(_ValueAugmentation):
    """Scales each image's deviation from its per-channel mean by a random factor in
    ``[1 - lower, 1 + upper]``, then clips to ``value_range``."""

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(factor, value_range, seed, **kwargs)
        if isinstance(factor, (int, float)):
            self.lower = self.upper = float(factor)
        else:
            self.lower, self.upper = (float(v) for v in factor)
        if not 0 <= self.lower <= 1 or self.upper < 0:
            raise ValueError(f"RandomContrast: factor must be in [0, 1] (lower) and >= 0 "
                             f"(upper), received {factor!r}.")

    def transform(self, images: Any, training: Any) -> Any:
        batch = int(ops.shape(images)[0])
        factor = ops.reshape(self.uniform(batch, 1.0 - self.lower, 1.0 + self.upper),
                             (batch, 1, 1, 1))
        mean = ops.mean(images, axis=(1, 2), keepdims=True)
        out = ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)
        return ops.clip(out, *self.value_range)


class RandomBrightness(_ValueAugmentation):
    """Adds a random offset to each image: a fraction in ``[lower, upper]`` (``f`` means
    [-f, f]) of the ``value_range`` width, then clips to ``value_range``."""

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(factor, value_range, seed, **kwargs)
        self.lower, self.upper = _factor_range(factor, "factor", "RandomBrightness")
        if self.lower < -1 or self.upper > 1:
            raise ValueError(f"RandomBrightness: factor must be within [-1, 1], received "
                             f"{factor!r}.")

    def transform(self, images: Any, training: Any) -> Any:
        batch = int(ops.shape(images)[0])
        width = self.value_range[1] - self.value_range[0]
        delta = ops.reshape(ops.multiply(self.uniform(batch, self.lower, self.upper), width),
                            (batch, 1, 1, 1))
        return ops.clip(ops.add(images, delta), *self.value_range)
