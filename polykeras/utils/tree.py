"""Nested structures (lists, tuples, dicts) of tensors: flatten, rebuild, map.

Dict entries are visited in sorted key order, so two dicts with the same keys flatten
alike whatever their insertion order. ``None`` is a leaf.

Example:
    >>> from polykeras.utils import tree
    >>> leaves = tree.flatten({"b": 2, "a": (1, [3])})
    >>> leaves
    [1, 3, 2]
    >>> tree.pack_sequence_as({"b": 0, "a": (0, [0])}, [10, 30, 20])
    {'a': (10, [30]), 'b': 20}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def is_nested(structure: Any) -> bool:
    """True for a list, tuple or dict."""
    return isinstance(structure, (list, tuple, dict))


def flatten(structure: Any) -> list[Any]:
    """The leaves of ``structure`` in order."""
    if isinstance(structure, (list, tuple)):
        return [x for s in structure for x in flatten(s)]
    if isinstance(structure, dict):
        return [x for k in sorted(structure) for x in flatten(structure[k])]
    return [structure]


def pack_sequence_as(structure: Any, leaves: list[Any]) -> Any:
    """``structure`` rebuilt with ``leaves`` (as many as ``flatten(structure)`` gives)."""
    it = iter(leaves)
    out = _pack(structure, it)
    if next(it, _END) is not _END:
        raise ValueError(
            f"pack_sequence_as received {len(leaves)} leaves, more than the "
            f"{len(flatten(structure))} of the structure {structure!r}."
        )
    return out


_END = object()


def _pack(structure: Any, it: Iterator[Any]) -> Any:
    if isinstance(structure, (list, tuple)):
        items = [_pack(s, it) for s in structure]
        if hasattr(structure, "_fields"):  # namedtuple
            return type(structure)(*items)
        return type(structure)(items)
    if isinstance(structure, dict):
        return {k: _pack(structure[k], it) for k in sorted(structure)}
    value = next(it, _END)
    if value is _END:
        raise ValueError("pack_sequence_as received fewer leaves than the structure has.")
    return value


def map_structure(fn: Callable[..., Any], *structures: Any) -> Any:
    """``fn`` applied leaf by leaf to one or more structures of the same shape."""
    first = structures[0]
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError(
            "map_structure needs structures with the same number of leaves, received "
            f"{[len(f) for f in flats]}."
        )
    return pack_sequence_as(first, [fn(*xs) for xs in zip(*flats)])
