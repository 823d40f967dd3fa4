"""The NumPy backend's ``jit``: a step recorded once per input signature and replayed.

These run on the NumPy backend whatever backend is active (NumPy is always installed).
Every other test that trains on NumPy also goes through the recorder, and the first
replay of every program is checked bit for bit against eager execution (a mismatch
warns, and the test configuration turns that warning into an error).
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from polykeras.backends.numpy import jit as jit_mod

import polykeras
from polykeras import layers, ops


@pytest.fixture
def numpy_backend():
    with polykeras.backend.use("numpy") as b:
        yield b


@pytest.fixture
def recordings(monkeypatch):
    """How many programs were compiled from recordings."""
    made = []
    original = jit_mod.compile_recording

    def counting(rec, output):
        program = original(rec, output)
        made.append(program)
        return program

    monkeypatch.setattr(jit_mod, "compile_recording", counting)
    return made


def _mlp():
    return polykeras.Sequential([
        polykeras.Input((12,)), layers.Dense(16, activation="tanh"), layers.Dropout(0.3),
        layers.Dense(4, activation="softmax")])


def _cnn():
    return polykeras.Sequential([
        polykeras.Input((8, 8, 2)), layers.Conv2D(4, 3, activation="relu"),
        layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dropout(0.25), layers.Dense(4, activation="softmax")])


def _train(build, optimizer, eager):
    polykeras.utils.set_random_seed(7)
    model = build()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=eager)
    shape = model.input_shape[1:]
    x = np.random.default_rng(1).random((38, *shape), dtype=np.float32)
    y = np.random.default_rng(2).integers(0, 4, 38)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)  # 16, 16, then 6
    return (model.get_weights(), history.history, model.evaluate(x, y, verbose=0),
            model.predict(x, batch_size=16, verbose=0))


@pytest.mark.parametrize("build, optimizer", [(_mlp, "sgd"), (_cnn, "adam")],
                         ids=["mlp_dropout", "cnn_batchnorm"])
def test_replayed_training_equals_eager_exactly(numpy_backend, recordings, build, optimizer):
    weights, history, evaluated, predicted = _train(build, optimizer, eager=True)
    assert not recordings
    weights2, history2, evaluated2, predicted2 = _train(build, optimizer, eager=False)
    # train: full and last partial batch; evaluate: the same two; predict: the same two
    assert len(recordings) == 6
    assert all(a.tobytes() == b.tobytes() for a, b in zip(weights, weights2, strict=True))
    assert history == history2 and evaluated == evaluated2
    assert predicted.tobytes() == predicted2.tobytes()


def test_a_new_input_signature_records_a_second_program(numpy_backend, recordings):
    step = numpy_backend.jit(lambda w, x: ops.tanh(ops.matmul(x, w)))
    w = np.ones((3, 2), np.float32)
    for n in (4, 4, 1, 4, 1, 1):
        x = np.full((n, 3), n / 10, np.float32)
        np.testing.assert_array_equal(step(w, x), np.tanh(x @ w))
    assert len(recordings) == 2


def test_random_draws_are_fresh_on_every_replay(numpy_backend):
    draw = numpy_backend.jit(lambda key: numpy_backend.random_uniform((5,), key=key))
    keys = [numpy_backend.rng_key(s) for s in range(4)]
    got = [draw(k) for k in keys]
    for k, g in zip(keys, got, strict=True):
        np.testing.assert_array_equal(g, numpy_backend.random_uniform((5,), key=k))
    assert len({g.tobytes() for g in got}) == 4


def test_data_dependent_step_falls_back_with_a_warning(numpy_backend):
    def step(x):
        return ops.multiply(x, 2.0) if ops.sum(x) > 0 else ops.subtract(x, 1.0)

    compiled = numpy_backend.jit(step)
    pos, neg = np.ones(3, np.float32), -np.ones(3, np.float32)
    np.testing.assert_array_equal(compiled(pos), pos * 2)
    np.testing.assert_array_equal(compiled(pos), pos * 2)
    with pytest.warns(RuntimeWarning, match=r"bool\(x\) at .*test_numpy_jit.py"):
        np.testing.assert_array_equal(compiled(neg), neg - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        np.testing.assert_array_equal(compiled(pos), pos * 2)
        np.testing.assert_array_equal(compiled(neg), neg - 1)


def test_a_conversion_to_an_untraced_array_falls_back(numpy_backend):
    compiled = numpy_backend.jit(lambda x: np.asarray(x) + 1.0)
    x = np.ones(2, np.float32)
    with pytest.warns(RuntimeWarning, match="untraced NumPy array"):
        np.testing.assert_array_equal(compiled(x), x + 1)
    np.testing.assert_array_equal(compiled(x), x + 1)


def test_run_eagerly_records_nothing(numpy_backend, recordings):
    model = _mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", run_eagerly=True)
    model.fit(np.ones((4, 12), np.float32), np.zeros(4, np.int64), verbose=0)
    assert not recordings


def test_memory_stays_flat_over_1000_replayed_steps(numpy_backend):
    polykeras.utils.set_random_seed(0)
    model = _mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).random((8, 12), dtype=np.float32)
    y = np.arange(8) % 4
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)  # recorded, then verified
    train = model._function("train")
    for _ in range(20):
        train(x, y, None)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            train(x, y, None)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 16_384, grown


def test_a_constant_table_indexed_by_traced_values_is_recorded(numpy_backend):
    table = np.arange(12, dtype=np.float32).reshape(6, 2)
    lookup = numpy_backend.jit(lambda idx: ops.multiply(ops.take(table, idx, axis=0), 2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for rows in ([1, 2], [3, 0], [5, 5]):
            idx = np.array(rows)
            np.testing.assert_array_equal(lookup(idx), table[idx] * 2)
