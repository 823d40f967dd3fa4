"""Resource limits for loading files that may come from anyone.

Two guards, so a small file cannot make polykeras use much memory:

- :class:`ArchiveLimits`: every member of a ``.keras`` zip may decompress to at most
  ``max_member_size`` bytes, and to at most ``max_compression_ratio`` times its stored
  size (members under 1 MiB are exempt from the ratio). Checked before decompressing.
- :func:`weights_budget`: while a model is rebuilt from a config, each weight it would
  allocate must fit an array of the weights file (no larger than the largest one, and
  all together no more than the file holds), checked before the allocation.

Example:
    >>> limits = ArchiveLimits(max_member_size=2**20)
    >>> limits.check_member("model.keras", "config.json", 10, 2**21)
    Traceback (most recent call last):
    ...
    ValueError: model.keras: member 'config.json' decompresses to 2097152 bytes, above the limit of 1048576 bytes (max_member_size). The file is corrupt or was crafted to exhaust memory; if you trust it, load it with a larger max_member_size.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Members smaller than this may compress by any ratio (small configs compress well).
RATIO_EXEMPT_BYTES = 1 << 20
#: Weights this small are not counted against the budget (seed states, scalars, counters).
SMALL_WEIGHT = 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """Decompressed-size limits for every member of an archive.

    Args:
        max_member_size: bytes one member may decompress to (default 8 GiB).
        max_compression_ratio: decompressed size / stored size allowed for members above
            1 MiB (default 100; weights are stored uncompressed, JSON compresses ~10x).
    """

    max_member_size: int = 8 << 30
    max_compression_ratio: float = 100.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_member_size, int) or self.max_member_size <= 0:
            raise ValueError(
                f"max_member_size must be a positive number of bytes, received "
                f"{self.max_member_size!r}.")
        if not isinstance(self.max_compression_ratio, (int, float)) or not (
                self.max_compression_ratio >= 1):
            raise ValueError(
                f"max_compression_ratio must be a number >= 1, received "
                f"{self.max_compression_ratio!r}.")

    def check_member(self, path: str, name: str, stored: int, size: int) -> None:
        """Raise ``ValueError`` when a member of ``stored`` bytes declaring ``size``
        decompressed bytes exceeds a limit."""
        advice = ("The file is corrupt or was crafted to exhaust memory; if you trust it, "
                  "load it with a larger")
        if size > self.max_member_size:
            raise ValueError(
                f"{path}: member {name!r} decompresses to {size} bytes, above the limit of "
                f"{self.max_member_size} bytes (max_member_size). {advice} max_member_size."
            )
        if size > RATIO_EXEMPT_BYTES and size > self.max_compression_ratio * max(stored, 1):
            raise ValueError(
                f"{path}: member {name!r} decompresses from {stored} to {size} bytes, a "
                f"ratio of {size / max(stored, 1):.0f}, above the limit of "
                f"{self.max_compression_ratio:g} (max_compression_ratio). {advice} "
                "max_compression_ratio."
            )


class WeightsBudget:
    """What a weights file can fill: checked by ``Layer.add_weight`` before allocating."""

    def __init__(self, label: str, sizes: list[int]) -> None:
        self.label = label
        self.largest = max(sizes, default=0)
        self.total = sum(sizes)
        self.used = 0

    def check(self, owner: str, name: str, shape: tuple[int, ...]) -> None:
        n = math.prod(shape)
        if n <= SMALL_WEIGHT:
            return
        if n > self.largest or self.used + n > self.total:
            raise ValueError(
                f"{self.label}: the config declares weight {name!r} of layer {owner!r} with "
                f"shape {shape} ({n} values), but the weights file holds "
                + (f"no array larger than {self.largest} values" if n > self.largest else
                   f"only {self.total} values in all")
                + ". The config and the weights do not match (a corrupt or crafted file); "
                "nothing was allocated."
            )
        self.used += n


_budget: contextvars.ContextVar[WeightsBudget | None] = contextvars.ContextVar(
    "polykeras_weights_budget", default=None)
#: ``current_budget()``: the budget of the model being loaded here, or None.
current_budget = _budget.get


@contextlib.contextmanager
def weights_budget(label: str, sizes: list[int]) -> Iterator[WeightsBudget]:
    """Within the block, weights created by layers must fit arrays of ``sizes`` values."""
    budget = WeightsBudget(label, sizes)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def h5_array_sizes(h5file: Any) -> list[int]:
    """The number of values of every array in an open h5py file (read from its
    metadata, without reading the arrays)."""
    sizes: list[int] = []

    def visit(_name: str, obj: Any) -> None:
        shape = getattr(obj, "shape", None)
        if shape is not None and hasattr(obj, "dtype"):
            sizes.append(math.prod(shape))

    h5file.visititems(visit)
    return sizes
