"""The activations added to match Keras 3, against NumPy references on the active backend
(values and gradients stay finite) and against Keras 3 where it is installed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from polykeras import activations, initializers, ops

X = np.linspace(-3, 3, 24, dtype="f4").reshape(4, 6)


def _sparsemax(x):
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    cs = np.cumsum(z, -1)
    support = 1 + k * z > cs
    kz = support.sum(-1, keepdims=True)
    tau = ((z * support).sum(-1, keepdims=True) - 1) / kz
    return np.maximum(x - tau, 0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


CASES = {
    "celu": ({"alpha": 0.5}, lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5))),
    "glu": ({}, lambda x: x[:, :3] * _sigmoid(x[:, 3:])),
    "hard_shrink": ({"threshold": 0.7}, lambda x: np.where(np.abs(x) > 0.7, x, 0)),
    "soft_shrink": ({}, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    "tanh_shrink": ({}, lambda x: x - np.tanh(x)),
    "hard_tanh": ({}, lambda x: np.clip(x, -1, 1)),
    "hard_silu": ({}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hard_swish": ({}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "log_sigmoid": ({}, lambda x: np.log(_sigmoid(x))),
    "sparse_plus": ({}, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    "sparse_sigmoid": ({}, lambda x: np.clip((x + 1) / 2, 0, 1)),
    "squareplus": ({"b": 2}, lambda x: (x + np.sqrt(x * x + 2)) / 2),
    "threshold": ({"threshold": 0.3, "default_value": -1.0}, lambda x: np.where(x > 0.3, x, -1)),
    "sparsemax": ({}, _sparsemax),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_activation_matches_numpy(name):
    kwargs, reference = CASES[name]
    fn = activations.get(name)
    got = ops.convert_to_numpy(fn(ops.convert_to_tensor(X), **kwargs))
    np.testing.assert_allclose(got, reference(X.astype("f8")), rtol=1e-5, atol=1e-6)
    assert activations.serialize(fn) in (name, "hard_silu")


def test_stft_initializer_is_a_windowed_fourier_kernel():
    kernel = initializers.STFT(side="imag", window="hamming", scaling="spectrum")((8, 1, 5))
    t, f = np.arange(8)[:, None], np.arange(5)[None, :] / 8
    win = np.hamming(8)
    expected = np.sin(-2 * np.pi * t * f) * win[:, None] / win.sum()
    np.testing.assert_allclose(kernel[:, 0, :], expected, rtol=1e-5, atol=1e-6)
    assert initializers.get("stft").get_config()["window"] == "hann"
    assert initializers.orthogonal is initializers.Orthogonal


@pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                    reason="keras not installed (tox -e tensorflow)")
@pytest.mark.parametrize("name", sorted(set(CASES) - {"sparsemax"}))
def test_activation_matches_keras(name):
    # sparsemax is left out: Keras 3.15 sums the cumulative sums over the support when it
    # computes the threshold, so its rows do not sum to 1; ours is the projection.
    import keras

    kwargs, _ = CASES[name]
    ours = ops.convert_to_numpy(getattr(activations, name)(ops.convert_to_tensor(X), **kwargs))
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(
        keras.ops.convert_to_tensor(X), **kwargs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("keras") is None
                    or importlib.util.find_spec("scipy") is None,
                    reason="the reference needs keras and scipy (keras' STFT initializer "
                           "computes its windows with scipy)")
@pytest.mark.parametrize("kwargs", [{}, {"side": "imag", "window": "hamming",
                                         "scaling": "spectrum", "periodic": True}])
def test_stft_initializer_matches_keras(kwargs):
    import keras

    ours = initializers.STFT(**kwargs)((6, 1, 4))
    theirs = keras.ops.convert_to_numpy(keras.initializers.STFT(**kwargs)((6, 1, 4)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
