"""Image preprocessing and augmentation layers: deterministic layers against NumPy and
Keras-compatible references, augmentations only while training, following the seed,
with transforms checked on images whose result is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops

TOL = dict(rtol=1e-5, atol=1e-5)


def _np(x):
    return ops.convert_to_numpy(x)


def images(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, size=shape).astype("float32")


def test_rescaling():
    x = images(2, 3, 3, 2)
    np.testing.assert_allclose(_np(layers.Rescaling(1 / 127.5, offset=-1)(x)), x / 127.5 - 1,
                               **TOL)
    out = layers.Rescaling(1 / 255)(np.full((1, 2), 255, "uint8"))
    assert ops.dtype(out) == "float32"


def bilinear_1d(x, out):
    """Half-pixel-center linear interpolation along axis 0 (edges clamped)."""
    n = x.shape[0]
    pos = np.clip((np.arange(out) + 0.5) * n / out - 0.5, 0, n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo).reshape(-1, *([1] * (x.ndim - 1)))
    return x[lo] * (1 - w) + x[hi] * w


@pytest.mark.parametrize("size", [(6, 9), (2, 3), (4, 4)])
def test_resizing_bilinear_and_nearest(size):
    x = images(2, 4, 5, 3)
    ref = np.stack([np.moveaxis(bilinear_1d(np.moveaxis(bilinear_1d(im, size[0]), 1, 0),
                                            size[1]), 0, 1) for im in x])
    np.testing.assert_allclose(_np(layers.Resizing(*size)(x)), ref, rtol=1e-5, atol=1e-3)
    rows = np.minimum(np.floor((np.arange(size[0]) + 0.5) * 4 / size[0]), 3).astype(int)
    cols = np.minimum(np.floor((np.arange(size[1]) + 0.5) * 5 / size[1]), 4).astype(int)
    np.testing.assert_array_equal(_np(layers.Resizing(*size, interpolation="nearest")(x)),
                                  x[:, rows][:, :, cols])


def test_resizing_aspect_ratio_and_channels_first():
    x = images(1, 4, 8, 1)
    cropped = _np(layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x))
    np.testing.assert_allclose(cropped, x[:, :, 2:6], **TOL)
    padded = _np(layers.Resizing(8, 8, pad_to_aspect_ratio=True, interpolation="nearest")(x))
    np.testing.assert_array_equal(padded[0, 2:6, :, 0], x[0, :, :, 0])
    assert np.all(padded[0, :2] == 0)
    cf = _np(layers.Resizing(2, 4, data_format="channels_first")(np.moveaxis(x, -1, 1)))
    np.testing.assert_allclose(np.moveaxis(cf, 1, -1), _np(layers.Resizing(2, 4)(x)), **TOL)


def test_center_crop():
    x = images(2, 6, 7, 3)
    np.testing.assert_array_equal(_np(layers.CenterCrop(4, 3)(x)), x[:, 1:5, 2:5])
    np.testing.assert_array_equal(_np(layers.CenterCrop(4, 3)(x[0])), x[0, 1:5, 2:5])
    assert _np(layers.CenterCrop(8, 8)(x)).shape == (2, 8, 8, 3)


AUGMENTATIONS = {
    "crop": lambda s: layers.RandomCrop(4, 5, seed=s),
    "flip": lambda s: layers.RandomFlip(seed=s),
    "rotation": lambda s: layers.RandomRotation(0.2, seed=s),
    "zoom": lambda s: layers.RandomZoom(0.3, 0.2, seed=s),
    "translation": lambda s: layers.RandomTranslation(0.3, 0.3, fill_mode="wrap", seed=s),
    "contrast": lambda s: layers.RandomContrast(0.5, seed=s),
    "brightness": lambda s: layers.RandomBrightness(0.3, seed=s),
}


@pytest.mark.parametrize("name", sorted(AUGMENTATIONS))
def test_augmentation_only_in_training_and_follows_the_seed(name):
    x = images(8, 6, 7, 3)
    layer = AUGMENTATIONS[name](3)
    inference = _np(layer(x))
    if name == "crop":
        np.testing.assert_array_equal(inference, x[:, 1:5, 1:6])
    else:
        np.testing.assert_array_equal(inference, x)
    first = _np(layer(x, training=True))
    assert first.shape == inference.shape
    assert not np.allclose(first, inference)
    assert not np.array_equal(first, _np(layer(x, training=True)))
    np.testing.assert_array_equal(_np(AUGMENTATIONS[name](3)(x, training=True)), first)
    assert tuple(layer.compute_output_shape((None, 6, 7, 3)))[1:] == first.shape[1:]


def test_random_crop_takes_windows_of_the_image():
    x = images(6, 5, 5, 1)
    out = _np(layers.RandomCrop(3, 2, seed=0)(x, training=True))
    for img, crop in zip(x, out, strict=True):
        found = [(i, j) for i in range(3) for j in range(4)
                 if np.array_equal(img[i:i + 3, j:j + 2], crop)]
        assert found


def test_random_flip_flips_whole_images():
    x = images(16, 3, 4, 2)
    out = _np(layers.RandomFlip("horizontal", seed=2)(x, training=True))
    flipped = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x, strict=True)]
    kept = [np.array_equal(o, i) for o, i in zip(out, x, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True)) and any(flipped) and any(kept)


def test_transforms_with_known_results():
    from polykeras.layers.preprocessing import image_transform as T

    x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    quarter = T.rotation_transforms(ops.convert_to_tensor([np.pi]), 3, 4)
    np.testing.assert_allclose(_np(T.affine_transform(x, quarter, "bilinear", "constant")),
                               x[:, ::-1, ::-1], atol=1e-4)
    shift = T.translation_transforms(ops.convert_to_tensor([0.0]), ops.convert_to_tensor([1.0]))
    for mode, first_col in [("constant", 0.0), ("nearest", 0.0), ("reflect", 0.0),
                            ("wrap", 3.0)]:
        out = _np(T.affine_transform(x, shift, "nearest", mode))
        np.testing.assert_array_equal(out[0, :, 1:, 0], x[0, :, :3, 0])
        assert out[0, 0, 0, 0] == first_col
    zoom = T.zoom_transforms(ops.convert_to_tensor([1.0]), ops.convert_to_tensor([1.0]), 3, 4)
    np.testing.assert_allclose(_np(T.affine_transform(x, zoom)), x, atol=1e-6)


def test_contrast_and_brightness_values():
    x = images(4, 3, 3, 2)
    contrast = _np(layers.RandomContrast((0.5, 0.5), seed=1)(x, training=True))
    mean = x.mean(axis=(1, 2), keepdims=True)
    factor = (contrast - mean) / (x - mean)
    assert np.all((factor > 0.5 - 1e-3) & (factor < 1.5 + 1e-3) | (contrast == 0) |
                  (contrast == 255))
    bright = _np(layers.RandomBrightness((0.1, 0.1), value_range=(0, 1), seed=1)(
        x / 255, training=True))
    np.testing.assert_allclose(bright, np.clip(x / 255 + 0.1, 0, 1), **TOL)


def test_augmented_model_trains_and_predicts_deterministically():
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([
        polykeras.Input(shape=(8, 8, 1)), layers.Rescaling(1 / 255),
        layers.RandomFlip(seed=1), layers.RandomRotation(0.1, seed=2),
        layers.RandomZoom(0.1, seed=3), layers.RandomContrast(0.2, value_range=(0, 1), seed=4),
        layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = images(16, 8, 8, 1)
    y = np.random.default_rng(0).integers(0, 2, 16)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("make, match", [
    (lambda: layers.RandomFlip("diagonal"), "mode"),
    (lambda: layers.RandomRotation((0.3, 0.1)), "lower bound"),
    (lambda: layers.RandomZoom(0.1, fill_mode="mirror"), "fill_mode"),
    (lambda: layers.RandomBrightness(2.0), "factor"),
    (lambda: layers.RandomContrast(1.5), "factor"),
    (lambda: layers.Resizing(2, 2, interpolation="lanczos3"), "interpolation"),
], ids=["flip_mode", "factor_order", "fill_mode", "brightness", "contrast", "interpolation"])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
