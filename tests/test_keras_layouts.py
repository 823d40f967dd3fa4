"""The new layers against Keras 3 itself: built with the same arguments, they create
weights of the same shapes in the same order, and with the same weights (set through
``set_weights``) they compute the same outputs, so ``.keras`` files interchange.

Keras is installed in the ``tox -e tensorflow`` environment; elsewhere the module is
skipped with that reason.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from layer_cases import ELEMENT_CASES, VISION_CASES

from polykeras import layers, ops

if importlib.util.find_spec("keras") is None:
    keras = None
else:
    import keras

pytestmark = [
    pytest.mark.skipif(keras is None, reason="keras not installed; runs in tox -e tensorflow"),
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy"),
]

TOL = dict(rtol=1e-5, atol=1e-5)


def compare_with_keras(cls_name, kwargs, shape, x=None):
    ours = getattr(layers, cls_name)(**kwargs)
    theirs = getattr(keras.layers, cls_name)(**kwargs)
    if x is None:
        x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    out = ops.convert_to_numpy(ours(x))
    ref = keras.ops.convert_to_numpy(theirs(x))
    assert [tuple(w.shape) for w in theirs.weights] == [tuple(w.shape) for w in ours.weights]
    assert [w.name for w in theirs.weights] == [w.name for w in ours.weights]
    if ours.weights:
        theirs.set_weights(ours.get_weights())
        ref = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(out, ref, **TOL)
    assert tuple(theirs.compute_output_shape((None, *shape))) == tuple(
        ours.compute_output_shape((None, *shape)))


@pytest.mark.parametrize("cls_name, kwargs, shape", [c[1:] for c in VISION_CASES],
                         ids=[c[0] for c in VISION_CASES])
def test_vision_layer_matches_keras(cls_name, kwargs, shape):
    compare_with_keras(cls_name, kwargs, shape)


@pytest.mark.parametrize("cls_name, kwargs, shape", [c[1:] for c in ELEMENT_CASES],
                         ids=[c[0] for c in ELEMENT_CASES])
def test_activation_and_reshaping_layer_matches_keras(cls_name, kwargs, shape):
    compare_with_keras(cls_name, kwargs, shape)


@pytest.mark.parametrize("axes, normalize", [(1, False), (-1, True), ((2, 2), False)])
def test_dot_matches_keras(axes, normalize):
    rank = 2 if isinstance(axes, tuple) else 1
    shapes = [(2, 3, 4), (2, 5, 4)] if rank == 2 else [(2, 4), (2, 4)]
    x = [np.random.default_rng(i).normal(size=s).astype("float32") for i, s in enumerate(shapes)]
    ours = ops.convert_to_numpy(layers.Dot(axes, normalize=normalize)(x))
    ref = keras.ops.convert_to_numpy(keras.layers.Dot(axes, normalize=normalize)(x))
    np.testing.assert_allclose(ours, ref, **TOL)
