"""Metrics (Keras 3 names, arguments and defaults).

Metric state lives in non-trainable variables updated with ``assign``, so metrics update
inside the compiled train step on every backend.

Example:
    >>> from polykeras import metrics
    >>> m = metrics.get("sparse_categorical_accuracy")
    >>> m.update_state([1, 0], [[0.2, 0.8], [0.6, 0.4]])
    >>> float(m.result())
    1.0
"""

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
from polykeras.metrics.lookup import deserialize, get, resolve_accuracy, serialize
from polykeras.metrics.loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "FalseNegatives", "FalsePositives", "Mean",
    "MeanAbsoluteError", "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision",
    "Recall", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "Sum", "TopKCategoricalAccuracy", "TrueNegatives",
    "TruePositives", "accuracy", "binary_accuracy", "categorical_accuracy", "deserialize",
    "get", "resolve_accuracy", "serialize", "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy",
]
