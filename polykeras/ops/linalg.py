"""Products and norms: matmul, dot, tensordot, einsum, outer, norm.

Example:
    >>> from polykeras import ops
    >>> ops.shape(ops.matmul(ops.ones((8, 3, 4)), ops.ones((4, 5))))
    (8, 3, 5)
"""

from __future__ import annotations

from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import active as _active
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import as_int, axis_arg, normalize_axis
from polykeras.ops.core import as_float_tensor, as_tensor

__all__ = ["matmul", "dot", "tensordot", "einsum", "outer", "norm"]


def _shape_or_none(b: Any, x: Any) -> tuple[int, ...] | None:
    try:
        return tuple(b.shape(as_tensor(b, x)))
    except Exception:  # noqa: BLE001
        return None


def _broadcastable(a: tuple[int, ...], c: tuple[int, ...]) -> bool:
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(a), reversed(c), strict=False))


def _matmul_problem(a: tuple[int, ...], c: tuple[int, ...]) -> str | None:
    if not a or not c:
        return "both inputs must have rank >= 1 (use multiply for scalars)"
    k1 = a[-1]
    k2 = c[-2] if len(c) >= 2 else c[0]
    if k1 != k2:
        where = "second-to-last" if len(c) >= 2 else "only"
        return (f"the last dimension of x1 ({k1}) must equal the {where} dimension of x2 "
                f"({k2})")
    if not _broadcastable(a[:-2], c[:-2]):
        return f"the batch dimensions {a[:-2]} and {c[:-2]} do not broadcast"
    return None


def matmul(x1: Any, x2: Any) -> Tensor:
    """Matrix product with NumPy ``matmul`` rules (batched, 1-D operands allowed).

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.matmul(ops.ones((2, 3)), ops.ones((3, 4))))
        (2, 4)
    """
    b = _active() or _backend()
    try:
        return b.matmul(x1, x2)
    except Exception as exc:
        _raise_product_error(b, "matmul", x1, x2, exc)
        raise


def _raise_product_error(b: Any, op: str, x1: Any, x2: Any, exc: Exception) -> None:
    a, c = _shape_or_none(b, x1), _shape_or_none(b, x2)
    if a is None or c is None:
        return
    problem = _matmul_problem(a, c)
    if problem is None:
        return
    raise ValueError(
        f"{op}: incompatible shapes {a} and {c}: {problem}. Reshape or transpose an "
        "operand so the contracted dimensions agree."
    ) from exc


def _dot_problem(a: tuple[int, ...], c: tuple[int, ...]) -> str | None:
    if not a or not c:
        return None
    k2 = c[-2] if len(c) >= 2 else c[0]
    if a[-1] != k2:
        where = "second-to-last" if len(c) >= 2 else "only"
        return (f"the last dimension of x1 ({a[-1]}) must equal the {where} dimension of "
                f"x2 ({k2})")
    return None


def dot(x1: Any, x2: Any) -> Tensor:
    """NumPy ``dot``: products of scalars, inner products of vectors, matrix products,
    and for N-D inputs a sum over the last axis of ``x1`` and the second-to-last of ``x2``.
    """
    b = _backend()
    fast = getattr(b, "dot", None)
    if fast is not None:
        try:
            return fast(x1, x2)
        except Exception as exc:
            s1, s2 = _shape_or_none(b, x1), _shape_or_none(b, x2)
            if s1 is None or s2 is None:
                raise
            if not s1 or not s2:
                return b.multiply(x1, x2)
            problem = _dot_problem(s1, s2)
            if problem is None:
                raise
            raise ValueError(f"dot: incompatible shapes {s1} and {s2}: {problem}.") from exc
    x1, x2 = as_tensor(b, x1), as_tensor(b, x2)
    s1, s2 = b.shape(x1), b.shape(x2)
    if not s1 or not s2:
        return b.multiply(x1, x2)
    problem = _dot_problem(s1, s2)
    if problem is not None:
        raise ValueError(f"dot: incompatible shapes {s1} and {s2}: {problem}.")
    if len(s2) <= 2:
        return b.matmul(x1, x2)
    return _tensordot(b, x1, x2, [len(s1) - 1], [len(s2) - 2], s1, s2)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """Sum of products over ``axes``: an int N (last N of ``x1`` with first N of ``x2``)
    or a pair of axis lists.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.tensordot(ops.ones((2, 3, 4)), ops.ones((3, 4, 5)), axes=2))
        (2, 5)
    """
    b = _backend()
    fast = getattr(b, "tensordot", None)
    if fast is not None:
        return fast(x1, x2, axes=axes)
    x1, x2 = as_tensor(b, x1), as_tensor(b, x2)
    s1, s2 = b.shape(x1), b.shape(x2)
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(
                f"tensordot: `axes` must be an int or a pair of axis lists, received {axes!r}."
            )
        ax1, ax2 = axes
        ax1 = [ax1] if not isinstance(ax1, (list, tuple)) else list(ax1)
        ax2 = [ax2] if not isinstance(ax2, (list, tuple)) else list(ax2)
        ax1 = [normalize_axis(as_int(a, "axes", "tensordot"), len(s1), "tensordot") for a in ax1]
        ax2 = [normalize_axis(as_int(a, "axes", "tensordot"), len(s2), "tensordot") for a in ax2]
    else:
        n = as_int(axes, "axes", "tensordot")
        if n < 0 or n > len(s1) or n > len(s2):
            raise ValueError(
                f"tensordot: axes={n} is invalid for shapes {s1} and {s2}."
            )
        ax1 = list(range(len(s1) - n, len(s1)))
        ax2 = list(range(n))
    if len(ax1) != len(ax2) or any(s1[i] != s2[j] for i, j in zip(ax1, ax2, strict=True)):
        raise ValueError(
            f"tensordot: shapes {s1} and {s2} do not agree on the contracted axes "
            f"{ax1} and {ax2}."
        )
    return _tensordot(b, x1, x2, ax1, ax2, s1, s2)


def _tensordot(b: Any, x1: Tensor, x2: Tensor, ax1: list[int], ax2: list[int],
               s1: tuple[int, ...], s2: tuple[int, ...]) -> Tensor:
    free1 = [i for i in range(len(s1)) if i not in ax1]
    free2 = [i for i in range(len(s2)) if i not in ax2]
    k = 1
    for i in ax1:
        k *= s1[i]
    perm1 = free1 + ax1
    perm2 = ax2 + free2
    if perm1 != list(range(len(s1))):
        x1 = b.transpose(x1, tuple(perm1))
    if perm2 != list(range(len(s2))):
        x2 = b.transpose(x2, tuple(perm2))
    out_shape = tuple(s1[i] for i in free1) + tuple(s2[i] for i in free2)
    m = 1
    for i in free1:
        m *= s1[i]
    n = 1
    for i in free2:
        n *= s2[i]
    out = b.matmul(b.reshape(x1, (m, k)), b.reshape(x2, (k, n)))
    return b.reshape(out, out_shape)


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Tensor:
    """Einstein summation, e.g. ``einsum("bij,bjk->bik", a, c)``.

    Extra keyword arguments (``optimize`` ...) are accepted and ignored.
    """
    b = _backend()
    try:
        return b.einsum(subscripts, *operands)
    except Exception as exc:
        shapes = [_shape_or_none(b, o) for o in operands]
        raise ValueError(
            f"einsum: could not evaluate {subscripts!r} for operand shapes "
            f"{', '.join(map(str, shapes))}: {exc}"
        ) from exc


def outer(x1: Any, x2: Any) -> Tensor:
    """Outer product of two tensors (both flattened first)."""
    b = _backend()
    return b.multiply(b.reshape(x1, (-1, 1)), b.reshape(x2, (1, -1)))


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector or matrix norm (NumPy ``linalg.norm``).

    Vector ``ord``: None/2, 1, inf, -inf, 0 or any p. Matrix ``ord`` (2 axes): None/"fro",
    1, -1, inf, -inf.

    Example:
        >>> from polykeras import ops
        >>> float(ops.norm([3.0, 4.0]))
        5.0
    """
    b = _backend()
    axis = axis_arg(axis, "norm")
    fast = getattr(b, "norm", None)
    if fast is not None:
        return fast(x, ord=ord, axis=axis, keepdims=keepdims)
    x = as_float_tensor(b, x)
    rank = len(b.shape(x))
    if axis is None:
        if ord is None or ord == "fro" and rank == 2:
            out = b.sqrt(b.sum(b.square(x), axis=None, keepdims=keepdims))
            return out
        if rank == 1:
            axis = 0
        elif rank == 2:
            axis = (0, 1)
        else:
            raise ValueError(
                f"norm: with ord={ord!r} and axis=None the input must be 1-D or 2-D, "
                f"received rank {rank}. Pass `axis`."
            )
    if isinstance(axis, int) or len(axis) == 1:
        a = axis if isinstance(axis, int) else axis[0]
        return _vector_norm(b, x, ord, normalize_axis(a, rank, "norm"), keepdims)
    if len(axis) == 2:
        a0, a1 = (normalize_axis(a, rank, "norm") for a in axis)
        return _matrix_norm(b, x, ord, a0, a1, keepdims)
    raise ValueError(f"norm: `axis` must be an int or a pair of ints, received {axis!r}.")


def _vector_norm(b: Any, x: Tensor, ord: Any, axis: int, keepdims: bool) -> Tensor:  # noqa: A002
    inf = float("inf")
    if ord is None or ord == 2:
        return b.sqrt(b.sum(b.square(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(
            f"norm: ord={ord!r} is a matrix norm; pass two axes, or a numeric ord for "
            "vectors."
        )
    if ord == inf:
        return b.max(b.abs(x), axis=axis, keepdims=keepdims)
    if ord == -inf:
        return b.min(b.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return b.cast(b.sum(b.cast(b.not_equal(x, 0.0), "int32"), axis=axis,
                            keepdims=keepdims), b.dtype(x))
    if ord == 1:
        return b.sum(b.abs(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    s = b.sum(b.power(b.abs(x), p), axis=axis, keepdims=keepdims)
    return b.power(s, 1.0 / p)


def _matrix_norm(b: Any, x: Tensor, ord: Any, a0: int, a1: int, keepdims: bool) -> Tensor:  # noqa: A002
    inf = float("inf")
    if a0 == a1:
        raise ValueError(f"norm: the two axes must differ, received ({a0}, {a1}).")
    if ord is None or ord == "fro":
        return b.sqrt(b.sum(b.square(x), axis=(a0, a1), keepdims=keepdims))
    if ord in (1, -1, inf, -inf):
        # 1-norms reduce rows first (column sums), inf-norms columns first (row sums).
        first, second = (a0, a1) if ord in (1, -1) else (a1, a0)
        sums = b.sum(b.abs(x), axis=first, keepdims=True)
        red = b.max if ord in (1, inf) else b.min
        out = red(sums, axis=second, keepdims=True)
        return out if keepdims else b.squeeze(out, (a0, a1))
    raise ValueError(
        f"norm: matrix ord={ord!r} is not supported (it needs singular values). Supported "
        "matrix ords: None, 'fro', 1, -1, inf, -inf."
    )
