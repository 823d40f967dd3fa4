"""LambdaCallback: a callback built from plain functions.

Example:
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from polykeras.callbacks.callback import Callback

_HOOK_NAMES = tuple(sorted(n for n in dir(Callback) if n.startswith("on_")))
_ALIASES = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}
_CLASSES: dict[frozenset[str], type] = {}


def _forward(hook: str) -> Callable[..., Any]:
    """The hook method calling the user's function, always with ``logs`` (None when
    the loop passes none), as Keras does."""
    indexed = "batch" in hook or "epoch" in hook

    def indexed_method(self: LambdaCallback, index: Any, logs: Any = None) -> Any:
        return self._functions[hook](index, logs)

    def plain_method(self: LambdaCallback, logs: Any = None) -> Any:
        return self._functions[hook](logs)

    method: Callable[..., Any] = indexed_method if indexed else plain_method
    method.__name__ = hook
    return method


class LambdaCallback(Callback):
    """Call the given functions at the matching points of ``fit``/``evaluate``/``predict``.

    Each function takes the arguments of the hook it replaces:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)``; the test
    and predict hooks (``on_test_batch_end=...`` etc.) are accepted as keywords too.
    Only the hooks given here are called, so the training loop skips the others.

    Example:
        >>> losses = []
        >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
        >>> cb.on_epoch_end(0, {"loss": 0.5}); losses
        [0.5]
    """

    def __init__(self, on_epoch_begin: Callable[..., Any] | None = None,
                 on_epoch_end: Callable[..., Any] | None = None,
                 on_train_begin: Callable[..., Any] | None = None,
                 on_train_end: Callable[..., Any] | None = None,
                 on_train_batch_begin: Callable[..., Any] | None = None,
                 on_train_batch_end: Callable[..., Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__()
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, fn in kwargs.items():
            hook = _ALIASES.get(name, name)
            if hook not in _HOOK_NAMES:
                raise ValueError(
                    f"LambdaCallback: unknown hook {name!r}. Valid hooks: "
                    f"{', '.join(_HOOK_NAMES)}."
                )
            if given.get(hook) is not None and fn is not None:
                raise ValueError(f"LambdaCallback: {name!r} given twice (as {hook!r}).")
            given[hook] = fn if fn is not None else given.get(hook)
        functions = {}
        for hook, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise ValueError(f"LambdaCallback: `{hook}` must be callable, received {fn!r}.")
            functions[hook] = fn
        self._functions = functions
        # A subclass per set of hooks, so that only these hooks count as overridden and
        # the loop does not collect batch logs for hooks that were not given.
        key = frozenset(functions)
        cls = _CLASSES.get(key)
        if cls is None:
            cls = type("LambdaCallback", (LambdaCallback,),
                       {h: _forward(h) for h in sorted(key)}
                       | {"__module__": __name__, "__qualname__": "LambdaCallback"})
            _CLASSES[key] = cls
        self.__class__ = cls
