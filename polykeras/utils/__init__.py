"""Utilities: seeding, argument helpers.

Example:
    >>> import polykeras
    >>> polykeras.utils.set_random_seed(42)
"""

from polykeras.utils.py_dataset import PyDataset
from polykeras.utils.seeding import draw_seed, numpy_rng, set_random_seed

Sequence = PyDataset  # the older Keras name

__all__ = ["PyDataset", "Sequence", "draw_seed", "numpy_rng", "set_random_seed"]


def to_categorical(x, num_classes=None):
    """One-hot float32 rows from integer labels (as ``keras.utils.to_categorical``).

    Example:
        >>> to_categorical([0, 2], 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    import numpy as np

    x = np.asarray(x, dtype="int64")
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, {num_classes}), received values from "
            f"{x.min()} to {x.max()}."
        )
    out = np.zeros(x.shape + (num_classes,), dtype="float32")
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out


__all__.append("to_categorical")
