"""Activation, reshaping, merging, noise and Lambda layers: parity with the NumPy
backend, masks, training-only randomness that follows the seed, and Lambda saving."""

from __future__ import annotations

import numpy as np
import pytest
from layer_cases import ELEMENT_CASES

import polykeras
from polykeras import layers, ops

TOL = dict(rtol=1e-5, atol=1e-5)


def _np(x):
    return ops.convert_to_numpy(x)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("cls_name, kwargs, shape", [c[1:] for c in ELEMENT_CASES],
                         ids=[c[0] for c in ELEMENT_CASES])
def test_layer_matches_numpy_backend(cls_name, kwargs, shape):
    def build():
        model = polykeras.Sequential([polykeras.Input(shape=shape),
                                      getattr(layers, cls_name)(**kwargs)])
        model.compile(optimizer=polykeras.optimizers.SGD(0.1), loss="mse")
        return model

    polykeras.utils.set_random_seed(4)
    model = build()
    with polykeras.backend.use("numpy"):
        ref = build()
    ref.set_weights(model.get_weights())
    x = rand(3, *shape)
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, ref.predict(x, verbose=0), **TOL)
    assert out.shape[1:] == model.layers[0].compute_output_shape((None, *shape))[1:]
    if model.weights:
        y = rand(*out.shape, seed=1)
        model.train_on_batch(x, y)
        ref.train_on_batch(x, y)
        for a, b in zip(model.get_weights(), ref.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, **TOL)


def test_relu_values():
    x = ops.convert_to_tensor([-2.0, -0.5, 0.25, 1.0, 3.0])
    np.testing.assert_allclose(_np(layers.ReLU(max_value=2.0, negative_slope=0.5,
                                               threshold=0.5)(x)),
                               [-1.25, -0.5, -0.125, 1.0, 2.0], **TOL)
    np.testing.assert_allclose(_np(layers.LeakyReLU()(x))[:2], [-0.6, -0.15], **TOL)


def test_softmax_mask():
    x = ops.convert_to_tensor(rand(2, 4))
    mask = ops.convert_to_tensor(np.array([[1, 1, 0, 0], [0, 0, 0, 0]], "float32"))
    out = _np(layers.Softmax()(x, mask=mask))
    e = np.exp(_np(x)[0, :2] - _np(x)[0, :2].max())
    np.testing.assert_allclose(out[0], np.r_[e / e.sum(), 0, 0], **TOL)
    np.testing.assert_array_equal(out[1], 0.0)


DOT_CASES = [
    ("vectors", 1, False, (4,), (4,)),
    ("normalized", -1, True, (4,), (4,)),
    ("matrices", (2, 2), False, (3, 4), (5, 4)),
    ("mixed", (1, 2), False, (3, 4), (2, 3)),
]


@pytest.mark.parametrize("axes, normalize, s1, s2", [c[1:] for c in DOT_CASES],
                         ids=[c[0] for c in DOT_CASES])
def test_dot(axes, normalize, s1, s2):
    a, b = rand(2, *s1), rand(2, *s2, seed=1)
    got = _np(layers.Dot(axes, normalize=normalize)([a, b]))
    pair = (axes, axes) if isinstance(axes, int) else axes
    ax1, ax2 = pair[0] % a.ndim, pair[1] % b.ndim
    if normalize:
        a = a / np.linalg.norm(a, axis=ax1, keepdims=True)
        b = b / np.linalg.norm(b, axis=ax2, keepdims=True)
    expected = np.stack([np.tensordot(a[i], b[i], (ax1 - 1, ax2 - 1)) for i in range(2)])
    expected = expected.reshape(2, -1) if expected.ndim == 1 else expected
    np.testing.assert_allclose(got, expected, **TOL)
    assert got.shape[1:] == layers.Dot(axes)(
        [polykeras.Input(shape=s1), polykeras.Input(shape=s2)]).shape[1:]


def test_functional_merge_forms():
    a, b = polykeras.Input(shape=(3,)), polykeras.Input(shape=(3,))
    outs = [f([a, b]) for f in (layers.add, layers.subtract, layers.multiply, layers.average,
                                layers.maximum, layers.minimum)]
    outs.append(layers.dot([a, b], axes=1))
    model = polykeras.Model([a, b], layers.concatenate(outs))
    x, y = rand(2, 3), rand(2, 3, seed=1)
    expected = np.concatenate([x + y, x - y, x * y, (x + y) / 2, np.maximum(x, y),
                               np.minimum(x, y), np.sum(x * y, 1, keepdims=True)], axis=1)
    np.testing.assert_allclose(model.predict([x, y], verbose=0), expected, **TOL)


# ----------------------------------------------------------------------------- noise
NOISE = {
    "spatial1d": lambda s: layers.SpatialDropout1D(0.5, seed=s),
    "spatial2d": lambda s: layers.SpatialDropout2D(0.5, seed=s),
    "spatial3d": lambda s: layers.SpatialDropout3D(0.5, data_format="channels_first", seed=s),
    "gaussian_noise": lambda s: layers.GaussianNoise(0.5, seed=s),
    "gaussian_dropout": lambda s: layers.GaussianDropout(0.3, seed=s),
    "alpha_dropout": lambda s: layers.AlphaDropout(0.2, seed=s),
}
SHAPES = {"spatial1d": (4, 6, 8), "spatial2d": (4, 3, 3, 8), "spatial3d": (4, 8, 2, 2, 2)}


@pytest.mark.parametrize("name", sorted(NOISE))
def test_noise_only_in_training_and_follows_the_seed(name):
    x = ops.convert_to_tensor(rand(*SHAPES.get(name, (64, 32))))
    layer = NOISE[name](7)
    np.testing.assert_array_equal(_np(layer(x)), _np(x))
    np.testing.assert_array_equal(_np(layer(x, training=False)), _np(x))
    first = _np(layer(x, training=True))
    assert not np.allclose(first, _np(x))
    assert not np.array_equal(first, _np(layer(x, training=True))), "the key must advance"
    np.testing.assert_array_equal(_np(NOISE[name](7)(x, training=True)), first)


def test_spatial_dropout_drops_whole_channels():
    x = ops.ones((4, 5, 5, 16))
    out = _np(layers.SpatialDropout2D(0.5, seed=1)(x, training=True))
    per_channel = out.reshape(4, 25, 16)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(out)) <= {0.0, 2.0}


def test_noise_statistics():
    x = ops.ones((200, 100))
    noisy = _np(layers.GaussianNoise(0.5, seed=2)(x, training=True)) - 1.0
    assert abs(noisy.mean()) < 0.02 and abs(noisy.std() - 0.5) < 0.02
    dropped = _np(layers.GaussianDropout(0.5, seed=2)(x, training=True))
    assert abs(dropped.mean() - 1.0) < 0.02 and abs(dropped.std() - 1.0) < 0.03
    z = ops.convert_to_tensor(rand(200, 100))
    alpha = _np(layers.AlphaDropout(0.2, seed=2)(ops.selu(z), training=True))
    ref = _np(ops.selu(z))
    assert abs(alpha.mean() - ref.mean()) < 0.05 and abs(alpha.std() - ref.std()) < 0.05


# ---------------------------------------------------------------------------- Lambda
def scale_by_three(x):
    return x * 3.0


def test_lambda_saves_by_reference_and_is_refused_in_safe_mode(tmp_path):
    model = polykeras.Sequential([polykeras.Input(shape=(3,)), layers.Lambda(scale_by_three),
                                  layers.Dense(2)])
    x = rand(2, 3)
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ValueError, match="Refusing to load Lambda layer"):
        polykeras.models.load_model(path)
    loaded = polykeras.models.load_model(path, safe_mode=False,
                                         custom_objects={"scale_by_three": scale_by_three})
    assert loaded.layers[0].function is scale_by_three
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), **TOL)


def test_lambda_with_arguments_and_output_shape():
    layer = layers.Lambda(lambda x, k: ops.tile(x, (1, k)), output_shape=(6,),
                          arguments={"k": 2})
    out = polykeras.Sequential([polykeras.Input(shape=(3,)), layer])
    assert out.output_shape == (None, 6)
    np.testing.assert_allclose(out.predict(np.ones((1, 3), "float32"), verbose=0),
                               np.ones((1, 6)))
    with pytest.raises(ValueError, match="lambda"):
        out.save("unused.keras")
