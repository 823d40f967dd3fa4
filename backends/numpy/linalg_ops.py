"""Matrix products with gradients: ``matmul`` (batched, 1-D cases) and ``einsum``.

Example:
    >>> import numpy as np
    >>> matmul(np.ones((2, 3), np.float32), np.ones(3, np.float32))
    array([3., 3.], dtype=float32)
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .autodiff import record
from .conversion import unwrap2, unwrap_many


def _swap(x: np.ndarray) -> np.ndarray:
    return x.swapaxes(-1, -2)


def matmul(x1: Any, x2: Any) -> Any:
    """NumPy ``matmul``: batched, with 1-D operands promoted as NumPy does.

    Example:
        >>> matmul(np.eye(2, dtype=np.float32), np.ones((2, 2), np.float32)).shape
        (2, 2)
    """
    a, b, n1, n2 = unwrap2(x1, x2)
    out = np.matmul(a, b)
    if n1 is None and n2 is None:
        return out

    def vjp(g):
        ad, bd = a.ndim, b.ndim
        if ad == 1 and bd == 1:
            return (g * b if n1 is not None else None, g * a if n2 is not None else None)
        ga = gb = None
        g2 = g
        if ad == 1:
            g2 = np.expand_dims(g2, -2)
        if bd == 1:
            g2 = np.expand_dims(g2, -1)
        if n1 is not None:
            b2 = b[:, None] if bd == 1 else b
            ga = np.matmul(g2, _swap(b2))
            if ad == 1:
                ga = ga[..., 0, :]
        if n2 is not None:
            if bd == 2 and ad > 2:
                # one large product instead of a batch of products summed afterwards
                k = a.shape[-1]
                a2d = a.reshape(-1, k)
                gb = np.matmul(a2d.T, g2.reshape(-1, g2.shape[-1]))
            else:
                a2 = a[None, :] if ad == 1 else a
                gb = np.matmul(_swap(a2), g2)
                if bd == 1:
                    gb = gb[..., 0]
        return ga, gb

    return record(out, (n1, n2), vjp)


# --------------------------------------------------------------------------- einsum
def _explicit(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Input terms and output term with ``...`` replaced by letters."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        lhs, out = s.split("->")
    else:
        lhs, out = s, None
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum subscripts {subscripts!r} name {len(terms)} operands but "
            f"{len(shapes)} were passed. Pass one operand per comma-separated term."
        )
    free = [c for c in string.ascii_letters if c not in s]
    ell_nd = 0
    for t, shp in zip(terms, shapes, strict=True):
        if "..." in t:
            ell_nd = max(ell_nd, len(shp) - (len(t) - 3))
    ell = "".join(free[:ell_nd])
    new_terms = []
    for t, shp in zip(terms, shapes, strict=True):
        if "..." in t:
            nd = len(shp) - (len(t) - 3)
            t = t.replace("...", ell[ell_nd - nd:])
        new_terms.append(t)
    if out is None:
        counts: dict[str, int] = {}
        for t in new_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return new_terms, out


def _einsum_vjp(terms: list[str], out_term: str, arrays: list[np.ndarray],
                nodes: list[Any]) -> Any:
    def vjp(g):
        grads = []
        for i, (term, arr, node) in enumerate(zip(terms, arrays, nodes, strict=True)):
            if node is None:
                grads.append(None)
                continue
            if len(set(term)) != len(term):
                raise NotImplementedError(
                    f"The numpy backend cannot differentiate einsum term {term!r} with a "
                    "repeated index (a diagonal). Use ops.diagonal or another backend."
                )
            others = [t for j, t in enumerate(terms) if j != i]
            present = set(out_term).union(*others) if others else set(out_term)
            kept = "".join(c for c in term if c in present)
            ops = [g] + [a for j, a in enumerate(arrays) if j != i]
            spec = ",".join([out_term] + others) + "->" + kept
            gi = np.einsum(spec, *ops, optimize=len(ops) > 2)
            if kept != term:
                shape = [arr.shape[k] if c in kept else 1 for k, c in enumerate(term)]
                gi = np.broadcast_to(gi.reshape(shape), arr.shape)
            grads.append(gi)
        return tuple(grads)

    return vjp


def einsum(subscripts: str, *operands: Any) -> Any:
    """Einstein summation (NumPy rules, ``...`` broadcasting), differentiable.

    Example:
        >>> einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
        (2, 4)
    """
    arrays, nodes = unwrap_many(operands)
    out = np.einsum(subscripts, *arrays, optimize=len(arrays) > 1)
    if all(n is None for n in nodes):
        return out
    terms, out_term = _explicit(subscripts, [a.shape for a in arrays])
    return record(out, tuple(nodes), _einsum_vjp(terms, out_term, arrays, nodes))


def dot(x1: Any, x2: Any) -> Any:
    """NumPy ``dot``: matmul for 1-D/2-D, sum over last/second-to-last axes otherwise."""
    a, b, _, _ = unwrap2(x1, x2)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        from .math_ops import multiply

        return multiply(x1, x2)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(x1, x2)
    letters = string.ascii_letters
    ta = letters[: a.ndim]
    if b.ndim == 1:
        return einsum(f"{ta},{ta[-1]}->{ta[:-1]}", x1, x2)
    tb = letters[a.ndim: a.ndim + b.ndim - 2] + ta[-1] + letters[a.ndim + b.ndim - 2]
    return einsum(f"{ta},{tb}->{ta[:-1]}{tb[:-2]}{tb[-1]}", x1, x2)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Any:
    """NumPy ``tensordot`` (``axes`` an int or a pair of axis lists), differentiable."""
    a, b, _, _ = unwrap2(x1, x2)
    if isinstance(axes, int):
        ax_a = list(range(a.ndim - axes, a.ndim))
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    letters = iter(string.ascii_letters)
    ta = [next(letters) for _ in range(a.ndim)]
    tb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(ax_a, ax_b, strict=True):
        tb[j] = ta[i]
    out = [c for k, c in enumerate(ta) if k not in ax_a]
    out += [c for k, c in enumerate(tb) if k not in ax_b]
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", x1, x2)
