"""Utilities: seeding, argument helpers.

Example:
    >>> import polykeras
    >>> polykeras.utils.set_random_seed(42)
"""

from polykeras.utils.seeding import draw_seed, numpy_rng, set_random_seed

__all__ = ["draw_seed", "numpy_rng", "set_random_seed"]
