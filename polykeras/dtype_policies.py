"""Dtype policies: the dtype a layer computes in and the dtype it keeps its weights in.

``"mixed_float16"`` and ``"mixed_bfloat16"`` compute in 16 bits and keep float32 weights
(each weight is cast when the layer reads it); plain names (``"float32"``...) use one
dtype for both. Set the default with :func:`polykeras.config.set_dtype_policy` or pass
``dtype=`` to a layer. With ``"mixed_float16"``, ``compile`` wraps the optimizer in a
:class:`~polykeras.optimizers.LossScaleOptimizer`, as Keras 3 does.

Example:
    >>> p = DTypePolicy("mixed_bfloat16")
    >>> p.compute_dtype, p.variable_dtype
    ('bfloat16', 'float32')
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.dtypes import standardize_dtype

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global_policy: DTypePolicy | None = None


class DTypePolicy:
    """A named pair (compute dtype, variable dtype); the name is a dtype or one of
    ``"mixed_float16"`` / ``"mixed_bfloat16"`` (``None``: ``floatx()``)."""

    def __init__(self, name: str | None = None) -> None:
        from polykeras.config import floatx

        name = name or floatx()
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy expects a name string, received {name!r}.")
        if name in _MIXED:
            compute, variable = _MIXED[name], "float32"
        else:
            try:
                compute = variable = standardize_dtype(name)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Unknown dtype policy {name!r}. Expected a dtype such as 'float32' or "
                    "'int32', or 'mixed_float16' / 'mixed_bfloat16'."
                ) from None
            name = compute
        self._name, self._compute_dtype, self._variable_dtype = name, compute, variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    @property
    def is_mixed(self) -> bool:
        """Whether weights are kept in another dtype than the computation's."""
        return self._compute_dtype != self._variable_dtype

    def get_config(self) -> dict[str, Any]:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def get(identifier: Any) -> DTypePolicy:
    """A policy from None (the global policy), a name, a config dict or a policy."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return DTypePolicy(**(identifier.get("config") or identifier))
    return DTypePolicy(standardize_dtype(identifier) if not isinstance(identifier, str)
                       else identifier)


def serialize(policy: DTypePolicy) -> Any:
    """A plain policy as its dtype name; a mixed one as Keras 3's ``DTypePolicy`` dict."""
    if not policy.is_mixed:
        return policy.name
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


def global_policy() -> DTypePolicy:
    """The default policy of new layers (``floatx()`` unless set)."""
    return _global_policy if _global_policy is not None else DTypePolicy()


def set_global_policy(policy: Any) -> None:
    """Set the default policy of layers created from now on (None resets it)."""
    global _global_policy
    _global_policy = None if policy is None else get(policy)
