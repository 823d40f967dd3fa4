"""Attention and the layers around it: MultiHeadAttention, GroupedQueryAttention,
Attention, AdditiveAttention, EinsumDense and the feature normalizations. Keras 3 weight
layout (set_weights from Keras gives Keras' outputs), parity with the NumPy backend
(forward and gradients, with masks and causal), masks through functional models, and
bad-input errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops

TOL = dict(rtol=1e-5, atol=1e-5)
QMASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
VMASK = np.array([[1, 1, 0, 1], [1, 1, 1, 0]], bool)

keras = None
if importlib.util.find_spec("keras") is not None and importlib.util.find_spec("tensorflow"):
    import keras


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


# (builder(lib), args, call kwargs); lib is polykeras.layers or keras.layers.
CASES = {
    "mha": (lambda L: L.MultiHeadAttention(num_heads=2, key_dim=3), "qv", {}),
    "mha_value_mask_scores": (lambda L: L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4,
                                                             output_shape=5),
                              "qv", {"value_mask": VMASK, "return_attention_scores": True}),
    "mha_causal": (lambda L: L.MultiHeadAttention(num_heads=2, key_dim=3, use_bias=False),
                   "qq", {"use_causal_mask": True}),
    "mha_attention_mask": (lambda L: L.MultiHeadAttention(num_heads=1, key_dim=4), "qv",
                           {"attention_mask": np.tril(np.ones((2, 5, 4), bool))}),
    "mha_2d": (lambda L: L.MultiHeadAttention(num_heads=2, key_dim=2), "image", {}),
    "gqa": (lambda L: L.GroupQueryAttention(head_dim=3, num_query_heads=4,
                                            num_key_value_heads=2), "qv", {"value_mask": VMASK}),
    "attention": (lambda L: L.Attention(use_scale=True), "list",
                  {"mask": [QMASK, VMASK], "return_attention_scores": True}),
    "attention_concat_causal": (lambda L: L.Attention(score_mode="concat"), "listq",
                                {"use_causal_mask": True}),
    "additive": (lambda L: L.AdditiveAttention(), "list", {"mask": [QMASK, VMASK]}),
}


def _args(kind, lib_tensor):
    q, v, img = _x(2, 5, 6), _x(2, 4, 6, seed=1), _x(2, 3, 4, 5, seed=2)
    t = lib_tensor
    return {"qv": [t(q), t(v)], "qq": [t(q), t(q)], "image": [t(img), t(img)],
            "list": [[t(q), t(v)]], "listq": [[t(q), t(q)]]}[kind]


def _perturbed(weights, seed=3):
    rng = np.random.default_rng(seed)
    return [w + 0.1 * rng.normal(size=w.shape).astype("float32") for w in weights]


@pytest.mark.skipif(keras is None, reason="keras not installed; runs in tox -e tensorflow")
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy")
@pytest.mark.parametrize("name", sorted(CASES))
def test_set_weights_from_keras_gives_keras_outputs(name):
    build, kind, kwargs = CASES[name]
    theirs, ours = build(keras.layers), build(layers)
    theirs(*_args(kind, lambda a: a), **kwargs)
    weights = _perturbed(theirs.get_weights())
    theirs.set_weights(weights)
    expected = [np.asarray(keras.ops.convert_to_numpy(o))
                for o in _list(theirs(*_args(kind, lambda a: a), **kwargs))]
    ours(*_args(kind, ops.convert_to_tensor))
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    ours.set_weights(weights)
    got = [_np(o) for o in _list(ours(*_args(kind, ops.convert_to_tensor), **kwargs))]
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, **TOL)


def _run(layer, kind, kwargs, with_grads):
    b = layer._backend
    with polykeras.backend.use(b):
        args = _args(kind, b.convert_to_tensor)
        kw = {k: (b.convert_to_tensor(v) if isinstance(v, np.ndarray)
                  else [b.convert_to_tensor(m) for m in v] if isinstance(v, list) else v)
              for k, v in kwargs.items()}
        outs = [_np(o) for o in _list(layer(*args, **kw))]
        if not with_grads:
            return outs, None
        rng = np.random.default_rng(9)
        weights = [b.convert_to_tensor(rng.normal(size=o.shape).astype("float32")) for o in outs]

        def loss(params):
            res, _ = layer.stateless_call(params, [], *args, **kw)
            terms = [ops.sum(ops.multiply(o, w)) for o, w in zip(_list(res), weights)]
            total = terms[0]
            for t in terms[1:]:
                total = ops.add(total, t)
            return total

        _, grads = b.value_and_grad(loss)(
            [b.convert_to_tensor(w) for w in layer.get_weights()])
        return outs, [_np(g) for g in grads]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_numpy_backend_forward_and_gradients(name):
    build, kind, kwargs = CASES[name]
    ours = build(layers)
    _run(ours, kind, kwargs, False)
    weights = _perturbed(ours.get_weights())
    ours.set_weights(weights)
    with polykeras.backend.use("numpy"):
        ref = build(layers)
    _run(ref, kind, kwargs, False)
    ref.set_weights(weights)
    out, grads = _run(ours, kind, kwargs, True)
    ref_out, ref_grads = _run(ref, kind, kwargs, True)
    for a, b in zip(out + grads, ref_out + ref_grads):
        np.testing.assert_allclose(a, b, **TOL)


def test_mha_weights_layout_and_functional_masks():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    mha(ops.ones((1, 5, 6)), ops.ones((1, 4, 7)))
    assert [w.shape for w in mha.weights] == [(6, 2, 3), (2, 3), (7, 2, 3), (2, 3), (7, 2, 4),
                                              (2, 4), (2, 4, 6), (6,)]
    # Padding from Embedding(mask_zero=True) reaches the attention as query/value masks.
    inputs = polykeras.Input(shape=(5,), dtype="int32")
    x = layers.Embedding(10, 6, mask_zero=True)(inputs)
    attn = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    model = polykeras.Model(inputs, attn(x, x))
    tokens = np.array([[3, 4, 5, 0, 0]], "int32")
    out = _np(model(ops.convert_to_tensor(tokens)))
    emb = model.layers[1]
    direct = attn(emb(ops.convert_to_tensor(tokens)), emb(ops.convert_to_tensor(tokens)),
                  query_mask=ops.convert_to_tensor(tokens > 0),
                  value_mask=ops.convert_to_tensor(tokens > 0))
    np.testing.assert_allclose(out, _np(direct), **TOL)
    trimmed = attn(emb(ops.convert_to_tensor(tokens[:, :3])), emb(ops.convert_to_tensor(tokens[:, :3])))
    np.testing.assert_allclose(out[:, :3], _np(trimmed), **TOL)


def test_mha_dropout_only_in_training():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=1)
    q = ops.convert_to_tensor(_x(2, 5, 6))
    infer = _np(mha(q, q))
    np.testing.assert_allclose(_np(mha(q, q, training=False)), infer, **TOL)
    assert not np.allclose(_np(mha(q, q, training=True)), infer)


def test_attention_errors():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    with pytest.raises(ValueError, match=r"multi_head_attention.*key and value.*\(2, 3, 6\).*\(2, 4, 6\)"):
        mha(ops.ones((2, 5, 6)), ops.ones((2, 4, 6)), ops.ones((2, 3, 6)))
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="multiple"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match=r"\[query, value\]"):
        layers.Attention()(ops.ones((2, 3, 4)))


# ------------------------------------------------------------- EinsumDense, norms
@pytest.mark.parametrize("equation,out_shape,bias,in_shape,kernel", [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4)),
    ("abc,cde->abde", (None, 2, 5), "de", (2, 3, 6), (6, 2, 5)),
    ("...b,bc->...c", 4, None, (2, 3, 5, 6), (6, 4)),
    ("abc,bd->acd", (6, 4), "d", (2, 3, 6), (3, 4)),
], ids=["dense", "heads", "ellipsis", "middle"])
def test_einsum_dense(equation, out_shape, bias, in_shape, kernel):
    layer = layers.EinsumDense(equation, out_shape, bias_axes=bias)
    x = _x(*in_shape)
    out = _np(layer(ops.convert_to_tensor(x)))
    assert layer.kernel.shape == kernel
    expected = np.einsum(equation, x.astype("float64"), layer.get_weights()[0].astype("float64"))
    if bias:
        expected = expected + layer.get_weights()[1]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="equation"):
        layers.EinsumDense("ab->b", 3)(ops.ones((2, 3)))


@pytest.mark.skipif(keras is None, reason="keras not installed; runs in tox -e tensorflow")
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy")
@pytest.mark.parametrize("name,kwargs", [
    ("RMSNormalization", {}), ("GroupNormalization", {"groups": 3}),
    ("GroupNormalization", {"groups": 5, "axis": 1, "center": False}),
    ("UnitNormalization", {}), ("UnitNormalization", {"axis": (1, 2)}),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 3), "bias_axes": "d"}),
], ids=["rms", "group", "group_axis1", "unit", "unit_axes", "einsum"])
def test_feature_layers_match_keras(name, kwargs):
    x = _x(2, 5, 6)
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs(x)
    ours(ops.convert_to_tensor(x))
    weights = _perturbed(theirs.get_weights())
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(_np(ours(ops.convert_to_tensor(x))),
                               np.asarray(keras.ops.convert_to_numpy(theirs(x))), **TOL)


def test_normalizations():
    x = _x(2, 5, 6)
    out = _np(layers.RMSNormalization()(ops.convert_to_tensor(x)))
    ref = x / np.sqrt((x.astype("float64") ** 2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(out, ref, **TOL)
    g = _np(layers.GroupNormalization(groups=2)(ops.convert_to_tensor(x)))
    grouped = x.reshape(2, 5, 2, 3).astype("float64")
    mean = grouped.mean((1, 3), keepdims=True)
    var = grouped.var((1, 3), keepdims=True)
    np.testing.assert_allclose(g, ((grouped - mean) / np.sqrt(var + 1e-3)).reshape(x.shape),
                               rtol=1e-4, atol=1e-5)
    u = _np(layers.UnitNormalization()(ops.convert_to_tensor(x)))
    np.testing.assert_allclose(np.linalg.norm(u, axis=-1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=4)(ops.ones((2, 6)))
