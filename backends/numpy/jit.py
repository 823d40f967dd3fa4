"""``jit`` for NumPy: record a function once per input signature, replay it flat.

The first call with a new input signature (the structure of the arguments, and the
shape, dtype and strides of every array in them) runs the function with its arrays
wrapped in :class:`~.tracing.Tracer` values, which records the NumPy calls it makes;
that run's results are returned. The recording becomes a straight-line function
(:mod:`.program`) that later calls with the same signature run instead: no layers,
autodiff tape or op dispatch, preallocated buffers for the intermediates. The second
call of a signature runs both and checks that they agree bit for bit.

What cannot be replayed falls back to eager execution with a one-time warning naming the
reason, as ``tf.function`` does: a traced value converted to an untraced array
(:class:`~.tracing.Unrecordable`), or a value read back into Python (``bool(x)``,
``float(x)``) that changes between calls.

Example:
    >>> import numpy as np
    >>> f = jit(lambda x, y: np.tanh(x) * y)
    >>> x = np.ones(3, np.float32)
    >>> f(x, x).dtype, f(x, x).shape, len(f.programs)
    (dtype('float32'), (3,), 1)
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .autodiff import _state as _tape_state
from .program import GuardFailed, Program, compile_recording
from .tracing import Const, Recording, Ref, Tracer
from .tracing import _state as _tracing_state

_ndarray = np.ndarray
_generic = np.generic
_STATIC = (bool, int, str, type(None))

#: Signatures recorded per function before it runs eagerly (like retracing limits).
MAX_PROGRAMS = 8


class _Unhashable(Exception):
    pass


def _signature(x: Any, arrays: list[Any]) -> Any:
    """The static part of ``x`` (structure, shapes, dtypes, strides, Python scalars);
    its arrays are appended to ``arrays`` (NumPy scalars as 0-d arrays: steps return
    scalars where they received 0-d arrays, and both must find the same program)."""
    t = type(x)
    if t is _ndarray:
        arrays.append(x)
        return (x.shape, x.dtype, x.strides)
    if t is list or t is tuple:
        parts = [t]
        for i in x:
            if type(i) is _ndarray:
                arrays.append(i)
                parts.append((i.shape, i.dtype, i.strides))
            elif type(i) is list:  # fast path: a list of arrays (a step's state)
                n = len(arrays)
                arrays += i
                sig = [(a.shape, a.dtype, a.strides) if type(a) is _ndarray else None
                       for a in i]
                if None in sig:
                    del arrays[n:]
                    parts.append(_signature(i, arrays))
                else:
                    parts.append((list, *sig))
            else:
                parts.append(_signature(i, arrays))
        return tuple(parts)
    if t is dict:
        return (dict, tuple(x), *[_signature(v, arrays) for v in x.values()])
    if t in _STATIC:
        return (t, x)
    if t is float:
        return (t, repr(x))
    if isinstance(x, _generic):  # the same signature and program as a 0-d array
        arrays.append(np.asarray(x))
        return ((), x.dtype, ())
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return (t, *[_signature(i, arrays) for i in x])
    raise _Unhashable(t.__name__)


def _substitute(x: Any, leaves: Any) -> Any:
    """``x`` with its arrays (in :func:`_signature` order) replaced by ``leaves``."""
    t = type(x)
    if t is _ndarray or isinstance(x, _generic):
        return next(leaves)
    if t is list or t is tuple:
        return t(_substitute(i, leaves) for i in x)
    if t is dict:
        return {k: _substitute(v, leaves) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return t(*[_substitute(i, leaves) for i in x])
    return x


def _outputs(x: Any, rec: Recording) -> tuple[Any, Any]:
    """``(plain value, template)`` of the recorded function's return value."""
    t = type(x)
    if t is Tracer:
        return x._v, Ref(x._slot)
    if t is _ndarray:
        return x, Const(x)
    if t is list or t is tuple:
        parts = [_outputs(i, rec) for i in x]
        return t(p[0] for p in parts), t(p[1] for p in parts)
    if t is dict:
        pairs = {k: _outputs(v, rec) for k, v in x.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        parts = [_outputs(i, rec) for i in x]
        return t(*[p[0] for p in parts]), t(*[p[1] for p in parts])
    from .autodiff import Node

    if isinstance(x, Node):
        raise rec.fail("the function returns a traced autodiff value")
    return x, x


def _same(a: Any, b: Any) -> bool:
    """Whether two results are equal bit for bit (structure, dtypes, shapes, values)."""
    if isinstance(a, (_ndarray, _generic)) or isinstance(b, (_ndarray, _generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) or (a != a and b != b)


class _Entry:
    """The program of one input signature; ``replay`` is its function once verified."""

    __slots__ = ("program", "replay", "verified", "eager", "lock")

    def __init__(self, program: Program | None) -> None:
        self.program = program
        self.replay: Callable[..., Any] | None = None
        self.verified = False
        self.eager = program is None
        self.lock = threading.Lock()


class Compiled:
    """A function recorded per input signature and replayed (see the module docs).

    ``programs`` maps each signature to its entry; ``eager_reason`` says why the function
    now always runs eagerly (None while it is compiled).
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.programs: dict[Any, _Entry] = {}
        self.eager_reason: str | None = None
        self._warned = False
        self.__wrapped__ = fn
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or self.eager_reason is not None or _tracing_state.recording is not None \
                or _tape_state.tape is not None:  # inside value_and_grad: run inline
            return self.fn(*args, **kwargs)
        arrays: list[Any] = []
        try:
            key = _signature(args, arrays)
            entry = self.programs.get(key)
        except (_Unhashable, TypeError) as exc:
            self._give_up(f"an argument of type {exc} cannot be recorded")
            return self.fn(*args)
        if entry is None:
            return self._record(key, args, arrays)
        if entry.eager or not entry.lock.acquire(blocking=False):
            return self.fn(*args)  # (or running in another thread: its buffers are busy)
        try:
            replay = entry.replay
            if replay is not None:
                return replay(*arrays)
            return self._verify(entry, args, arrays)
        except GuardFailed as exc:
            ins = entry.program.guards[exc.index]  # type: ignore[union-attr]
            entry.eager, entry.replay = True, None
            self._warn(f"it reads a traced value into Python ({_guard_name(ins.fn)} at "
                       f"{ins.where}) and that value changed between calls; this input "
                       "signature now runs eagerly")
            return self.fn(*args)
        finally:
            entry.lock.release()

    # ------------------------------------------------------------------ internals
    def _record(self, key: Any, args: Any, arrays: list[Any]) -> Any:
        if len(self.programs) >= MAX_PROGRAMS:  # new signatures run eagerly
            self._warn(f"it was called with more than {MAX_PROGRAMS} input signatures; "
                       "further new ones run eagerly")
            return self.fn(*args)
        rec = Recording()
        try:
            traced_args = _substitute(args, iter([rec.input(a) for a in arrays]))
            try:
                with rec:
                    out = self.fn(*traced_args)
                result, template = _outputs(out, rec)
            except Exception:
                if rec.failed is None:  # an error of the function itself
                    raise
            if rec.failed is not None:
                self._give_up(rec.failed)
                return self.fn(*args)
            self.programs[key] = _Entry(compile_recording(rec, template))
            return result
        finally:
            rec.release()  # tracers the function kept must not hold the step's arrays

    def _verify(self, entry: _Entry, args: Any, arrays: list[Any]) -> Any:
        """First replay of a signature: run it on copies and eagerly; they must agree."""
        got = entry.program(*[a.copy() for a in arrays])  # type: ignore[misc]
        want = self.fn(*args)
        if not _same(got, want):
            entry.eager = True
            self._warn("its replayed program differs from eager execution (a NumPy call "
                       "the recording did not see); this input signature now runs eagerly")
        entry.verified = True
        if not entry.eager:
            entry.replay = entry.program.fn  # type: ignore[union-attr]
        return want

    def _give_up(self, reason: str) -> None:
        self.eager_reason = reason
        self._warn(reason + "; it now runs eagerly")

    def _warn(self, message: str) -> None:
        if self._warned:
            return
        self._warned = True
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        warnings.warn(f"numpy jit of {name}: {message}.", RuntimeWarning, stacklevel=4)


def _guard_name(fn: Any) -> str:
    name = getattr(fn, "__name__", "")
    return {"bool": "bool(x)", "float": "float(x)", "int": "int(x)", "index": "an index",
            "_item": "x.item()", "_tolist": "x.tolist()"}.get(name, name)


def jit(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """``fn`` recorded on its first call per input signature and replayed afterwards.

    Options of other backends' ``jit`` (``donate_argnums``, ``static_argnums``, ...) are
    accepted and ignored: replays never modify their inputs.
    """
    return Compiled(fn)


__all__ = ["jit", "Compiled", "MAX_PROGRAMS"]
