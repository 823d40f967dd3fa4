"""The Callback base class, the CallbackList that drives callbacks, and History.

Example:
    >>> from polykeras.callbacks import Callback
    >>> class Count(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, sorted(logs))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Callback:
    """Hooks called by ``fit``/``evaluate``/``predict``; override the ones you need.

    ``self.model`` and ``self.params`` (epochs, steps, verbose) are set before training.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_HOOKS = [n for n in dir(Callback) if n.startswith("on_")]


class CallbackList:
    """Calls each hook on every callback; hooks no callback overrides cost nothing.

    Example:
        >>> cbs = CallbackList([History()], model=None)
    """

    # Set per instance in ``__init__``: a dispatcher over the callbacks overriding the
    # hook, or a no-op.
    on_train_begin: Callable[..., None]
    on_train_end: Callable[..., None]
    on_epoch_begin: Callable[..., None]
    on_epoch_end: Callable[..., None]
    on_train_batch_begin: Callable[..., None]
    on_train_batch_end: Callable[..., None]
    on_test_begin: Callable[..., None]
    on_test_end: Callable[..., None]
    on_test_batch_begin: Callable[..., None]
    on_test_batch_end: Callable[..., None]
    on_predict_begin: Callable[..., None]
    on_predict_end: Callable[..., None]
    on_predict_batch_begin: Callable[..., None]
    on_predict_batch_end: Callable[..., None]

    def __init__(self, callbacks: list[Callback] | None = None, model: Any = None,
                 **params: Any) -> None:
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks must be polykeras.callbacks.Callback instances, received "
                    f"{type(cb).__name__}."
                )
        self.model = model
        self.params = params
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        for hook in _HOOKS:
            active = [getattr(cb, hook) for cb in self.callbacks
                      if getattr(getattr(cb, hook), "__func__", None) is not getattr(Callback, hook)]
            setattr(self, hook, self._dispatch(active, _takes_index(hook)) if active else _noop)

    @staticmethod
    def _dispatch(fns: list[Any], indexed: bool) -> Any:
        """Call every hook; ``logs`` is always a mapping (``{}`` when there are none),
        passed positionally as Keras does."""
        if indexed:
            def call(index: Any, logs: Any = None) -> None:
                if logs is None:
                    logs = {}
                for fn in fns:
                    fn(index, logs)
        else:
            def call(logs: Any = None) -> None:  # type: ignore[misc]
                if logs is None:
                    logs = {}
                for fn in fns:
                    fn(logs)

        return call

    def append(self, cb: Callback) -> None:
        self.__init__(self.callbacks + [cb], self.model, **self.params)  # type: ignore[misc]

    @property
    def wants_batch_logs(self) -> bool:
        """Whether some callback looks at per-batch logs."""
        return self.on_train_batch_end is not _noop

    def __iter__(self):
        return iter(self.callbacks)


def _takes_index(hook: str) -> bool:
    return "epoch" in hook or "batch" in hook


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


class History(Callback):
    """Records the epoch logs; ``fit`` returns it. ``history.history["loss"]`` is a list."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self
