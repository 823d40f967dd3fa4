"""``tf.data`` for polykeras' backend-neutral datasets (``format="tf"``).

Example:
    >>> import numpy as np
    >>> ds = dataset_from_generator(lambda: iter([(np.ones((2, 3)), np.zeros(2))]),
    ...                             (np.ones((2, 3)), np.zeros(2)), batched=True)
    >>> [tuple(x.shape) for x, _ in ds]
    [(2, 3)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import tensorflow as tf

__all__ = ["dataset_from_generator"]


def _spec(a: Any, batched: bool) -> tf.TensorSpec:
    arr = np.asarray(a)
    dtype = tf.string if arr.dtype.kind in "OUS" else tf.as_dtype(arr.dtype)
    return tf.TensorSpec((None,) + arr.shape[1:] if batched else arr.shape, dtype)


def _specs(element: Any, batched: bool) -> Any:
    if isinstance(element, (list, tuple)):
        return tuple(_specs(e, batched) for e in element)
    if isinstance(element, dict):
        return {k: _specs(v, batched) for k, v in element.items()}
    return _spec(element, batched)


def dataset_from_generator(generate: Callable[[], Iterator[Any]], element: Any,
                           batched: bool) -> tf.data.Dataset:
    """A ``tf.data.Dataset`` over ``generate()``, typed like ``element`` (one example
    item; with ``batched`` its first axis may vary)."""
    def items() -> Iterator[Any]:
        for item in generate():
            yield tuple(item) if isinstance(item, list) else item

    return tf.data.Dataset.from_generator(items, output_signature=_specs(element, batched))
