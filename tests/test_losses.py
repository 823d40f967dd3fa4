"""Every loss against a NumPy reference on the active backend, and against Keras 3
itself (values, reductions, configs, signatures) where keras is installed."""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest

from polykeras import losses, ops

HAS_KERAS = importlib.util.find_spec("keras") is not None
needs_keras = pytest.mark.skipif(not HAS_KERAS, reason="keras not installed (tox -e tensorflow)")
EPS = 1e-7


def _data(kind, seed=0):
    r = np.random.default_rng(seed)
    if kind == "regression":
        return r.uniform(0.1, 2, (4, 3)).astype("f4"), r.uniform(0.1, 2, (4, 3)).astype("f4")
    if kind == "probs":
        logits = r.normal(size=(4, 3)).astype("f4")
        p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        return np.eye(3, dtype="f4")[r.integers(0, 3, 4)], p
    if kind == "binary":
        return r.integers(0, 2, (4, 3)).astype("f4"), r.uniform(0.05, 0.95, (4, 3)).astype("f4")
    if kind == "signed":
        return r.integers(0, 2, (4, 3)).astype("f4"), r.uniform(-1, 1, (4, 3)).astype("f4")
    if kind == "sparse":
        logits = r.normal(size=(4, 3)).astype("f4")
        return r.integers(0, 3, (4,)).astype("i4"), np.exp(logits) / np.exp(logits).sum(
            -1, keepdims=True)
    if kind == "masks":
        return (r.integers(0, 2, (2, 3, 3, 1)).astype("f4"),
                r.uniform(0, 1, (2, 3, 3, 1)).astype("f4"))
    if kind == "embeddings":
        e = r.normal(size=(6, 4)).astype("f4")
        return np.array([0, 1, 0, 1, 2, 2], "i4"), e / np.linalg.norm(e, axis=1, keepdims=True)
    raise AssertionError(kind)


def _bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _np_circle(t, e, gamma=80.0, margin=0.4):
    d = np.maximum(1 - e @ e.T, 0)
    pos = (t[:, None] == t[None, :]) & ~np.eye(len(t), dtype=bool)
    neg = t[:, None] != t[None, :]
    pw = np.maximum((margin + d) * pos, 0)
    nw = np.maximum((1 + margin - d) * neg, 0)
    pl = np.where(pos, -gamma * pw * (margin - d), -np.inf)
    nl = np.where(neg, gamma * nw * (1 - margin - d), -np.inf)

    def lse(x):
        m = np.max(x, 1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        return (m + np.log(np.exp(x - m).sum(1, keepdims=True)))[:, 0]

    return np.logaddexp(0.0, lse(pl) + lse(nl))


def _np_focal_binary(t, p, gamma=2.0):
    pt = t * p + (1 - t) * (1 - p)
    return ((1 - pt) ** gamma * _bce(t, p)).mean(-1)


def _np_focal_cat(t, p, alpha=0.25, gamma=2.0):
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1 - p) ** gamma * -t * np.log(p)).sum(-1)


#: name -> (data kind, NumPy reference of the per-sample values, keyword arguments)
CASES = {
    "mean_squared_error": ("regression", lambda t, p: ((t - p) ** 2).mean(-1), {}),
    "mean_absolute_error": ("regression", lambda t, p: np.abs(t - p).mean(-1), {}),
    "mean_absolute_percentage_error": (
        "regression", lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1), {}),
    "mean_squared_logarithmic_error": (
        "regression", lambda t, p: ((np.log1p(p) - np.log1p(t)) ** 2).mean(-1), {}),
    "cosine_similarity": ("regression", lambda t, p: -(
        t / np.linalg.norm(t, axis=-1, keepdims=True)
        * p / np.linalg.norm(p, axis=-1, keepdims=True)).sum(-1), {}),
    "huber": ("regression", lambda t, p: np.where(
        np.abs(p - t) <= 0.5, 0.5 * (p - t) ** 2, 0.5 * np.abs(p - t) - 0.125).mean(-1),
        {"delta": 0.5}),
    "log_cosh": ("regression", lambda t, p: np.log(np.cosh(p - t)).mean(-1), {}),
    "poisson": ("regression", lambda t, p: (p - t * np.log(p + EPS)).mean(-1), {}),
    "kl_divergence": ("probs", lambda t, p: (np.clip(t, EPS, 1) * np.log(
        np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1), {}),
    "categorical_crossentropy": ("probs", lambda t, p: -(t * np.log(p)).sum(-1), {}),
    "binary_crossentropy": ("binary", lambda t, p: _bce(t, p).mean(-1), {}),
    "sparse_categorical_crossentropy": (
        "sparse", lambda t, p: -np.log(p[np.arange(len(t)), t]), {}),
    "binary_focal_crossentropy": ("binary", _np_focal_binary, {}),
    "categorical_focal_crossentropy": ("probs", _np_focal_cat, {}),
    "categorical_generalized_cross_entropy": (
        "sparse", lambda t, p: (1 - p[np.arange(len(t)), t] ** 0.7) / 0.7, {"q": 0.7}),
    "hinge": ("signed", lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).mean(-1), {}),
    "squared_hinge": ("signed", lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).__pow__(2)
                      .mean(-1), {}),
    "categorical_hinge": ("probs", lambda t, p: np.maximum(
        ((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0), {}),
    "dice": ("masks", lambda t, p: 1 - 2 * (t * p).sum((1, 2, 3)) / (
        t.sum((1, 2, 3)) + p.sum((1, 2, 3)) + EPS), {"axis": (1, 2, 3)}),
    "tversky": ("masks", lambda t, p: 1 - (t * p).sum() / (
        (t * p).sum() + 0.3 * ((1 - p) * t).sum() + 0.7 * (p * (1 - t)).sum() + EPS),
        {"alpha": 0.3, "beta": 0.7}),
    "circle": ("embeddings", _np_circle, {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_matches_numpy(name):
    kind, reference, kwargs = CASES[name]
    y_true, y_pred = _data(kind)
    got = ops.convert_to_numpy(getattr(losses, name)(y_true, y_pred, **kwargs))
    np.testing.assert_allclose(got, reference(y_true, y_pred), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight",
                                       "none"])
def test_class_reductions_with_sample_weight(reduction):
    y_true, y_pred = _data("regression")
    sw = np.array([1.0, 0.0, 2.0, 0.5], "f4")
    per_sample = ((y_true - y_pred) ** 2).mean(-1) * sw
    expected = {"sum_over_batch_size": per_sample.mean(), "sum": per_sample.sum(),
                "mean_with_sample_weight": per_sample.sum() / sw.sum(),
                "none": per_sample}[reduction]
    got = losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=sw)
    np.testing.assert_allclose(ops.convert_to_numpy(got), expected, rtol=1e-5)


def test_ignore_class_leaves_entries_out_of_the_mean():
    y_true, y_pred = _data("sparse")
    y_true[1] = -1
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    kept = np.array([0, 2, 3])
    expected = -np.log(y_pred[kept, y_true[kept]]).mean()
    np.testing.assert_allclose(float(loss(y_true, y_pred)), expected, rtol=1e-5)


def test_every_class_round_trips_through_its_config():
    for name in losses._CLASSES:
        cls = getattr(losses, name)
        loss = cls()
        again = losses.deserialize(losses.serialize(loss))
        assert type(again) is cls and again.get_config() == loss.get_config()
        assert type(losses.get(loss.name)) is cls or loss.name == "huber_loss"


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="reduction"):
        losses.Hinge(reduction="avg")
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=True)
    with pytest.raises(ValueError, match="q must be"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get("hinge_loss_typo")


def test_new_losses_train_a_model():
    import polykeras
    from polykeras import layers

    polykeras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("f4")
    y = (x[:, :1] > 0).astype("f4")
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss=losses.BinaryFocalCrossentropy(), metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


# ------------------------------------------------------------------ against Keras 3
def _keras():
    import keras

    return keras


@needs_keras
def test_public_loss_names_match_keras():
    keras = _keras()
    expected = {n for n in dir(keras.losses) if not n.startswith("_")}
    assert expected <= set(dir(losses)), sorted(expected - set(dir(losses)))


@needs_keras
@pytest.mark.parametrize("name", sorted(losses._CLASSES) + sorted(losses._FUNCTIONS))
def test_signature_matches_keras(name):
    keras = _keras()
    ours, theirs = getattr(losses, name), getattr(keras.losses, name)
    if inspect.isclass(ours):
        ours, theirs = ours.__init__, theirs.__init__
    ps = inspect.signature(ours).parameters
    pk = inspect.signature(theirs).parameters
    assert list(ps) == list(pk)
    assert [p.default for p in ps.values()] == [p.default for p in pk.values()]


@needs_keras
@pytest.mark.parametrize("name", sorted(n for n in CASES if n != "circle") + ["circle"])
def test_class_matches_keras_with_sample_weight(name):
    keras = _keras()
    kind, _, kwargs = CASES[name]
    cls_name = losses._PAIRS[[fn.__name__ for fn, _ in losses._PAIRS].index(name)][1].__name__
    y_true, y_pred = _data(kind, seed=1)
    sw = np.linspace(0.5, 1.5, len(y_true)).astype("f4")
    if name in ("dice", "tversky"):
        sw = None
    kwargs = {k: v for k, v in kwargs.items() if k != "q"}
    ours = getattr(losses, cls_name)(**kwargs)(y_true, y_pred, sample_weight=sw)
    theirs = getattr(keras.losses, cls_name)(**kwargs)(y_true, y_pred, sample_weight=sw)
    np.testing.assert_allclose(ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(theirs),
                               rtol=2e-5, atol=2e-5)
