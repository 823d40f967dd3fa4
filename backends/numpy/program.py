"""A recorded step turned into one flat Python function of NumPy calls.

:func:`compile_recording` takes a :class:`~.tracing.Recording` and the output template of
the recorded call and generates the source of a straight-line function: one line per
NumPy call, slots as local variables, constants and callables bound as keyword-only
defaults (fast local loads). On the way it

- drops calls whose results nothing uses (constants were already folded while
  recording: a call reading no traced value is computed once and kept as a constant);
- gives every elementwise or reduction ufunc whose result stays inside the program a
  preallocated ``out=`` buffer with the recorded layout, reused on every replay (results
  returned to the caller are always fresh arrays);
- checks each value the step read back into Python (a guard) and raises
  :class:`GuardFailed` when it differs, before anything is returned.

Example:
    >>> import numpy as np
    >>> from polykeras.backends.numpy.tracing import Recording, Ref
    >>> rec = Recording()
    >>> with rec:
    ...     x = rec.input(np.ones(3, np.float32))
    ...     y = np.tanh(x) + 1.0
    >>> prog = compile_recording(rec, Ref(y._slot))
    >>> prog(np.zeros(3, np.float32))
    array([1., 1., 1.], dtype=float32)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .tracing import _T, Const, Instruction, Recording, Ref

_ndarray = np.ndarray


class GuardFailed(Exception):
    """A value read back into Python during recording differs on this call."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class Program:
    """The compiled function, its source and the guards it checks."""

    def __init__(self, fn: Callable[..., Any], source: str, guards: list[Instruction],
                 n_calls: int, n_buffers: int) -> None:
        self.fn = fn
        self.source = source
        self.guards = guards
        self.n_calls = n_calls
        self.n_buffers = n_buffers

    def __call__(self, *inputs: Any) -> Any:
        return self.fn(*inputs)


def _refs(template: Any, out: set[int]) -> None:
    t = type(template)
    if t is Ref:
        out.add(template.slot)
    elif t is tuple or t is list:
        for x in template:
            _refs(x, out)
    elif t is dict:
        for x in template.values():
            _refs(x, out)
    elif t is slice:
        _refs(template.start, out)
        _refs(template.stop, out)
        _refs(template.step, out)


def _live_instructions(rec: Recording, outputs: set[int]) -> list[Instruction]:
    """The instructions the outputs and guards depend on, in order."""
    live = set(outputs)
    kept = []
    for ins in reversed(rec.instructions):
        if ins.guard is not None or ins.writes or any(
                r is not None and r in live for r in ins.results):
            kept.append(ins)
            _refs(ins.args, live)
            _refs(ins.kwargs, live)
    kept.reverse()
    return kept


#: Operators that on NumPy arrays are exactly these ufuncs (``**`` is not: NumPy squares
#: and square-roots scalar exponents specially).
_OPERATOR_UFUNCS = {
    operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
    operator.truediv: np.true_divide, operator.floordiv: np.floor_divide,
    operator.mod: np.remainder, operator.matmul: np.matmul, operator.and_: np.bitwise_and,
    operator.or_: np.bitwise_or, operator.xor: np.bitwise_xor, operator.lt: np.less,
    operator.le: np.less_equal, operator.gt: np.greater, operator.ge: np.greater_equal,
    operator.eq: np.equal, operator.ne: np.not_equal, operator.neg: np.negative,
    operator.abs: np.absolute, operator.invert: np.invert,
}
_NUMBERS = (bool, int, float)


def _recorded(t: Any, rec: Recording) -> Any:
    return rec.values[t.slot] if type(t) is Ref else (t.value if type(t) is Const else t)


#: ndarray reductions that are exactly a ufunc's ``reduce`` (NumPy's ``_methods``).
_METHOD_REDUCES = {
    np.ndarray.sum: np.add.reduce, np.ndarray.prod: np.multiply.reduce,
    np.ndarray.max: np.maximum.reduce, np.ndarray.min: np.minimum.reduce,
    np.ndarray.any: np.logical_or.reduce, np.ndarray.all: np.logical_and.reduce,
}


def _as_ufunc(ins: Instruction, rec: Recording) -> None:
    """An operator call on arrays recorded as the ufunc it is, and an ndarray reduction
    method as the ufunc ``reduce`` behind it (so they can take ``out=``)."""
    red = _METHOD_REDUCES.get(ins.fn)
    if red is not None:
        if ins.kind == "call" and len(ins.args) == 1 and set(ins.kwargs) <= {
                "axis", "dtype", "keepdims"} and type(_recorded(ins.args[0], rec)) is _ndarray:
            ins.fn, ins.kwargs = red, {"axis": None, **ins.kwargs}
        return
    uf = _OPERATOR_UFUNCS.get(ins.fn)
    if uf is None or ins.kwargs or ins.kind != "call":
        return
    values = [_recorded(a, rec) for a in ins.args]
    if not any(type(v) is _ndarray for v in values):
        return
    if all(type(v) is _ndarray or isinstance(v, np.generic) or type(v) in _NUMBERS
           for v in values):
        ins.fn = uf


def _buffered(ins: Instruction, rec: Recording, escaping: list[Any], defined: set[int]
              ) -> np.ndarray | None:
    """A reusable ``out=`` buffer for ``ins``'s result, or None when that is not safe."""
    if ins.kind != "call" or ins.shape != "one" or "out" in ins.kwargs or \
            "where" in ins.kwargs or len(ins.results) != 1:
        return None
    fn = ins.fn
    if not (isinstance(fn, np.ufunc) and fn.nout == 1) and not (
            getattr(fn, "__name__", "") == "reduce" and isinstance(
                getattr(fn, "__self__", None), np.ufunc)):
        return None
    slot = ins.results[0]
    if slot is None or slot not in defined:
        return None
    value = rec.values[slot]
    if type(value) is not _ndarray or value.size == 0 or not value.flags.writeable:
        return None
    for o in escaping:
        if np.may_share_memory(o, value):
            return None
    buf = np.empty_like(value)
    if buf.strides != value.strides:
        return None
    return buf


class _Writer:
    """Source text for templates; non-literal constants become keyword defaults."""

    def __init__(self) -> None:
        self.consts: dict[str, Any] = {}
        self._ids: dict[int, str] = {}

    def bind(self, value: Any, prefix: str = "k") -> str:
        name = self._ids.get(id(value))
        if name is None or self.consts[name] is not value:
            name = f"{prefix}{len(self.consts)}"
            self.consts[name] = value
            self._ids[id(value)] = name
        return name

    def expr(self, t: Any) -> str:
        tt = type(t)
        if tt is Ref:
            return f"v{t.slot}"
        if tt is Const:
            return self.bind(t.value)
        if tt is tuple:
            inner = ", ".join(self.expr(x) for x in t)
            return f"({inner},)" if len(t) == 1 else f"({inner})"
        if tt is list:
            return "[" + ", ".join(self.expr(x) for x in t) + "]"
        if tt is dict:
            if all(type(k) is str for k in t):
                return "{" + ", ".join(f"{k!r}: {self.expr(v)}" for k, v in t.items()) + "}"
            return self.bind(t)
        if tt is slice:
            return f"slice({self.expr(t.start)}, {self.expr(t.stop)}, {self.expr(t.step)})"
        if t is None or tt is bool or tt is int or tt is str:
            return repr(t)
        if tt is float and math.isfinite(t):
            return repr(t)
        if t is Ellipsis:
            return "..."
        return self.bind(t)

    def key(self, t: Any) -> str:
        """An index expression (slices written as ``a:b:c``)."""
        if type(t) is tuple and t:
            return ", ".join(self._key_part(x) for x in t) + ("," if len(t) == 1 else "")
        return self._key_part(t)

    def _key_part(self, t: Any) -> str:
        if type(t) is slice:
            parts = ["" if p is None else self.expr(p) for p in (t.start, t.stop, t.step)]
            return f"{parts[0]}:{parts[1]}" + (f":{parts[2]}" if parts[2] else "")
        return self.expr(t)


def compile_recording(rec: Recording, output: Any) -> Program:
    """The straight-line function replaying ``rec``: inputs are the recording's input
    slots in order; it returns ``output`` (a template) built from the replayed slots."""
    outputs: set[int] = set()
    _refs(output, outputs)
    kept = _live_instructions(rec, outputs)
    escaping = [rec.values[s] for s in outputs if isinstance(rec.values[s], _ndarray)]
    w = _Writer()
    defined = set(rec.inputs)
    lines = []
    guards: list[Instruction] = []
    n_buffers = 0
    for ins in kept:
        _as_ufunc(ins, rec)
        new = [r for r in ins.results if r is not None and r not in defined]
        if ins.kind == "getitem":
            code = f"{w.expr(ins.args[0])}[{w.key(ins.args[1])}]"
        elif ins.fn is _T:
            code = f"{w.expr(ins.args[0])}.T"
        elif ins.kind == "setitem":
            lines.append(f"{w.expr(ins.args[0])}[{w.key(ins.args[1])}] = {w.expr(ins.args[2])}")
            continue
        else:
            defined_now = defined | set(new)
            buf = _buffered(ins, rec, escaping, defined_now)
            kwargs = dict(ins.kwargs)
            if buf is not None:
                kwargs["out"] = Const(buf)
                n_buffers += 1
            args = [w.expr(a) for a in ins.args]
            args += [f"{k}={w.expr(v)}" for k, v in kwargs.items()]
            code = f"{w.bind(ins.fn, 'f')}({', '.join(args)})"
        defined.update(new)
        if ins.shape == "one" and ins.results[0] is not None and ins.results[0] in new:
            lines.append(f"v{ins.results[0]} = {code}")
        elif ins.shape == "tuple":
            names = [f"v{r}" if r is not None and r in new else "_" for r in ins.results]
            lines.append(f"{', '.join(names)}, = {code}" if len(names) == 1
                         else f"{', '.join(names)} = {code}")
        else:
            lines.append(code)
        if ins.guard is not None:
            slot = ins.results[0]
            lines.append(f"if v{slot} != {w.expr(Const(ins.guard[0]))}: "
                         f"raise GuardFailed({len(guards)})")
            guards.append(ins)
    ret = _output_expr(output, w)
    params = ", ".join(f"v{s}" for s in rec.inputs)
    consts = ", ".join(f"{k}" for k in w.consts)
    header = f"def replay({params}{', *, ' + consts if consts else ''}):"
    body = [f"    {line}" for line in lines] + [f"    return {ret}"]
    source = "\n".join([header, *body]) + "\n"
    namespace: dict[str, Any] = {"GuardFailed": GuardFailed}
    exec(compile(source, "<numpy-replay>", "exec"), namespace)  # noqa: S102
    fn = namespace["replay"]
    fn.__kwdefaults__ = dict(w.consts) if w.consts else None
    n_calls = sum(1 for line in lines if not line.startswith("if "))
    return Program(fn, source, guards, n_calls, n_buffers)


def _output_expr(t: Any, w: _Writer) -> str:
    """The return expression; constant arrays are copied so callers never share them."""
    tt = type(t)
    if tt is Const:
        return f"{w.bind(t.value)}.copy()"
    if tt is tuple:
        inner = ", ".join(_output_expr(x, w) for x in t)
        return f"({inner},)" if len(t) == 1 else f"({inner})"
    if tt is list:
        return "[" + ", ".join(_output_expr(x, w) for x in t) + "]"
    if tt is dict:
        values = ", ".join(_output_expr(v, w) for v in t.values())
        return f"dict(zip({w.bind(tuple(t))}, [{values}]))"
    if isinstance(t, tuple) and hasattr(tt, "_fields"):  # a namedtuple
        return f"{w.bind(tt)}(" + ", ".join(_output_expr(x, w) for x in t) + ")"
    return w.expr(t)


__all__ = ["compile_recording", "Program", "GuardFailed"]
