"""Every kind of input feeds fit/evaluate/predict on the active backend, and trains
exactly as the same batches given as arrays: NumPy, lists, DataFrames, other
frameworks' tensors, generators, iterables, PyDataset (threads and processes),
tf.data and torch DataLoader, as training and as validation data.

Tests that need torch, tensorflow or pandas skip with that reason where the framework
is not installed (each tox env installs only its own framework).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import polykeras
from polykeras import layers
from polykeras.utils import PyDataset

N, BATCH, EPOCHS = 24, 8, 2
STEPS = N // BATCH


def _needs(module):
    return pytest.mark.skipif(importlib.util.find_spec(module) is None,
                              reason=f"{module} is not installed in this environment")


needs_torch, needs_tf, needs_pandas = _needs("torch"), _needs("tensorflow"), _needs("pandas")
needs_jax = _needs("jax")


def make_data():
    r = np.random.default_rng(0)
    x = r.standard_normal((N, 4)).astype("float32")
    y = (np.arange(N) % 3).astype("int64")
    sw = r.uniform(0.2, 1.0, N).astype("float32")
    return x, y, sw


X, Y, SW = make_data()
XA, XB = X[:, :2].copy(), X[:, 2:].copy()


def sequential():
    polykeras.utils.set_random_seed(7)
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(5, activation="relu"),
                                  layers.Dense(3, activation="softmax")])
    model.compile(optimizer=polykeras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy")
    return model


def two_inputs():
    polykeras.utils.set_random_seed(7)
    a, b = layers.Input((2,), name="a"), layers.Input((2,), name="b")
    h = layers.Dense(4, activation="relu")(layers.Concatenate()([a, b]))
    model = polykeras.Model({"a": a, "b": b}, layers.Dense(3, activation="softmax")(h))
    model.compile(optimizer=polykeras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy")
    return model


def weights(model):
    return model.get_weights()  # NumPy, read on the model's own backend


def assert_same_weights(a, b):
    for u, v in zip(weights(a), weights(b)):
        np.testing.assert_allclose(u, v, atol=1e-6, rtol=0)


@pytest.fixture(scope="module")
def reference():
    """Models trained on the arrays, unshuffled, in batches of BATCH: plain, weighted,
    and the two-input model fed a dict."""
    plain = sequential()
    plain.fit(X, Y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    weighted = sequential()
    weighted.fit(X, Y, sample_weight=SW, batch_size=BATCH, epochs=EPOCHS, shuffle=False,
                 verbose=0)
    multi = two_inputs()
    multi.fit({"a": XA, "b": XB}, Y, batch_size=BATCH, epochs=EPOCHS, shuffle=False,
              verbose=0)
    return {"plain": plain, "weighted": weighted, "dict": multi}


def batches(weighted=False, as_dict=False, as_list=False):
    for i in range(0, N, BATCH):
        s = slice(i, i + BATCH)
        x = {"a": XA[s], "b": XB[s]} if as_dict else X[s]
        item = (x, Y[s], SW[s]) if weighted else (x, Y[s])
        yield list(item) if as_list else item


class Batches(PyDataset):
    def __init__(self, weighted=False, as_dict=False, length=STEPS, **kwargs):
        super().__init__(**kwargs)
        self.items = list(batches(weighted, as_dict))
        self.length = length
        self.epochs_ended = 0

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        return self.items[index]

    def on_epoch_end(self):
        self.epochs_ended += 1


class Unsized:
    """A re-iterable of unknown length."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __iter__(self):
        return batches(**self.kwargs)


def torch_loader(weighted=False, as_dict=False):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, Dataset

    class Samples(Dataset):
        def __len__(self):
            return N

        def __getitem__(self, i):
            x = ({"a": torch.from_numpy(XA[i]), "b": torch.from_numpy(XB[i])} if as_dict
                 else torch.from_numpy(X[i]))
            y = torch.tensor(Y[i])
            return (x, y, torch.tensor(SW[i])) if weighted else (x, y)

    return DataLoader(Samples(), batch_size=BATCH, shuffle=False)


def tf_dataset(weighted=False, as_dict=False, unknown_length=False):
    tf = pytest.importorskip("tensorflow")
    x = {"a": XA, "b": XB} if as_dict else X
    parts = (x, Y, SW) if weighted else (x, Y)
    ds = tf.data.Dataset.from_tensor_slices(parts).batch(BATCH)
    return ds.filter(lambda *a: True) if unknown_length else ds


def fit_kinds():
    """(id, fit kwargs builder, reference key)."""
    return [
        pytest.param(lambda: {"x": X.tolist(), "y": Y.tolist()}, "plain", id="lists"),
        pytest.param(lambda: dataframe(), "plain", id="dataframe", marks=needs_pandas),
        pytest.param(lambda: {"x": epochs_of(), "steps_per_epoch": STEPS}, "plain",
                     id="generator"),
        pytest.param(lambda: {"x": forever(), "steps_per_epoch": STEPS}, "plain",
                     id="infinite-generator"),
        pytest.param(lambda: {"x": epochs_of(as_list=True), "steps_per_epoch": STEPS}, "plain", id="generator-of-lists"),
        pytest.param(lambda: {"x": Unsized()}, "plain", id="unsized-iterable"),
        pytest.param(lambda: {"x": Batches()}, "plain", id="pydataset"),
        pytest.param(lambda: {"x": Batches(workers=2, max_queue_size=2)}, "plain",
                     id="pydataset-threads"),
        pytest.param(lambda: {"x": Batches(weighted=True)}, "weighted",
                     id="pydataset-weighted"),
        pytest.param(lambda: {"x": Unsized(weighted=True)}, "weighted", id="iterable-weighted"),
        pytest.param(lambda: {"x": Batches(as_dict=True)}, "dict", id="pydataset-dict"),
        pytest.param(lambda: {"x": epochs_of(as_dict=True), "steps_per_epoch": STEPS}, "dict",
                     id="generator-dict"),
        pytest.param(lambda: {"x": torch_cpu_tensors(X), "y": torch_cpu_tensors(Y)}, "plain",
                     id="torch-tensors", marks=needs_torch),
        pytest.param(lambda: {"x": torch_loader()}, "plain", id="torch-dataloader",
                     marks=needs_torch),
        pytest.param(lambda: {"x": torch_loader(weighted=True)}, "weighted",
                     id="torch-dataloader-weighted", marks=needs_torch),
        pytest.param(lambda: {"x": torch_loader(as_dict=True)}, "dict",
                     id="torch-dataloader-dict", marks=needs_torch),
        pytest.param(lambda: {"x": tf_tensors(X), "y": tf_tensors(Y)}, "plain",
                     id="tf-tensors", marks=needs_tf),
        pytest.param(lambda: {"x": jax_arrays(X), "y": jax_arrays(Y)}, "plain",
                     id="jax-arrays", marks=needs_jax),
        pytest.param(lambda: {"x": tf_dataset()}, "plain", id="tf-data", marks=needs_tf),
        pytest.param(lambda: {"x": tf_dataset(unknown_length=True)}, "plain",
                     id="tf-data-unknown-length", marks=needs_tf),
        pytest.param(lambda: {"x": tf_dataset(weighted=True)}, "weighted",
                     id="tf-data-weighted", marks=needs_tf),
        pytest.param(lambda: {"x": tf_dataset(as_dict=True)}, "dict", id="tf-data-dict",
                     marks=needs_tf),
    ]


def dataframe():
    pd = pytest.importorskip("pandas")
    return {"x": pd.DataFrame(X.astype("float64")), "y": pd.Series(Y)}


def epochs_of(**kwargs):
    """A one-shot generator of EPOCHS epochs of batches."""
    for _ in range(EPOCHS):
        yield from batches(**kwargs)


def forever():
    while True:
        yield from batches()


def torch_cpu_tensors(a):
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(a.copy())
    return t.requires_grad_() if t.is_floating_point() else t


def jax_arrays(a):
    jnp = pytest.importorskip("jax.numpy")
    return jnp.asarray(a)


def tf_tensors(a):
    tf = pytest.importorskip("tensorflow")
    return tf.constant(a)


@pytest.mark.parametrize(("kwargs", "ref"), fit_kinds())
def test_input_kind_trains_as_the_same_arrays(kwargs, ref, reference):
    model = two_inputs() if ref == "dict" else sequential()
    extra = {"batch_size": BATCH} if "y" in (kw := kwargs()) else {}
    model.fit(**kw, **extra, epochs=EPOCHS, shuffle=False, verbose=0)
    assert_same_weights(model, reference[ref])


def test_pydataset_in_processes_trains_as_the_same_arrays(reference):
    data = Batches(workers=2, use_multiprocessing=True)
    model = sequential()
    model.fit(data, epochs=EPOCHS, verbose=0)
    assert_same_weights(model, reference["plain"])


def test_pydataset_epoch_hooks_and_predict():
    data = Batches()
    model = sequential()
    model.fit(data, epochs=3, verbose=0)
    assert data.epochs_ended == 3
    np.testing.assert_allclose(model.predict(Batches(), verbose=0),
                               model.predict(X, verbose=0), atol=1e-6)
    # predict also takes batches of x alone
    assert model.predict((X[i:i + 5] for i in range(0, N, 5)), verbose=0).shape == (N, 3)


@pytest.mark.parametrize("kind", [
    "arrays", "generator", "pydataset",
    pytest.param("torch-dataloader", marks=needs_torch),
    pytest.param("tf-data", marks=needs_tf),
])
def test_validation_data_of_every_kind(kind):
    val = {"arrays": (X, Y), "generator": batches(), "pydataset": Batches(),
           "torch-dataloader": None, "tf-data": None}[kind]
    if kind == "torch-dataloader":
        val = torch_loader()
    elif kind == "tf-data":
        val = tf_dataset()
    model = sequential()
    history = model.fit(X, Y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                        validation_data=val, validation_batch_size=BATCH)
    expected = model.evaluate(X, Y, batch_size=BATCH, verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], expected, rtol=1e-5)


def test_steps_per_epoch_and_validation_steps_cut_epochs():
    seen = []

    class Counting(Batches):
        def __getitem__(self, index):
            seen.append(index)
            return super().__getitem__(index)

    model = sequential()
    history = model.fit(forever(), steps_per_epoch=2, epochs=2, verbose=0,
                        validation_data=Counting(), validation_steps=1)
    assert len(history.history["val_loss"]) == 2
    assert seen == [0, 0]


def test_evaluate_generator_matches_arrays():
    model = sequential()
    a = model.evaluate(X, Y, sample_weight=SW, batch_size=BATCH, verbose=0)
    b = model.evaluate(batches(weighted=True), verbose=0)
    np.testing.assert_allclose(a, b, rtol=1e-5)


# ------------------------------------------------------------------ bad input
def test_generator_yielding_a_non_tuple_is_refused():
    model = sequential()
    with pytest.raises(ValueError, match=r"must be a tuple \(x, y\).*received a ndarray"):
        model.fit((X[i:i + BATCH] for i in range(0, N, BATCH)), epochs=1, verbose=0)


def test_inconsistent_batch_structures_are_refused():
    def mixed():
        yield X[:8], Y[:8]
        yield X[8:16], Y[8:16], SW[8:16]

    with pytest.raises(ValueError, match="Batch 1 .* structure .*first batch"):
        sequential().fit(mixed(), epochs=1, verbose=0)


def test_empty_dataset_is_refused():
    with pytest.raises(ValueError, match="empty"):
        sequential().fit(iter(()), epochs=1, verbose=0)


def test_pydataset_of_length_zero_is_refused():
    with pytest.raises(ValueError, match="__len__ is 0"):
        sequential().fit(Batches(length=0), epochs=1, verbose=0)


def test_pydataset_errors_reach_the_caller():
    class Broken(Batches):
        def __getitem__(self, index):
            raise KeyError(f"no batch {index}")

    with pytest.raises(KeyError, match="no batch 0"):
        sequential().fit(Broken(workers=2), epochs=1, verbose=0)


def test_pydataset_arguments_are_checked():
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        Batches(workers=0)


@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in ("torch", "jax")),
                    reason="needs torch and jax installed together")
def test_torch_dataloader_feeds_a_model_on_jax(reference):
    loader = torch_loader()
    with polykeras.backend.use("jax"):
        model = sequential()
        model.fit(loader, epochs=EPOCHS, verbose=0)
    assert_same_weights(model, reference["plain"])


@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in ("torch", "tensorflow")),
                    reason="needs torch and tensorflow installed together")
def test_tf_data_feeds_a_model_on_torch(reference):
    dataset = tf_dataset(as_dict=True)
    with polykeras.backend.use("torch"):
        model = two_inputs()
        model.fit(dataset, epochs=EPOCHS, verbose=0)
        assert polykeras.backend.current().name == "torch"
    assert_same_weights(model, reference["dict"])


def test_adapter_from_dlpack_shares_a_foreign_buffer(backend):
    source = np.arange(6, dtype="float32").reshape(2, 3)
    tensor = backend.from_dlpack(source)
    assert backend.is_tensor(tensor) and backend.dtype(tensor) == "float32"
    np.testing.assert_array_equal(backend.convert_to_numpy(tensor), source)


@needs_torch
def test_foreign_cpu_tensors_are_viewed_not_copied(backend):
    import torch

    from polykeras.data_streams import to_host

    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    out = to_host(t, backend)
    if backend.is_tensor(t):
        assert out is t  # the model's own tensors pass through
    else:
        assert np.shares_memory(out, t.numpy())
