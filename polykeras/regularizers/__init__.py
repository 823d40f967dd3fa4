"""Weight regularizers: penalties added to the training loss.

Example:
    >>> from polykeras import layers, regularizers
    >>> layer = layers.Dense(3, kernel_regularizer=regularizers.l2(1e-4))
"""

from __future__ import annotations

from typing import Any

from polykeras import ops


class Regularizer:
    def __call__(self, x: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        for name, v in (("l1", l1), ("l2", l2)):
            if v < 0:
                raise ValueError(f"Regularizer {name} must be >= 0, received {v}.")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x: Any) -> Any:
        out = 0.0
        if self.l1:
            out = ops.multiply(self.l1, ops.sum(ops.abs(x)))
        if self.l2:
            out = ops.add(out, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return out

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def serialize(reg: Regularizer) -> dict[str, Any]:
    return {"module": "keras.regularizers", "class_name": type(reg).__name__,
            "config": reg.get_config(), "registered_name": None}


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from None, a name ("l2"), a config dict or an instance/callable."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        class_name: Any = identifier.get("class_name")
        cls = _BY_NAME.get(class_name)
        if cls is not None:
            return cls.from_config(identifier.get("config") or {})
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown regularizer {identifier!r}. Valid names: l1, l2, l1_l2.")


deserialize = get
