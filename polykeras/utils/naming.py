"""Keras-style object names: ``Dense`` -> ``dense``, ``dense_1``, ...

Example:
    >>> to_snake_case("BatchNormalization")
    'batch_normalization'
"""

from __future__ import annotations

import re
from collections import defaultdict

_name_counts: dict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(base: str) -> str:
    """``base``, then ``base_1``, ``base_2`` ... within this process."""
    n = _name_counts[base]
    _name_counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    """Forget generated names (mainly for tests)."""
    _name_counts.clear()
