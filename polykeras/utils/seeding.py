"""One process-wide seed state, kept in NumPy so it is the same on every backend.

Initializers draw from it, so ``set_random_seed(s)`` gives bit-identical initial weights
on every backend; ``SeedGenerator``\\ s created without a seed draw their seeds from it too.

Example:
    >>> set_random_seed(1); a = draw_seed()
    >>> set_random_seed(1); a == draw_seed()
    True
"""

from __future__ import annotations

import random

import numpy as np

_rng: np.random.Generator | None = None


def set_random_seed(seed: int) -> None:
    """Seed polykeras (initializers, dropout seeds), Python's ``random`` and NumPy."""
    global _rng
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed expects an int, received {seed!r}.")
    seed = int(seed)
    _rng = np.random.default_rng(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    import sys

    rnd = sys.modules.get("polykeras.random")
    if rnd is not None and hasattr(rnd, "set_global_seed"):
        rnd.set_global_seed(seed)


def numpy_rng() -> np.random.Generator:
    """The process-wide NumPy generator (seeded from OS entropy until set_random_seed)."""
    global _rng
    if _rng is None:
        _rng = np.random.default_rng()
    return _rng


def draw_seed() -> int:
    """A fresh 31-bit seed from the process-wide generator."""
    return int(numpy_rng().integers(0, 2**31 - 1))
