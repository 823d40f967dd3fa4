"""Metric look-up by name, (de)serialization, and the rule that turns "accuracy" into
the right accuracy metric for a loss and data shapes.

Example:
    >>> get("mae").name
    'mae'
    >>> type(resolve_accuracy("acc", "sparse_categorical_crossentropy", (32,), (32, 10))).__name__
    'SparseCategoricalAccuracy'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from polykeras import losses
from polykeras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from polykeras.metrics.auc import AUC
from polykeras.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from polykeras.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from polykeras.metrics.constrained_metrics import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from polykeras.metrics.f_score_metrics import F1Score, FBetaScore
from polykeras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from polykeras.metrics.loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from polykeras.metrics.regression_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    R2Score,
    RootMeanSquaredError,
    concordance_correlation,
    pearson_correlation,
)
from polykeras.metrics.samplewise import SampleMeanWrapper

_CLASSES: dict[str, type[Metric]] = {cls.__name__: cls for cls in (
    Metric, Mean, Sum, MeanMetricWrapper, SampleMeanWrapper, Accuracy, BinaryAccuracy,
    CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, AUC, Precision,
    Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCoshError, CosineSimilarity,
    Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, RootMeanSquaredError,
    R2Score, PearsonCorrelation, ConcordanceCorrelation, F1Score, FBetaScore, IoU, MeanIoU,
    BinaryIoU, OneHotIoU, OneHotMeanIoU, PrecisionAtRecall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity,
)}

#: Snake-case names (and short aliases); the metric takes the name as written.
_NAMES: dict[str, type[Metric]] = {
    "accuracy": Accuracy, "acc": Accuracy,
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "auc": AUC, "precision": Precision, "recall": Recall,
    "true_positives": TruePositives, "false_positives": FalsePositives,
    "true_negatives": TrueNegatives, "false_negatives": FalseNegatives,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "logcosh": LogCoshError, "log_cosh": LogCoshError,
    "cosine_similarity": CosineSimilarity, "hinge": Hinge, "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge, "kl_divergence": KLDivergence, "kld": KLDivergence,
    "poisson": Poisson, "root_mean_squared_error": RootMeanSquaredError,
    "r2_score": R2Score, "pearson_correlation": PearsonCorrelation,
    "concordance_correlation": ConcordanceCorrelation, "f1_score": F1Score,
    "fbeta_score": FBetaScore,
}

#: Functions with a metric class of their own.
_FUNCTIONS: dict[str, tuple[Callable[..., Any], type[Metric]]] = {
    "accuracy": (accuracy, Accuracy),
    "binary_accuracy": (binary_accuracy, BinaryAccuracy),
    "categorical_accuracy": (categorical_accuracy, CategoricalAccuracy),
    "sparse_categorical_accuracy": (sparse_categorical_accuracy, SparseCategoricalAccuracy),
    "top_k_categorical_accuracy": (top_k_categorical_accuracy, TopKCategoricalAccuracy),
    "sparse_top_k_categorical_accuracy": (sparse_top_k_categorical_accuracy,
                                          SparseTopKCategoricalAccuracy),
    "mean_squared_error": (losses.mean_squared_error, MeanSquaredError),
    "mean_absolute_error": (losses.mean_absolute_error, MeanAbsoluteError),
    "categorical_crossentropy": (losses.categorical_crossentropy, CategoricalCrossentropy),
    "sparse_categorical_crossentropy": (losses.sparse_categorical_crossentropy,
                                        SparseCategoricalCrossentropy),
    "binary_crossentropy": (losses.binary_crossentropy, BinaryCrossentropy),
    "mean_absolute_percentage_error": (losses.mean_absolute_percentage_error,
                                       MeanAbsolutePercentageError),
    "mean_squared_logarithmic_error": (losses.mean_squared_logarithmic_error,
                                       MeanSquaredLogarithmicError),
    "log_cosh": (losses.log_cosh, LogCoshError), "hinge": (losses.hinge, Hinge),
    "squared_hinge": (losses.squared_hinge, SquaredHinge),
    "categorical_hinge": (losses.categorical_hinge, CategoricalHinge),
    "kl_divergence": (losses.kl_divergence, KLDivergence), "poisson": (losses.poisson, Poisson),
    "pearson_correlation": (pearson_correlation, PearsonCorrelation),
    "concordance_correlation": (concordance_correlation, ConcordanceCorrelation),
}


def _valid_names() -> str:
    return ", ".join(sorted(set(_NAMES) | set(_CLASSES) - {"Metric"}))


def get(identifier: Any) -> Metric:
    """A :class:`Metric` from a name, a config dict, a Metric (class or instance) or a
    function ``fn(y_true, y_pred) -> per-sample values`` (kept as a running mean).

    Snake-case names give a metric named as written (``get("mae").name == "mae"``);
    class names give the class's default name. ``fit`` resolves "accuracy"/"acc" with
    :func:`resolve_accuracy`; here they mean exact-match :class:`Accuracy`.

    Example:
        >>> get("AUC").name, get("precision").name
        ('auc', 'precision')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in _CLASSES and identifier not in ("Metric", "MeanMetricWrapper",
                                                         "SampleMeanWrapper"):
            return _CLASSES[identifier]()
        cls = _NAMES.get(identifier) or _NAMES.get(identifier.lower())
        if cls is not None:
            return cls(name=identifier)
        raise ValueError(f"Unknown metric {identifier!r}. Valid names: {_valid_names()}.")
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
        return obj if isinstance(obj, Metric) else get(obj)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        for _, (fn, cls) in _FUNCTIONS.items():
            if fn is identifier:
                return cls()
        return SampleMeanWrapper(identifier)
    raise ValueError(
        f"Could not interpret metric {identifier!r}: expected a name ({_valid_names()}), "
        "a Metric instance, a config dict, or a function (y_true, y_pred) -> per-sample values."
    )


def serialize(metric: Any) -> dict[str, Any]:
    """A Keras-3-style config dict (``module``, ``class_name``, ``config``).

    Example:
        >>> serialize(BinaryAccuracy(threshold=0.7))["config"]["threshold"]
        0.7
    """
    if isinstance(metric, Metric):
        config = metric.get_config()
        if type(metric) in (MeanMetricWrapper, SampleMeanWrapper):
            config = {**config, "fn": _function_name(cast(MeanMetricWrapper, metric)._fn)}
        return {"module": "keras.metrics", "class_name": type(metric).__name__,
                "config": config,
                "registered_name": None if type(metric).__name__ in _CLASSES
                else type(metric).__name__}
    if callable(metric):
        return {"module": "keras.metrics", "class_name": "function",
                "config": _function_name(metric), "registered_name": "function"}
    raise ValueError(f"Cannot serialize {metric!r}: expected a Metric or a metric function.")


def _function_name(fn: Any) -> str:
    for name, (known, _) in _FUNCTIONS.items():
        if known is fn:
            return name
    return getattr(fn, "__name__", repr(fn))


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The metric (or metric function) described by :func:`serialize`'s output or a name.

    Example:
        >>> deserialize(serialize(Precision(thresholds=0.3))).thresholds
        [0.3]
    """
    custom = custom_objects or {}
    if isinstance(config, str):
        return custom[config] if config in custom else get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot deserialize metric from {config!r}: expected a name or a dict with "
            "'class_name' and 'config'."
        )
    name, inner = config["class_name"], config.get("config") or {}
    if name == "function":
        return _lookup_function(inner, custom)
    cls = custom.get(name) or custom.get(config.get("registered_name") or "") \
        or _CLASSES.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown metric class {name!r}. Known: {', '.join(sorted(_CLASSES))}. Pass "
            "custom metrics through `custom_objects={name: cls}`."
        )
    if cls in (MeanMetricWrapper, SampleMeanWrapper):
        inner = dict(inner)
        fn = _lookup_function(inner.pop("fn", None), custom)
        return cls(fn, **inner)
    return cls.from_config(dict(inner))


def _lookup_function(name: Any, custom: dict[str, Any]) -> Callable[..., Any]:
    if name in custom:
        return custom[name]
    if name in _FUNCTIONS:
        return _FUNCTIONS[name][0]
    raise ValueError(
        f"Unknown metric function {name!r}. Known: {', '.join(sorted(_FUNCTIONS))}. Pass "
        "custom functions through `custom_objects={name: fn}`."
    )


# ------------------------------------------------------------------- accuracy
_LOSS_TO_ACCURACY: dict[str, type[Metric]] = {
    "sparse_categorical_crossentropy": SparseCategoricalAccuracy,
    "binary_crossentropy": BinaryAccuracy,
    "categorical_crossentropy": CategoricalAccuracy,
}
_LOSS_CLASS_NAMES = {
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
}


def _loss_kind(loss: Any) -> str | None:
    """The crossentropy a loss (name, Loss, function) is, or None."""
    if loss is None:
        return None
    if isinstance(loss, str):
        key = _LOSS_CLASS_NAMES.get(loss, loss.lower())
        return key if key in _LOSS_TO_ACCURACY else None
    for cls_name, key in _LOSS_CLASS_NAMES.items():
        if isinstance(loss, getattr(losses, cls_name)):
            return key
    fn = getattr(loss, "fn", loss)
    for key in _LOSS_TO_ACCURACY:
        if fn is getattr(losses, key):
            return key
    return None


def resolve_accuracy(name: str, loss: Any, y_true_shape: Sequence[Any] | None,
                     y_pred_shape: Sequence[Any] | None) -> Metric:
    """The accuracy metric that ``metrics=["accuracy"]`` (or "acc") means for this model.

    By the loss first: sparse categorical crossentropy gives
    :class:`SparseCategoricalAccuracy`, binary crossentropy :class:`BinaryAccuracy`,
    categorical crossentropy :class:`CategoricalAccuracy`. Otherwise by shapes: a
    prediction last dimension of 1 is binary; labels with one axis fewer than the
    predictions, or a label last dimension of 1 facing several classes, are sparse;
    anything else is categorical. The metric is named ``name`` as written.

    Args:
        name: "accuracy" or "acc" (any case), kept as the metric name.
        loss: a :class:`polykeras.losses.Loss`, a loss name or function, or None.
        y_true_shape: shape of the labels (``None`` entries allowed).
        y_pred_shape: shape of the predictions.

    Example:
        >>> type(resolve_accuracy("accuracy", None, (8, 1), (8, 1))).__name__
        'BinaryAccuracy'
    """
    if not isinstance(name, str) or name.lower() not in ("accuracy", "acc"):
        raise ValueError(
            f"resolve_accuracy expects the name 'accuracy' or 'acc', received {name!r}. "
            "Use polykeras.metrics.get for other metrics."
        )
    kind = _loss_kind(loss)
    if kind is not None:
        return _LOSS_TO_ACCURACY[kind](name=name)
    if y_pred_shape is None or y_true_shape is None:
        raise ValueError(
            f"Cannot choose an accuracy metric for {name!r}: the loss {loss!r} does not "
            "decide it and the label/prediction shapes are unknown "
            f"(y_true_shape={y_true_shape}, y_pred_shape={y_pred_shape}). Pass a specific "
            "metric such as 'sparse_categorical_accuracy' or 'binary_accuracy'."
        )
    t_shape, p_shape = tuple(y_true_shape), tuple(y_pred_shape)
    t_last = t_shape[-1] if t_shape else None
    p_last = p_shape[-1] if p_shape else None
    if p_last == 1:
        return BinaryAccuracy(name=name)
    sparse = len(t_shape) < len(p_shape) or (
        t_last == 1 and p_last is not None and p_last > 1
    )
    if sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)
