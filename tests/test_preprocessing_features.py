"""Normalization, Discretization, CategoryEncoding, Hashing, IntegerLookup, StringLookup
and TextVectorization: values on the active backend, adapt, host strings on every
backend, use inside a model, saving, and (where Keras is installed) the same results as
Keras 3."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops

TOL = dict(rtol=1e-5, atol=1e-5)
DOCS = np.array(["The cat sat.", "The dog, the CAT!", "a bird", "A cat; a dog?"])
keras = None
if importlib.util.find_spec("keras") is not None:
    import keras


def _np(x):
    return ops.convert_to_numpy(x)


def test_normalization_adapt_and_invert():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 3)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    np.testing.assert_allclose(_np(norm.mean), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(_np(norm.variance), x.var(0), rtol=1e-4)
    out = _np(norm(x))
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-5)
    back = layers.Normalization(mean=_np(norm.mean), variance=_np(norm.variance), invert=True)
    np.testing.assert_allclose(_np(back(out)), x, rtol=1e-4, atol=1e-4)
    batched = layers.Normalization(axis=None)
    batched.adapt([x[:20], x[20:]])
    np.testing.assert_allclose(_np(batched.mean), x.mean(), rtol=1e-5)
    np.testing.assert_allclose(_np(batched.variance), x.var(), rtol=1e-4)


def test_normalization_inside_a_trained_model():
    x = np.random.default_rng(1).normal(10.0, 5.0, size=(32, 4)).astype("float32")
    y = (x[:, :1] > 10).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    model = polykeras.Sequential([polykeras.Input(shape=(4,)), norm,
                                  layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert [w.name for w in model.non_trainable_weights] == ["mean", "variance", "count"]


def test_discretization_and_category_encoding():
    d = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    np.testing.assert_array_equal(_np(d(np.array([[-1.0, 0.0, 1.5, 9.0]], "float32"))),
                                  [[0, 1, 2, 3]])
    adapted = layers.Discretization(num_bins=4)
    adapted.adapt(np.arange(100, dtype="float32"))
    np.testing.assert_allclose(adapted.bin_boundaries, [24.75, 49.5, 74.25])
    counts = layers.Discretization([0.0], output_mode="count")(np.array([[-1.0, 1.0, 2.0]]))
    np.testing.assert_array_equal(_np(counts), [[1, 2]])
    ids = ops.convert_to_tensor(np.array([[0, 1, 1], [3, 3, 2]], "int32"))
    np.testing.assert_array_equal(_np(layers.CategoryEncoding(4, "count")(ids)),
                                  [[1, 2, 0, 0], [0, 0, 1, 2]])
    np.testing.assert_array_equal(_np(layers.CategoryEncoding(4)(ids)),
                                  [[1, 1, 0, 0], [0, 0, 1, 1]])
    one_hot = _np(layers.CategoryEncoding(4, "one_hot")(ops.convert_to_tensor([1, 3])))
    np.testing.assert_array_equal(one_hot, np.eye(4)[[1, 3]])


def test_lookups_and_inverse():
    s = layers.StringLookup()
    s.adapt(np.array(["b", "a", "c", "a", "b", "a", "d", "c"]))
    assert s.get_vocabulary() == ["[UNK]", "a", "c", "b", "d"]
    np.testing.assert_array_equal(_np(s(np.array([["a", "z"], ["d", "c"]]))), [[1, 0], [4, 2]])
    inverse = layers.StringLookup(vocabulary=["x", "y"], invert=True)
    assert list(inverse(np.array([0, 1, 2, 3]))) == ["[UNK]", "x", "y", "[UNK]"]
    i = layers.IntegerLookup(mask_token=0, vocabulary=[12, 36], num_oov_indices=2)
    assert i.get_vocabulary() == [0, -1, -1, 12, 36]
    np.testing.assert_array_equal(_np(i(np.array([12, 0, 99, 36, 7]))), [3, 0, 2, 4, 2])
    np.testing.assert_array_equal(_np(i(ops.convert_to_tensor([12, 0, 99, 36, 7]))),
                                  [3, 0, 2, 4, 2])
    hot = layers.StringLookup(vocabulary=["x", "y"], output_mode="multi_hot")
    np.testing.assert_array_equal(_np(hot(np.array([["x", "q"], ["y", "y"]]))),
                                  [[1, 1, 0], [0, 0, 1]])


def test_integer_lookup_runs_inside_a_compiled_model():
    lookup = layers.IntegerLookup(vocabulary=[3, 5, 7], output_mode="multi_hot")
    model = polykeras.Sequential([polykeras.Input(shape=(2,), dtype="int32"), lookup,
                                  layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[3, 5], [7, 9]], "int32")
    model.fit(x, np.ones((2, 1), "float32"), epochs=1, verbose=0)
    np.testing.assert_array_equal(_np(lookup(x)), [[0, 1, 1, 0], [1, 0, 0, 1]])


def test_hashing_is_stable_and_masks():
    h = layers.Hashing(8, mask_value="", salt=7)
    a = _np(h(np.array([["cat", ""], ["dog", "cat"]])))
    assert a[0, 1] == 0 and a[0, 0] == a[1, 1] and 1 <= a.min(initial=8, where=a > 0) < 8
    np.testing.assert_array_equal(_np(layers.Hashing(8, mask_value="", salt=7)(["cat"])),
                                  [a[0, 0]])
    assert _np(layers.Hashing(3, output_mode="multi_hot")([["a", "b"]])).shape == (1, 3)


def test_text_vectorization_modes():
    t = layers.TextVectorization(output_sequence_length=5)
    t.adapt(DOCS)
    assert t.get_vocabulary()[:5] == ["", "[UNK]", "the", "cat", "a"]
    out = _np(t(["the parrot", "a cat a dog a bird a cat"]))
    assert out.shape == (2, 5) and out[0, 1] == 1 and out[0, 2] == 0
    counts = layers.TextVectorization(output_mode="count", max_tokens=4)
    counts.adapt(DOCS)
    np.testing.assert_array_equal(_np(counts(["a a cat the zebra"])), [[1, 1, 1, 2]])
    chars = layers.TextVectorization(split="character", standardize="lower", ngrams=2)
    chars.adapt(["abab"])
    assert chars.get_vocabulary()[2:] == ["b", "a b", "a", "b a"]


def test_text_layers_save_and_reload(tmp_path):
    t = layers.TextVectorization(output_mode="tf_idf", max_tokens=6)
    t.adapt(DOCS)
    model = polykeras.Sequential([polykeras.Input(shape=(6,)), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    config = t.get_config()
    again = layers.TextVectorization.from_config(config)
    np.testing.assert_allclose(_np(again(DOCS)), _np(t(DOCS)), **TOL)
    lookup = layers.IntegerLookup(vocabulary=[4, 2], num_oov_indices=2, mask_token=0)
    np.testing.assert_array_equal(_np(layers.IntegerLookup.from_config(lookup.get_config())(
        np.array([4, 9, 0]))), _np(lookup(np.array([4, 9, 0]))))


# ------------------------------------------------------------------ against Keras 3
needs_keras = pytest.mark.skipif(keras is None, reason="keras not installed; runs in tox -e "
                                                       "tensorflow")

KERAS_TEXT_CASES = [
    ("int", dict()),
    ("int_fixed", dict(output_sequence_length=4, max_tokens=5)),
    ("multi_hot", dict(output_mode="multi_hot", max_tokens=5)),
    ("count", dict(output_mode="count")),
    ("tf_idf", dict(output_mode="tf_idf")),
    ("bigrams", dict(ngrams=2)),
    ("lower_only", dict(standardize="lower", split="whitespace")),
]


@needs_keras
@pytest.mark.parametrize("kwargs", [c[1] for c in KERAS_TEXT_CASES],
                         ids=[c[0] for c in KERAS_TEXT_CASES])
def test_text_vectorization_matches_keras(kwargs):
    ours, theirs = layers.TextVectorization(**kwargs), keras.layers.TextVectorization(**kwargs)
    ours.adapt(DOCS)
    theirs.adapt(DOCS)
    assert ours.get_vocabulary() == [str(v) for v in theirs.get_vocabulary()]
    np.testing.assert_allclose(_np(ours(DOCS)), keras.ops.convert_to_numpy(theirs(DOCS)),
                               **TOL)


@needs_keras
@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count", "tf_idf"])
def test_lookups_match_keras(mode):
    data = np.array([["b", "a"], ["c", "a"], ["b", "d"], ["a", "a"]])
    kwargs = dict(output_mode=mode, max_tokens=4)
    ours, theirs = layers.StringLookup(**kwargs), keras.layers.StringLookup(**kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    query = data[:, :1] if mode == "one_hot" else data
    assert ours.get_vocabulary() == [str(v) for v in theirs.get_vocabulary()]
    np.testing.assert_allclose(_np(ours(query)), keras.ops.convert_to_numpy(theirs(query)),
                               **TOL)
    ints = np.array([[5, 3], [5, 7], [3, 5]])
    ours, theirs = layers.IntegerLookup(output_mode=mode), keras.layers.IntegerLookup(
        output_mode=mode)
    ours.adapt(ints)
    theirs.adapt(ints)
    query = ints[:, :1] if mode == "one_hot" else ints
    np.testing.assert_allclose(_np(ours(query)), keras.ops.convert_to_numpy(theirs(query)),
                               **TOL)


@needs_keras
def test_normalization_and_discretization_match_keras():
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    ours, theirs = layers.Normalization(), keras.layers.Normalization()
    ours.adapt(x)
    theirs.adapt(x)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4,
                               atol=1e-4)
    for mode in ("int", "one_hot", "multi_hot", "count"):
        ours = layers.Discretization([-0.5, 0.0, 0.5], output_mode=mode)
        theirs = keras.layers.Discretization([-0.5, 0.0, 0.5], output_mode=mode)
        query = x[:, 0] if mode == "one_hot" else x
        np.testing.assert_array_equal(_np(ours(query)),
                                      keras.ops.convert_to_numpy(theirs(query)))
