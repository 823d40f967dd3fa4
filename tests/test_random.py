"""polykeras.random: reproducible from seeds, plausible distributions, dropout scaling."""

from __future__ import annotations

import numpy as np
import pytest
from reference import to_np

from polykeras import ops
from polykeras import random as prandom

N = 20000

DRAWS = {
    "uniform": lambda seed, shape=(N,): prandom.uniform(shape, seed=seed),
    "normal": lambda seed, shape=(N,): prandom.normal(shape, seed=seed),
    "truncated_normal": lambda seed, shape=(N,): prandom.truncated_normal(shape, seed=seed),
    "randint": lambda seed, shape=(N,): prandom.randint(shape, 0, 10, seed=seed),
    "dropout": lambda seed, shape=(N,): prandom.dropout(ops.ones(shape), 0.5, seed=seed),
    "shuffle": lambda seed, shape=(N,): prandom.shuffle(ops.arange(shape[0]), seed=seed),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_int_seed_is_reproducible(name):
    a, b = to_np(DRAWS[name](42)), to_np(DRAWS[name](42))
    np.testing.assert_array_equal(a, b)
    c = to_np(DRAWS[name](43))
    assert not np.array_equal(a, c), "different seeds gave the same values"


@pytest.mark.parametrize("name", list(DRAWS))
def test_seed_generator_streams(name):
    g1, g2 = prandom.SeedGenerator(7), prandom.SeedGenerator(7)
    first, second = to_np(DRAWS[name](g1)), to_np(DRAWS[name](g1))
    assert not np.array_equal(first, second), "successive draws from one SeedGenerator repeat"
    np.testing.assert_array_equal(to_np(DRAWS[name](g2)), first)
    np.testing.assert_array_equal(to_np(DRAWS[name](g2)), second)


def test_unseeded_draws_differ():
    a, b = to_np(prandom.uniform((64,))), to_np(prandom.uniform((64,)))
    assert not np.array_equal(a, b)


def test_uniform_range_dtype_and_moments():
    x = prandom.uniform((N,), minval=-2.0, maxval=3.0, seed=1)
    assert ops.dtype(x) == "float32" and ops.shape(x) == (N,)
    v = to_np(x)
    assert v.min() >= -2.0 and v.max() < 3.0
    assert abs(v.mean() - 0.5) < 0.06
    assert abs(v.std() - 5.0 / np.sqrt(12.0)) < 0.05


def test_uniform_dtype_argument():
    x = prandom.uniform((2, 3), dtype="float16", seed=1)
    assert ops.dtype(x) == "float16" and ops.shape(x) == (2, 3)


def test_normal_moments():
    x = prandom.normal((N,), mean=2.0, stddev=3.0, seed=2)
    assert ops.dtype(x) == "float32"
    v = to_np(x)
    assert abs(v.mean() - 2.0) < 0.12
    assert abs(v.std() - 3.0) < 0.12
    assert v.min() < 2.0 - 2 * 3.0 and v.max() > 2.0 + 2 * 3.0, "tails look truncated"


def test_truncated_normal_is_within_two_stddevs():
    x = prandom.truncated_normal((N,), mean=1.0, stddev=0.5, seed=3)
    assert ops.dtype(x) == "float32"
    v = to_np(x)
    assert v.min() >= 1.0 - 2 * 0.5 - 1e-6 and v.max() <= 1.0 + 2 * 0.5 + 1e-6
    assert abs(v.mean() - 1.0) < 0.03
    assert 0.75 * 0.5 < v.std() < 0.97 * 0.5, "spread does not look truncated at 2 stddevs"


def test_randint_range_and_dtype():
    x = prandom.randint((N,), minval=-3, maxval=4, seed=4)
    assert ops.dtype(x) == "int32"
    v = to_np(x)
    assert v.min() == -3 and v.max() == 3, "upper bound must be exclusive"
    counts = np.bincount(v + 3)
    assert counts.min() > N / 7 * 0.85


def test_randint_dtype_argument():
    x = prandom.randint((5,), 0, 3, dtype="int8", seed=4)
    assert ops.dtype(x) == "int8"


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_dropout_zeroes_rate_and_rescales(rate):
    x = ops.full((200, 100), 2.0)
    y = to_np(prandom.dropout(x, rate, seed=5))
    assert y.dtype == np.float32
    dropped = np.mean(y == 0.0)
    assert abs(dropped - rate) < 0.02
    kept = y[y != 0.0]
    np.testing.assert_allclose(kept, 2.0 / (1.0 - rate), rtol=1e-6)


def test_dropout_noise_shape_drops_whole_rows():
    y = to_np(prandom.dropout(ops.ones((400, 6)), 0.5, noise_shape=(400, 1), seed=6))
    per_row = (y == 0.0).sum(axis=1)
    assert set(per_row.tolist()) <= {0, 6}
    assert 0.4 < np.mean(per_row == 6) < 0.6


def test_shuffle_is_a_permutation():
    x = np.arange(50, dtype="int32")
    y = to_np(prandom.shuffle(ops.convert_to_tensor(x), seed=8))
    assert not np.array_equal(x, y)
    np.testing.assert_array_equal(np.sort(y), x)


def test_shuffle_along_axis_keeps_columns_intact():
    x = np.arange(40, dtype="float32").reshape(4, 10)
    y = to_np(prandom.shuffle(ops.convert_to_tensor(x), axis=1, seed=9))
    assert not np.array_equal(x, y)
    np.testing.assert_array_equal(np.sort(y, axis=1), x)
    np.testing.assert_array_equal(y - y[0:1], x - x[0:1])


def test_backend_rng_is_pure(backend):
    key = backend.rng_key(3)
    n1, s1 = backend.rng_split(key)
    n2, s2 = backend.rng_split(key)
    np.testing.assert_array_equal(np.asarray(to_np(n1)), np.asarray(to_np(n2)))
    np.testing.assert_array_equal(np.asarray(to_np(s1)), np.asarray(to_np(s2)))
    a = to_np(backend.random_uniform((8,), 0.0, 1.0, "float32", s1))
    b = to_np(backend.random_uniform((8,), 0.0, 1.0, "float32", s2))
    np.testing.assert_array_equal(a, b)
    c = to_np(backend.random_uniform((8,), 0.0, 1.0, "float32", n1))
    assert not np.array_equal(a, c), "the next key and the subkey gave the same values"


def test_backend_rng_split_under_jit(backend):
    key = backend.rng_key(11)

    def draw(k):
        nxt, sub = backend.rng_split(k)
        return nxt, backend.random_normal((4,), 0.0, 1.0, "float32", sub)

    eager_next, eager_vals = draw(key)
    jit_next, jit_vals = backend.jit(draw)(key)
    np.testing.assert_array_equal(to_np(jit_vals), to_np(eager_vals))
    np.testing.assert_array_equal(np.asarray(to_np(jit_next)), np.asarray(to_np(eager_next)))
