"""Convolution and vision layers: the active backend against the NumPy backend (same
weights, same outputs and the same gradient step within 1e-5), output shapes against
``compute_output_shape``, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from layer_cases import CHANNELS_FIRST_CASES, VISION_CASES

import polykeras
from polykeras import layers

TOL = dict(rtol=1e-5, atol=1e-5)
CASES = VISION_CASES + CHANNELS_FIRST_CASES


def _model(cls_name, kwargs, shape):
    layer = getattr(layers, cls_name)(**kwargs)
    model = polykeras.Sequential([polykeras.Input(shape=shape), layer])
    if layer.weights:
        model.compile(optimizer=polykeras.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.parametrize("cls_name, kwargs, shape", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_layer_matches_numpy_backend(cls_name, kwargs, shape):
    polykeras.utils.set_random_seed(5)
    model = _model(cls_name, kwargs, shape)
    with polykeras.backend.use("numpy"):
        ref = _model(cls_name, kwargs, shape)
    ref.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, ref.predict(x, verbose=0), **TOL)
    assert out.shape[1:] == tuple(model.layers[0].compute_output_shape((None, *shape))[1:])
    if model.weights:
        y = np.random.default_rng(1).normal(size=out.shape).astype("float32")
        model.train_on_batch(x, y)
        ref.train_on_batch(x, y)
        for a, b in zip(model.get_weights(), ref.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, **TOL)


def test_conv2d_transpose_autoencoder_trains():
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([
        polykeras.Input(shape=(8, 8, 1)),
        layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = (np.random.default_rng(0).random((16, 8, 8, 1)) > 0.5).astype("float32")
    history = model.fit(x, x, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("make, match", [
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: layers.Conv2D(3, 3, groups=2), "groups"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), "causal"),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: layers.MaxPooling3D(2, data_format="NDHWC"), "data_format"),
    (lambda: layers.UpSampling2D(interpolation="area"), "interpolation"),
    (lambda: layers.ZeroPadding2D(((1, 2, 3), 1)), "padding"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
], ids=["stride_and_dilation", "groups", "causal_2d", "output_padding", "data_format",
        "interpolation", "padding_pairs", "depth_multiplier"])
def test_bad_arguments_are_explained(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_wrong_rank_and_group_errors():
    with pytest.raises(ValueError, match="Reshape"):
        layers.Conv3D(2, 2)(np.ones((1, 4, 4, 4), "float32"))
    with pytest.raises(ValueError, match="divisible by groups"):
        layers.Conv2D(4, 2, groups=2)(np.ones((1, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping1D((2, 2))(np.ones((1, 4, 1), "float32"))


def test_conv_activity_regularizer_adds_its_loss_and_is_saved():
    layer = polykeras.layers.Conv2D(2, 3, activity_regularizer=polykeras.regularizers.L2(0.5))
    y = layer(np.ones((1, 4, 4, 1), "float32"))
    expected = 0.5 * float(np.sum(np.square(polykeras.ops.convert_to_numpy(y))))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(polykeras.ops.convert_to_numpy(layer.losses[0])), expected,
                               rtol=1e-5)
    config = layer.get_config()
    assert config["activity_regularizer"] is not None
    clone = polykeras.layers.Conv2D.from_config(config)
    assert clone.activity_regularizer is not None
