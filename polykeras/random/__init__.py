"""``polykeras.random``: random tensors on the active backend (``keras.random`` API).

Example:
    >>> from polykeras import random
    >>> gen = random.SeedGenerator(1337)
    >>> noise = random.normal((2, 2), stddev=0.1, seed=gen)
"""

from polykeras.random.sampling import (
    categorical,
    dropout,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from polykeras.random.seed_generator import (
    SeedGenerator,
    _global_seed_generator,  # noqa: F401  (the trainer tracks its state)
    key_for_seed,
    set_global_seed,
)

__all__ = [
    "SeedGenerator", "categorical", "key_for_seed", "dropout", "normal", "randint",
    "set_global_seed", "shuffle", "truncated_normal", "uniform",
]
