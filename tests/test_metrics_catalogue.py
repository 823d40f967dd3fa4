"""The regression, correlation, hinge, F-score, IoU and rate-at-rate metrics against
NumPy references on the active backend, and against Keras 3 where it is installed."""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest

import polykeras
from polykeras import layers, metrics, ops

HAS_KERAS = importlib.util.find_spec("keras") is not None
needs_keras = pytest.mark.skipif(not HAS_KERAS, reason="keras not installed (tox -e tensorflow)")


def _data(kind, seed=0):
    r = np.random.default_rng(seed)
    if kind == "regression":
        return r.uniform(0.1, 2, (6, 3)).astype("f4"), r.uniform(0.1, 2, (6, 3)).astype("f4")
    if kind == "probs":
        p = r.uniform(0.05, 1, (6, 3)).astype("f4")
        return np.eye(3, dtype="f4")[r.integers(0, 3, 6)], p / p.sum(-1, keepdims=True)
    if kind == "signed":
        return r.integers(0, 2, (6, 3)).astype("f4"), r.uniform(-1, 1, (6, 3)).astype("f4")
    if kind == "scores":
        return r.integers(0, 2, (40,)).astype("f4"), r.uniform(0, 1, (40,)).astype("f4")
    if kind == "multilabel":
        return r.integers(0, 2, (8, 3)).astype("f4"), r.uniform(0, 1, (8, 3)).astype("f4")
    if kind == "classes":
        return r.integers(0, 3, (10,)).astype("i4"), r.integers(0, 3, (10,)).astype("i4")
    raise AssertionError(kind)


def _weighted_mean(values, sw):
    sw = np.broadcast_to(sw.reshape(-1, *([1] * (values.ndim - 1))), values.shape)
    return (values * sw).sum() / sw.sum()


def _pearson(t, p):
    t, p = t - t.mean(-1, keepdims=True), p - p.mean(-1, keepdims=True)
    return (t / t.std(-1, keepdims=True) * p / p.std(-1, keepdims=True)).mean(-1)


def _ccc(t, p):
    tm, pm = t.mean(-1, keepdims=True), p.mean(-1, keepdims=True)
    norm = t.var(-1, keepdims=True) + p.var(-1, keepdims=True) + (tm - pm) ** 2
    return (2 * (t - pm) * (p - pm) / (norm + 1e-7)).mean(-1)


def _cos(t, p):
    return (t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1)


def _hinge_margin(t, p):
    return np.maximum(1 - (2 * t - 1) * p, 0)


#: class name -> (data kind, per-sample NumPy reference, constructor kwargs)
SAMPLEWISE = {
    "MeanAbsolutePercentageError": ("regression",
                                    lambda t, p: 100 * np.abs((t - p) / t).mean(-1), {}),
    "MeanSquaredLogarithmicError": ("regression",
                                    lambda t, p: ((np.log1p(p) - np.log1p(t)) ** 2).mean(-1), {}),
    "LogCoshError": ("regression", lambda t, p: np.log(np.cosh(p - t)).mean(-1), {}),
    "CosineSimilarity": ("regression", _cos, {}),
    "Poisson": ("regression", lambda t, p: (p - t * np.log(p + 1e-7)).mean(-1), {}),
    "KLDivergence": ("probs", lambda t, p: (np.clip(t, 1e-7, 1) * np.log(
        np.clip(t, 1e-7, 1) / p)).sum(-1), {}),
    "Hinge": ("signed", lambda t, p: _hinge_margin(t, p).mean(-1), {}),
    "SquaredHinge": ("signed", lambda t, p: (_hinge_margin(t, p) ** 2).mean(-1), {}),
    "CategoricalHinge": ("probs", lambda t, p: np.maximum(
        ((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0), {}),
    "PearsonCorrelation": ("regression", _pearson, {}),
    "ConcordanceCorrelation": ("regression", _ccc, {}),
}


@pytest.mark.parametrize("name", sorted(SAMPLEWISE))
def test_samplewise_metric_matches_numpy(name):
    kind, reference, kwargs = SAMPLEWISE[name]
    y_true, y_pred = _data(kind)
    sw = np.linspace(0.5, 2.0, len(y_true)).astype("f4")
    m = getattr(metrics, name)(**kwargs)
    m.update_state(y_true[:3], y_pred[:3], sample_weight=sw[:3])
    m.update_state(y_true[3:], y_pred[3:], sample_weight=sw[3:])
    expected = _weighted_mean(reference(y_true, y_pred), sw)
    np.testing.assert_allclose(float(m.result()), expected, rtol=2e-5, atol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0


def test_root_mean_squared_error_and_r2():
    y_true, y_pred = _data("regression")
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(rmse.result()), np.sqrt(((y_true - y_pred) ** 2).mean()),
                               rtol=1e-5)
    ss_res = ((y_true - y_pred) ** 2).sum(0)
    ss_tot = ((y_true - y_true.mean(0)) ** 2).sum(0)
    raw = 1 - ss_res / ss_tot
    for aggregation, expected in (("uniform_average", raw.mean()), (None, raw),
                                  ("variance_weighted_average", (raw * ss_tot).sum() / ss_tot.sum())):
        m = metrics.R2Score(class_aggregation=aggregation)
        m.update_state(y_true[:2], y_pred[:2])
        m.update_state(y_true[2:], y_pred[2:])
        np.testing.assert_allclose(ops.convert_to_numpy(m.result()), expected, rtol=1e-4)
    adjusted = metrics.R2Score(num_regressors=2)
    adjusted.update_state(y_true, y_pred)
    n = y_true.size
    np.testing.assert_allclose(float(adjusted.result()),
                               1 - (1 - raw.mean()) * (n - 1) / (n - 2 - 1), rtol=1e-4)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_fbeta_score_matches_numpy(average):
    y_true, y_pred = _data("multilabel")
    pred = (y_pred > 0.5).astype("f4")
    axis = None if average == "micro" else 0
    tp = (pred * y_true).sum(axis)
    fp = (pred * (1 - y_true)).sum(axis)
    fn = ((1 - pred) * y_true).sum(axis)
    p, r = tp / (tp + fp + 1e-7), tp / (tp + fn + 1e-7)
    f = 5 * p * r / (4 * p + r + 1e-7)
    if average == "weighted":
        support = y_true.sum(0)
        f = (f * support / support.sum()).sum()
    elif average == "macro":
        f = f.mean()
    m = metrics.FBetaScore(average=average, beta=2.0, threshold=0.5)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(ops.convert_to_numpy(m.result()), f, rtol=1e-5)


def test_iou_family_matches_numpy():
    y_true, y_pred = _data("classes")
    cm = np.zeros((3, 3))
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm)
    iou = tp / (cm.sum(0) + cm.sum(1) - tp)
    m = metrics.MeanIoU(num_classes=3)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()), iou.mean(), rtol=1e-5)
    m = metrics.IoU(num_classes=3, target_class_ids=[0, 2])
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()), iou[[0, 2]].mean(), rtol=1e-5)
    m = metrics.OneHotMeanIoU(num_classes=3)
    m.update_state(np.eye(3)[y_true], np.eye(3)[y_pred] * 0.9)
    np.testing.assert_allclose(float(m.result()), iou.mean(), rtol=1e-5)
    m = metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)
    m.update_state([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6])
    np.testing.assert_allclose(float(m.result()), 1 / 3, rtol=1e-5)


@pytest.mark.parametrize("name,arg", [("PrecisionAtRecall", 0.6), ("RecallAtPrecision", 0.6),
                                      ("SensitivityAtSpecificity", 0.5),
                                      ("SpecificityAtSensitivity", 0.5)])
def test_rate_at_rate_matches_numpy(name, arg):
    y_true, y_pred = _data("scores")
    thresholds = np.array([0.0] + [(i + 1) / 20 for i in range(19)] + [1.0])
    pos = y_pred[None, :] > thresholds[:, None]
    tp = (pos * y_true).sum(1)
    fp = (pos * (1 - y_true)).sum(1)
    fn = (~pos * y_true).sum(1)
    tn = (~pos * (1 - y_true)).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = {"recall": np.nan_to_num(tp / (tp + fn)), "precision": np.nan_to_num(tp / (tp + fp)),
                "specificity": np.nan_to_num(tn / (tn + fp))}
    rate["sensitivity"] = rate["recall"]
    constrained, reported = {"PrecisionAtRecall": ("recall", "precision"),
                             "RecallAtPrecision": ("precision", "recall"),
                             "SensitivityAtSpecificity": ("specificity", "sensitivity"),
                             "SpecificityAtSensitivity": ("sensitivity", "specificity")}[name]
    expected = np.where(rate[constrained] >= arg, rate[reported], 0).max()
    m = getattr(metrics, name)(arg, num_thresholds=21)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()), expected, rtol=1e-5)


def test_shape_dependent_metrics_update_inside_fit():
    polykeras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("f4")
    y = np.eye(3, dtype="f4")[np.argmax(x[:, :3], axis=1)]
    model = polykeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), metrics.R2Score(), "mape"])
    logs = model.fit(x, y, epochs=2, batch_size=16, verbose=0).history
    assert set(logs) == {"loss", "f1_score", "r2_score", "mape"}
    assert 0.0 <= logs["f1_score"][-1] <= 1.0


def test_new_metrics_round_trip_and_reject_bad_arguments():
    for m in (metrics.F1Score(average="micro"), metrics.IoU(3, [1]), metrics.MeanIoU(2),
              metrics.PrecisionAtRecall(0.3, num_thresholds=5), metrics.R2Score(None),
              metrics.CosineSimilarity(axis=-1), metrics.OneHotIoU(3, [0, 1])):
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == m.get_config()
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="recall"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="target_class_ids"):
        metrics.IoU(2, [2])
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score("median")


# ------------------------------------------------------------------ against Keras 3
@needs_keras
def test_public_metric_names_and_signatures_match_keras():
    import keras

    for name in (n for n in dir(keras.metrics) if not n.startswith("_")):
        ours, theirs = getattr(metrics, name), getattr(keras.metrics, name)
        if inspect.isclass(theirs):
            ours, theirs = ours.__init__, theirs.__init__
        ps, pk = (inspect.signature(f).parameters for f in (ours, theirs))
        assert [(p, ps[p].default) for p in ps] == [(p, pk[p].default) for p in pk], name


KERAS_CASES = [
    ("MeanAbsolutePercentageError", {}, "regression"), ("LogCoshError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"), ("PearsonCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"), ("RootMeanSquaredError", {}, "regression"),
    ("R2Score", {}, "regression"), ("Hinge", {}, "signed"), ("KLDivergence", {}, "probs"),
    ("F1Score", {"average": "macro"}, "multilabel"),
    ("FBetaScore", {"beta": 0.5, "threshold": 0.4}, "multilabel"),
    ("MeanIoU", {"num_classes": 3}, "classes"),
    ("PrecisionAtRecall", {"recall": 0.6, "num_thresholds": 21}, "scores"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5, "num_thresholds": 21}, "scores"),
]


@needs_keras
@pytest.mark.parametrize("name,kwargs,kind", KERAS_CASES, ids=[c[0] for c in KERAS_CASES])
def test_metric_matches_keras(name, kwargs, kind):
    import keras

    y_true, y_pred = _data(kind, seed=3)
    sw = np.linspace(0.5, 2.0, len(y_true)).astype("f4")
    if kind == "classes":
        sw = sw.round()  # Keras keeps an integer confusion matrix
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    for m in (ours, theirs):
        m.update_state(y_true, y_pred, sample_weight=sw)
    np.testing.assert_allclose(ops.convert_to_numpy(ours.result()),
                               keras.ops.convert_to_numpy(theirs.result()), rtol=2e-5, atol=1e-6)
