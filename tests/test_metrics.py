"""Metrics against NumPy references on the active backend: values, sample weights,
accumulation over several updates, reset, look-up and the stateless (compiled) update."""

from __future__ import annotations

import numpy as np
import pytest

from polykeras import losses, metrics, ops
from polykeras.variables import StatelessScope


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def _close(result, expected, tol=1e-5):
    np.testing.assert_allclose(_np(result), np.asarray(expected, dtype="float64"),
                               rtol=tol, atol=tol)


def _weighted_mean(values, sw=None):
    values = np.asarray(values, dtype="float64")
    if sw is None:
        return values.mean()
    sw = np.asarray(sw, dtype="float64")
    sw = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
    sw = np.broadcast_to(sw, values.shape)
    return (values * sw).sum() / sw.sum()


# ------------------------------------------------------------------ references
def ref_binary(y_true, y_pred, threshold=0.5):
    y_true = np.asarray(y_true, "float64").reshape(np.shape(y_pred))
    return (y_true == (np.asarray(y_pred) > threshold)).astype("float64")


def ref_categorical(y_true, y_pred):
    return (np.argmax(y_true, -1) == np.argmax(y_pred, -1)).astype("float64")


def ref_sparse(y_true, y_pred):
    labels = np.asarray(y_true).reshape(np.shape(y_pred)[:-1])
    return (labels == np.argmax(y_pred, -1)).astype("float64")


def ref_in_top_k(labels, y_pred, k):
    y_pred = np.asarray(y_pred, "float64")
    target = np.take_along_axis(y_pred, np.asarray(labels).reshape(-1, 1).astype(int), -1)
    return ((y_pred > target).sum(-1) < k).astype("float64")


def ref_top_k(y_true, y_pred, k=5):
    return ref_in_top_k(np.argmax(y_true, -1), y_pred, k)


def ref_sparse_top_k(y_true, y_pred, k=5):
    return ref_in_top_k(np.asarray(y_true).reshape(-1), y_pred, k)


def ref_mse(y_true, y_pred):
    return ((np.asarray(y_pred) - np.asarray(y_true)) ** 2).mean(-1)


def ref_mae(y_true, y_pred):
    return np.abs(np.asarray(y_pred) - np.asarray(y_true)).mean(-1)


def _clip(p):
    return np.clip(p, 1e-7, 1 - 1e-7)


def ref_cce(y_true, y_pred):
    p = np.asarray(y_pred, "float64")
    p = _clip(p / p.sum(-1, keepdims=True))
    return -(np.asarray(y_true) * np.log(p)).sum(-1)


def ref_scce(y_true, y_pred):
    p = np.asarray(y_pred, "float64")
    p = _clip(p / p.sum(-1, keepdims=True))
    return -np.log(np.take_along_axis(p, np.asarray(y_true).reshape(-1, 1).astype(int), -1))[:, 0]


def ref_bce(y_true, y_pred):
    p = _clip(np.asarray(y_pred, "float64"))
    t = np.asarray(y_true, "float64")
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


# ---------------------------------------------------------------------- data
def _probs(rng, n, c):
    x = rng.random((n, c)).astype("float32") + 0.05
    return x / x.sum(-1, keepdims=True)


def _case(kind, rng, n=12, c=6):
    """(y_true, y_pred) batch for a metric family."""
    if kind == "binary":
        return rng.integers(0, 2, (n, 1)).astype("float32"), rng.random((n, 1)).astype("float32")
    if kind == "onehot":
        return np.eye(c, dtype="float32")[rng.integers(0, c, n)], _probs(rng, n, c)
    if kind == "sparse":
        return rng.integers(0, c, (n,)).astype("int32"), _probs(rng, n, c)
    if kind == "multilabel":
        return (rng.integers(0, 2, (n, c)).astype("float32"),
                rng.random((n, c)).astype("float32"))
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 3)).astype("float32")


MEAN_METRICS = {
    "BinaryAccuracy": (lambda: metrics.BinaryAccuracy(), ref_binary, "binary"),
    "BinaryAccuracy_t07": (lambda: metrics.BinaryAccuracy(threshold=0.7),
                           lambda t, p: ref_binary(t, p, 0.7), "binary"),
    "CategoricalAccuracy": (lambda: metrics.CategoricalAccuracy(), ref_categorical, "onehot"),
    "SparseCategoricalAccuracy": (lambda: metrics.SparseCategoricalAccuracy(), ref_sparse,
                                  "sparse"),
    "TopKCategoricalAccuracy": (lambda: metrics.TopKCategoricalAccuracy(k=2),
                                lambda t, p: ref_top_k(t, p, 2), "onehot"),
    "SparseTopKCategoricalAccuracy": (lambda: metrics.SparseTopKCategoricalAccuracy(k=3),
                                      lambda t, p: ref_sparse_top_k(t, p, 3), "sparse"),
    "MeanSquaredError": (lambda: metrics.MeanSquaredError(), ref_mse, "regression"),
    "MeanAbsoluteError": (lambda: metrics.MeanAbsoluteError(), ref_mae, "regression"),
    "CategoricalCrossentropy": (lambda: metrics.CategoricalCrossentropy(), ref_cce, "onehot"),
    "SparseCategoricalCrossentropy": (lambda: metrics.SparseCategoricalCrossentropy(),
                                      ref_scce, "sparse"),
    "BinaryCrossentropy": (lambda: metrics.BinaryCrossentropy(), ref_bce, "binary"),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", sorted(MEAN_METRICS))
def test_mean_metric_matches_reference(name, weighted, rng):
    make, ref, kind = MEAN_METRICS[name]
    m = make()
    batches = [_case(kind, rng, n=n) for n in (12, 7)]
    weights = [rng.random(len(b[0])).astype("float32") if weighted else None for b in batches]
    for (t, p), w in zip(batches, weights, strict=True):
        m.update_state(t, p, sample_weight=w)
    values = np.concatenate([ref(t, p).reshape(len(t), -1) for t, p in batches])
    sw = np.concatenate(weights) if weighted else None
    _close(m.result(), _weighted_mean(values, sw), 1e-5)
    m.reset_state()
    _close(m.result(), 0.0)
    t, p = batches[1]
    m.update_state(t, p)
    _close(m.result(), ref(t, p).mean(), 1e-5)


def test_accuracy_exact_match_and_names():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    _close(m.result(), 0.75)
    assert m.name == "accuracy"
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert metrics.SparseTopKCategoricalAccuracy().name == "sparse_top_k_categorical_accuracy"
    assert metrics.AUC().name == "auc" and metrics.Precision().name == "precision"
    assert metrics.MeanSquaredError().name == "mean_squared_error"


@pytest.mark.parametrize("label_shape", ["flat", "column"])
@pytest.mark.parametrize("label_dtype", ["int32", "int64", "float32"])
def test_sparse_accuracy_label_forms(label_shape, label_dtype, rng):
    y_pred = _probs(rng, 10, 4)
    labels = rng.integers(0, 4, 10)
    y_true = labels.astype(label_dtype)
    if label_shape == "column":
        y_true = y_true.reshape(-1, 1)
    expected = (labels == y_pred.argmax(-1)).astype("float64")
    _close(metrics.sparse_categorical_accuracy(y_true, y_pred), expected)
    assert ops.shape(metrics.sparse_categorical_accuracy(y_true, y_pred)) == (10,)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred))
    _close(m.result(), expected.mean())
    m = metrics.SparseTopKCategoricalAccuracy(k=2)
    m.update_state(y_true, y_pred)
    _close(m.result(), ref_in_top_k(labels, y_pred, 2).mean())


def test_sparse_accuracy_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="Sparse labels must have shape"):
        metrics.sparse_categorical_accuracy(np.zeros((4, 3)), np.zeros((4, 3)))


def test_function_forms_are_per_sample(rng):
    t, p = _case("onehot", rng, n=5)
    assert ops.shape(metrics.categorical_accuracy(t, p)) == (5,)
    assert ops.shape(metrics.top_k_categorical_accuracy(t, p, k=2)) == (5,)
    _close(metrics.top_k_categorical_accuracy(t, p, k=2), ref_top_k(t, p, 2))
    labels = t.argmax(-1)
    assert ops.shape(metrics.sparse_top_k_categorical_accuracy(labels, p)) == (5,)
    bt, bp = _case("binary", rng, n=5)
    _close(metrics.binary_accuracy(bt, bp), ref_binary(bt, bp))
    _close(metrics.binary_accuracy(bt[:, 0], bp), ref_binary(bt, bp))


def test_top_k_ties_count_as_inside():
    y_pred = np.array([[0.5, 0.5, 0.5, 0.1]], dtype="float32")
    _close(metrics.sparse_top_k_categorical_accuracy([2], y_pred, k=1), [1.0])
    _close(metrics.sparse_top_k_categorical_accuracy([3], y_pred, k=3), [0.0])


def test_sparse_top_k_from_sorted_ids():
    ids = np.array([[3, 1, 0, 2], [0, 2, 1, 3]], dtype="int32")
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state([1, 1], ids)
    _close(m.result(), 0.5)


def test_sample_weight_column_shape(rng):
    t, p = _case("sparse", rng, n=8)
    w = rng.random(8).astype("float32")
    a, b = metrics.SparseCategoricalAccuracy(), metrics.SparseCategoricalAccuracy()
    a.update_state(t, p, sample_weight=w)
    b.update_state(t, p, sample_weight=w.reshape(-1, 1))
    _close(a.result(), b.result())
    _close(a.result(), _weighted_mean(ref_sparse(t, p), w))


def test_mse_metric_matches_ranks():
    m = metrics.MeanSquaredError()
    m.update_state([1.0, 2.0], [[3.0], [2.0]])
    _close(m.result(), 2.0)


def test_crossentropy_options(rng):
    t, logits = _case("onehot", rng, n=6)[0], rng.normal(size=(6, 6)).astype("float32")
    m = metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    m.update_state(t, logits)
    expected = losses.categorical_crossentropy(t, logits, from_logits=True, label_smoothing=0.1)
    _close(m.result(), _np(expected).mean())
    m = metrics.BinaryCrossentropy(from_logits=True)
    bt = rng.integers(0, 2, (6, 1)).astype("float32")
    m.update_state(bt, logits[:, :1])
    x = logits[:, :1].astype("float64")
    _close(m.result(), (np.maximum(x, 0) - x * bt + np.log1p(np.exp(-np.abs(x)))).mean(), 1e-5)


# ------------------------------------------------------------- confusion matrix
def ref_counts(y_true, y_pred, thresholds, sw=None):
    y_true = np.asarray(y_true, "float64").reshape(-1)
    y_pred = np.asarray(y_pred, "float64").reshape(-1)
    w = np.ones_like(y_pred) if sw is None else np.asarray(sw, "float64").reshape(-1)
    pos = y_true != 0
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for t in thresholds:
        pred = y_pred > t
        out["tp"].append(w[pred & pos].sum())
        out["fp"].append(w[pred & ~pos].sum())
        out["tn"].append(w[~pred & ~pos].sum())
        out["fn"].append(w[~pred & pos].sum())
    return {k: np.array(v) for k, v in out.items()}


def _ratio(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.2, 0.5, 0.8]], ids=["default", "one", "three"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_precision_recall_thresholds(thresholds, weighted, rng):
    ts = [0.5] if thresholds is None else np.atleast_1d(thresholds).tolist()
    p_m, r_m = metrics.Precision(thresholds=thresholds), metrics.Recall(thresholds=thresholds)
    total = {k: 0.0 for k in ("tp", "fp", "tn", "fn")}
    for n in (20, 9):
        t = rng.integers(0, 2, (n, 1)).astype("float32")
        p = rng.random((n, 1)).astype("float32")
        w = rng.random(n).astype("float32") if weighted else None
        p_m.update_state(t, p, sample_weight=w)
        r_m.update_state(t, p, sample_weight=w)
        c = ref_counts(t, p, ts, w)
        total = {k: total[k] + c[k] for k in total}
    precision = _ratio(total["tp"], total["tp"] + total["fp"])
    recall = _ratio(total["tp"], total["tp"] + total["fn"])
    if len(ts) == 1:
        precision, recall = precision[0], recall[0]
    assert ops.shape(p_m.result()) == np.shape(precision)
    _close(p_m.result(), precision)
    _close(r_m.result(), recall)
    p_m.reset_state()
    r_m.reset_state()
    _close(p_m.result(), np.zeros_like(precision))
    _close(r_m.result(), np.zeros_like(recall))


def _top_k_mask(y_pred, k):
    order = np.argsort(-y_pred, axis=-1, kind="stable")[:, :k]
    mask = np.zeros_like(y_pred, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return mask


@pytest.mark.parametrize("top_k", [1, 2])
def test_precision_recall_top_k(top_k, rng):
    t, p = _case("multilabel", rng, n=10, c=5)
    mask = _top_k_mask(p.astype("float64"), top_k)
    pos = t != 0
    tp, fp, fn = (mask & pos).sum(), (mask & ~pos).sum(), (~mask & pos).sum()
    pm, rm = metrics.Precision(top_k=top_k), metrics.Recall(top_k=top_k)
    pm.update_state(t, p)
    rm.update_state(t, p)
    _close(pm.result(), tp / (tp + fp))
    _close(rm.result(), tp / (tp + fn))
    # top_k with a threshold: kept scores must also beat it
    pm = metrics.Precision(top_k=top_k, thresholds=0.6)
    pm.update_state(t, p)
    kept = mask & (p > 0.6)
    _close(pm.result(), _ratio((kept & pos).sum(), kept.sum()))


@pytest.mark.parametrize("class_id", [0, 3])
def test_precision_recall_class_id(class_id, rng):
    t, p = _case("multilabel", rng, n=16, c=4)
    w = rng.random(16).astype("float32")
    c = ref_counts(t[:, class_id], p[:, class_id], [0.5], w)
    pm = metrics.Precision(class_id=class_id)
    rm = metrics.Recall(class_id=class_id)
    pm.update_state(t, p, sample_weight=w)
    rm.update_state(t, p, sample_weight=w)
    _close(pm.result(), _ratio(c["tp"], c["tp"] + c["fp"])[0])
    _close(rm.result(), _ratio(c["tp"], c["tp"] + c["fn"])[0])
    pm = metrics.Precision(class_id=class_id, top_k=1)
    pm.update_state(t, p)
    mask = _top_k_mask(p.astype("float64"), 1)[:, class_id]
    pos = t[:, class_id] != 0
    _close(pm.result(), _ratio((mask & pos).sum(), mask.sum()))


def test_confusion_counts_classes(rng):
    t, p = _case("binary", rng, n=30)
    c = ref_counts(t, p, [0.4, 0.6])
    for cls, key in ((metrics.TruePositives, "tp"), (metrics.FalsePositives, "fp"),
                     (metrics.TrueNegatives, "tn"), (metrics.FalseNegatives, "fn")):
        m = cls(thresholds=[0.4, 0.6])
        m.update_state(t, p)
        _close(m.result(), c[key])
        m = cls()
        m.update_state(t, p)
        _close(m.result(), ref_counts(t, p, [0.5])[key][0])


@pytest.mark.parametrize("bad", [1.5, -0.1, [0.2, 2.0], "0.5"])
def test_precision_rejects_bad_thresholds(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=bad)


def test_precision_rejects_bad_class_id():
    m = metrics.Precision(class_id=5)
    with pytest.raises(ValueError, match="class_id=5 is out of range"):
        m.update_state(np.zeros((2, 3)), np.zeros((2, 3)))


# ------------------------------------------------------------------------ AUC
def _auc_thresholds(n):
    return [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]


def ref_roc_auc(c, method="interpolation"):
    tpr = _ratio(c["tp"], c["tp"] + c["fn"])
    fpr = _ratio(c["fp"], c["fp"] + c["tn"])
    return _riemann(fpr, tpr, method)


def _riemann(x, y, method):
    total = 0.0
    for i in range(len(x) - 1):
        h = {"interpolation": (y[i] + y[i + 1]) / 2, "minoring": min(y[i], y[i + 1]),
             "majoring": max(y[i], y[i + 1])}[method]
        total += (x[i] - x[i + 1]) * h
    return total


def ref_pr_auc(c):
    """Area under precision/recall with TP and predicted positives varying linearly
    between thresholds, integrated numerically segment by segment."""
    tp, p = c["tp"], c["tp"] + c["fp"]
    positives = c["tp"][0] + c["fn"][0]
    total = 0.0
    for i in range(len(tp) - 1):
        dtp, dp = tp[i] - tp[i + 1], p[i] - p[i + 1]
        if dp <= 0 or dtp == 0 or positives <= 0:
            continue
        slope = dtp / dp
        if p[i + 1] <= 0:
            total += slope * dtp / positives
            continue
        ps = np.linspace(p[i + 1], p[i], 4001)
        precision = (tp[i + 1] + slope * (ps - p[i + 1])) / ps
        total += np.trapezoid(precision, ps) * slope / positives
    return total


def ref_exact_roc_auc(y_true, y_pred, w):
    """Probability that a positive outranks a negative (ties count one half)."""
    y_true, y_pred, w = (np.asarray(a, "float64").reshape(-1) for a in (y_true, y_pred, w))
    pos, neg = y_true != 0, y_true == 0
    diff = y_pred[pos][:, None] - y_pred[neg][None, :]
    ww = w[pos][:, None] * w[neg][None, :]
    return ((diff > 0) * ww + 0.5 * (diff == 0) * ww).sum() / ww.sum()


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("num_thresholds", [3, 50, 200])
def test_auc_matches_numpy_with_same_thresholds(curve, num_thresholds, rng):
    m = metrics.AUC(num_thresholds=num_thresholds, curve=curve)
    total = None
    for n in (40, 25):
        t = rng.integers(0, 2, (n, 1)).astype("float32")
        p = np.clip(rng.random((n, 1)) * 0.8 + t * 0.3, 0, 1).astype("float32")
        w = rng.random(n).astype("float32")
        m.update_state(t, p, sample_weight=w)
        c = ref_counts(t, p, _auc_thresholds(num_thresholds), w)
        total = c if total is None else {k: total[k] + c[k] for k in c}
    expected = ref_roc_auc(total) if curve == "ROC" else ref_pr_auc(total)
    _close(m.result(), expected, 1e-3)
    m.reset_state()
    _close(m.result(), 0.0)


@pytest.mark.parametrize("method", ["minoring", "majoring"])
@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_auc_summation_methods(curve, method, rng):
    t = rng.integers(0, 2, (50,)).astype("float32")
    p = rng.random(50).astype("float32")
    m = metrics.AUC(num_thresholds=20, curve=curve, summation_method=method)
    m.update_state(t, p)
    c = ref_counts(t, p, _auc_thresholds(20))
    tpr = _ratio(c["tp"], c["tp"] + c["fn"])
    if curve == "ROC":
        expected = _riemann(_ratio(c["fp"], c["fp"] + c["tn"]), tpr, method)
    else:
        expected = _riemann(tpr, _ratio(c["tp"], c["tp"] + c["fp"]), method)
    _close(m.result(), expected, 1e-3)


def test_roc_auc_approaches_exact_auc(rng):
    t = rng.integers(0, 2, (300,)).astype("float32")
    p = np.clip(rng.normal(0.4 + 0.2 * t, 0.2), 0, 1).astype("float32")
    w = rng.random(300).astype("float32")
    m = metrics.AUC(num_thresholds=2000)
    m.update_state(t, p, sample_weight=w)
    _close(m.result(), ref_exact_roc_auc(t, p, w), 2e-3)


def test_auc_explicit_thresholds_from_logits_and_config(rng):
    t = rng.integers(0, 2, (30,)).astype("float32")
    logits = rng.normal(size=30).astype("float32")
    m = metrics.AUC(thresholds=[0.7, 0.2, 0.5], from_logits=True)
    assert m.num_thresholds == 5
    np.testing.assert_allclose(m.thresholds, [-1e-7, 0.2, 0.5, 0.7, 1 + 1e-7])
    m.update_state(t, logits)
    probs = 1 / (1 + np.exp(-logits.astype("float64")))
    c = ref_counts(t, probs, m.thresholds)
    _close(m.result(), ref_roc_auc(c), 1e-3)
    clone = metrics.deserialize(metrics.serialize(m))
    assert clone.thresholds == m.thresholds and clone.curve == "ROC"
    assert clone._from_logits


def test_auc_multi_label_and_label_weights(rng):
    t, p = _case("multilabel", rng, n=40, c=3)
    per_label = [ref_roc_auc(ref_counts(t[:, j], p[:, j], _auc_thresholds(200)))
                 for j in range(3)]
    m = metrics.AUC(multi_label=True)
    m.update_state(t, p)
    _close(m.result(), np.mean(per_label), 1e-3)
    assert ops.shape(m.true_positives.value) == (200, 3)
    lw = [1.0, 2.0, 0.5]
    m = metrics.AUC(multi_label=True, num_labels=3, label_weights=lw)
    m.update_state(t, p)
    _close(m.result(), np.dot(per_label, lw) / np.sum(lw), 1e-3)
    # pooled (multi_label=False) with label weights: weights scale each label's counts
    m = metrics.AUC(label_weights=lw)
    m.update_state(t, p)
    w = np.broadcast_to(np.asarray(lw), t.shape)
    _close(m.result(), ref_roc_auc(ref_counts(t, p, _auc_thresholds(200), w)), 1e-3)


@pytest.mark.parametrize("kwargs,match", [
    ({"num_thresholds": 1}, "num_thresholds"),
    ({"curve": "XY"}, "curve"),
    ({"summation_method": "left"}, "summation_method"),
    ({"thresholds": [0.5, 1.5]}, r"\[0, 1\]"),
])
def test_auc_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.AUC(**kwargs)


# ------------------------------------------------------- stateless and compiled
def _stateful_metrics():
    return [metrics.SparseCategoricalAccuracy(), metrics.AUC(num_thresholds=10),
            metrics.Precision(thresholds=[0.3, 0.6]), metrics.MeanSquaredError(),
            metrics.Recall(top_k=2)]


def _inputs_for(m, rng):
    if isinstance(m, metrics.SparseCategoricalAccuracy):
        return _case("sparse", rng, n=8, c=4)
    if isinstance(m, metrics.MeanSquaredError):
        return _case("regression", rng, n=8)
    if isinstance(m, metrics.Recall):
        return _case("multilabel", rng, n=8, c=4)
    return _case("binary", rng, n=8)


def test_update_inside_stateless_scope_does_not_mutate(rng):
    for m in _stateful_metrics():
        t, p = _inputs_for(m, rng)
        before = [v.numpy().copy() for v in m.variables]
        with StatelessScope({v: v.value for v in m.variables}) as scope:
            m.update_state(t, p)
            inside = m.result()
        for v, b in zip(m.variables, before, strict=True):
            np.testing.assert_array_equal(v.numpy(), b)
        new_values = [scope.get(v) for v in m.variables]
        for v, new in zip(m.variables, new_values, strict=True):
            v.assign(new)
        _close(m.result(), _np(inside))
        reference = type(m)(**{k: v for k, v in m.get_config().items() if k != "dtype"})
        reference.update_state(t, p)
        _close(m.result(), reference.result())


def _pure_update(m):
    """``(values, y_true, y_pred) -> new values``: the metric update as a pure function."""
    variables = m.variables

    def step(values, y_true, y_pred):
        with StatelessScope(dict(zip(variables, values, strict=True))) as scope:
            m.update_state(y_true, y_pred)
        return [scope.get(v) for v in variables]

    return step


def test_update_runs_inside_a_compiled_function(backend, rng):
    for m in _stateful_metrics():
        t, p = _inputs_for(m, rng)
        variables = m.variables
        compiled = backend.jit(_pure_update(m))
        values = [v.value for v in variables]
        for _ in range(2):
            values = compiled(values, ops.convert_to_tensor(t), ops.convert_to_tensor(p))
        eager = type(m)(**{k: v for k, v in m.get_config().items() if k != "dtype"})
        eager.update_state(t, p)
        eager.update_state(t, p)
        for v, new in zip(variables, values, strict=True):
            v.assign(new)
        _close(m.result(), eager.result())


# --------------------------------------------------------------- look-up
@pytest.mark.parametrize("name,cls", [
    ("mae", metrics.MeanAbsoluteError), ("mse", metrics.MeanSquaredError),
    ("mean_absolute_error", metrics.MeanAbsoluteError),
    ("mean_squared_error", metrics.MeanSquaredError),
    ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("binary_accuracy", metrics.BinaryAccuracy),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("auc", metrics.AUC), ("precision", metrics.Precision), ("recall", metrics.Recall),
])
def test_get_by_name(name, cls):
    m = metrics.get(name)
    assert type(m) is cls and m.name == name


def test_get_class_names_instances_functions():
    assert type(metrics.get("AUC")) is metrics.AUC and metrics.get("AUC").name == "auc"
    assert type(metrics.get("Precision")) is metrics.Precision
    m = metrics.Recall()
    assert metrics.get(m) is m
    assert type(metrics.get(metrics.binary_accuracy)) is metrics.BinaryAccuracy

    def hits(y_true, y_pred):
        return ops.cast(ops.equal(y_true, y_pred), "float32")

    w = metrics.get(hits)
    assert isinstance(w, metrics.MeanMetricWrapper) and w.name == "hits"
    w.update_state([1, 2, 3, 4], [1, 0, 3, 0])
    _close(w.result(), 0.5)
    assert type(metrics.get({"class_name": "BinaryAccuracy",
                             "config": {"threshold": 0.3}})) is metrics.BinaryAccuracy


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown metric 'f1_scor'.*sparse_categorical_accuracy"):
        metrics.get("f1_scor")
    with pytest.raises(ValueError, match="Could not interpret metric"):
        metrics.get(42)


@pytest.mark.parametrize("metric", [
    metrics.BinaryAccuracy(threshold=0.3), metrics.AUC(curve="PR", num_thresholds=17),
    metrics.Precision(thresholds=[0.2, 0.4], class_id=1), metrics.Recall(top_k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
    metrics.CategoricalCrossentropy(from_logits=True), metrics.Mean(name="avg"),
], ids=lambda m: type(m).__name__)
def test_serialize_round_trip(metric):
    config = metrics.serialize(metric)
    assert config["module"] == "keras.metrics"
    assert config["class_name"] == type(metric).__name__
    clone = metrics.deserialize(config)
    assert type(clone) is type(metric)
    assert clone.get_config() == metric.get_config()


def test_serialize_functions_and_wrappers():
    config = metrics.serialize(metrics.sparse_categorical_accuracy)
    assert config["class_name"] == "function"
    assert metrics.deserialize(config) is metrics.sparse_categorical_accuracy
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.2)
    clone = metrics.deserialize(metrics.serialize(wrapper))
    assert type(clone) is metrics.MeanMetricWrapper and clone.name == "ba"
    with pytest.raises(ValueError, match="Unknown metric class"):
        metrics.deserialize({"class_name": "Nope", "config": {}})


# ----------------------------------------------------------- accuracy rule
@pytest.mark.parametrize("loss,y_true,y_pred,expected", [
    ("sparse_categorical_crossentropy", (32, 1), (32, 10), metrics.SparseCategoricalAccuracy),
    ("binary_crossentropy", (32, 1), (32, 1), metrics.BinaryAccuracy),
    ("categorical_crossentropy", (32, 10), (32, 10), metrics.CategoricalAccuracy),
    (losses.SparseCategoricalCrossentropy(from_logits=True), (32, 10), (32, 10),
     metrics.SparseCategoricalAccuracy),
    (losses.BinaryCrossentropy(), (32, 3), (32, 3), metrics.BinaryAccuracy),
    (losses.categorical_crossentropy, (32,), (32, 10), metrics.CategoricalAccuracy),
    ("SparseCategoricalCrossentropy", (32, 10), (32, 10), metrics.SparseCategoricalAccuracy),
    (None, (32, 1), (32, 1), metrics.BinaryAccuracy),
    ("mse", (32,), (32, 1), metrics.BinaryAccuracy),
    (None, (32,), (32, 10), metrics.SparseCategoricalAccuracy),
    (None, (None, 1), (None, 10), metrics.SparseCategoricalAccuracy),
    (losses.MeanSquaredError(), (32, 10), (32, 10), metrics.CategoricalAccuracy),
    (None, (None, 5), (None, 5), metrics.CategoricalAccuracy),
])
def test_resolve_accuracy(loss, y_true, y_pred, expected):
    for name in ("accuracy", "acc"):
        m = metrics.resolve_accuracy(name, loss, y_true, y_pred)
        assert type(m) is expected
        assert m.name == name


def test_resolve_accuracy_errors():
    with pytest.raises(ValueError, match="'accuracy' or 'acc'"):
        metrics.resolve_accuracy("auc", None, (2,), (2, 1))
    with pytest.raises(ValueError, match="shapes are unknown"):
        metrics.resolve_accuracy("accuracy", None, None, (2, 3))
