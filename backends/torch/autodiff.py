"""Gradients (torch.autograd over pytrees), ``jit`` and ``stop_gradient``.

Example:
    >>> b = TorchBackend()
    >>> g = b.value_and_grad(lambda p: (p["w"] * p["w"]).sum())
    >>> value, grads = g({"w": torch.tensor([1.0, 2.0])})
    >>> value, grads["w"]
    (tensor(5.), tensor([2., 4.]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .core import Tensor, to_tensor

_COMPILE_OPTIONS = ("mode", "fullgraph", "dynamic", "backend", "options")


def tree_flatten(tree: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """Leaves of a pytree (nested lists/tuples/dicts) and a function rebuilding it.

    ``None`` is an empty subtree; dict leaves follow the dict's insertion order.

    Example:
        >>> leaves, rebuild = tree_flatten({"a": [1, 2], "b": 3})
        >>> leaves, rebuild([4, 5, 6])
        ([1, 2, 3], {'a': [4, 5], 'b': 6})
    """
    if type(tree) is list:  # a flat list of tensors (the trainer's parameters)
        for item in tree:
            if type(item) is not Tensor:
                break
        else:
            return list(tree), list
    leaves: list[Any] = []

    def walk(node: Any) -> Any:
        if node is None:
            return None
        if isinstance(node, (list, tuple)):
            specs = [walk(child) for child in node]
            kind = type(node)
            if kind is list:
                return ("list", specs)
            if kind is tuple:
                return ("tuple", specs)
            return ("seq", kind, specs)
        if isinstance(node, dict):
            return ("dict", type(node), list(node), [walk(v) for v in node.values()])
        leaves.append(node)
        return "leaf"

    spec = walk(tree)

    def rebuild(values: list[Any]) -> Any:
        it = iter(values)

        def build(s: Any) -> Any:
            if s is None:
                return None
            if s == "leaf":
                return next(it)
            tag = s[0]
            if tag == "list":
                return [build(c) for c in s[1]]
            if tag == "tuple":
                return tuple(build(c) for c in s[1])
            if tag == "seq":
                kind, children = s[1], [build(c) for c in s[2]]
                return kind(*children) if hasattr(kind, "_fields") else kind(children)
            kind, keys, children = s[1], s[2], s[3]
            return kind(zip(keys, [build(c) for c in children], strict=True))

        return build(spec)

    return leaves, rebuild


def _detach_tree(tree: Any) -> Any:
    if isinstance(tree, Tensor):
        return tree.detach()
    if tree is None or not isinstance(tree, (list, tuple, dict)):
        return tree
    leaves, rebuild = tree_flatten(tree)
    return rebuild([leaf.detach() if isinstance(leaf, Tensor) else leaf for leaf in leaves])


#: How many ``value_and_grad`` functions are running (nested calls keep history).
_depth = [0]


def _run(fn: Callable[..., Any], params: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
         has_aux: bool, targets: list[Tensor],
         nested: bool) -> tuple[Tensor, Any, tuple[Tensor | None, ...]]:
    """Evaluate ``fn`` with autograd on and differentiate its value w.r.t. ``targets``."""
    with torch.enable_grad():
        out = fn(params, *args, **kwargs)
        if has_aux:
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ValueError(
                    "value_and_grad(has_aux=True) expects fn to return (value, aux); "
                    f"received {type(out).__name__}."
                )
            value, aux = out
        else:
            value, aux = out, None
        value = to_tensor(value)
        if value.numel() != 1:
            raise ValueError(
                "value_and_grad expects fn to return a scalar; received a value of shape "
                f"{tuple(value.shape)}. Reduce it (e.g. with ops.mean) first."
            )
        if targets and value.requires_grad:
            found = torch.autograd.grad(value, targets, allow_unused=True,
                                        create_graph=nested)
        else:
            found = (None,) * len(targets)
    return value, aux, found


class AutodiffOps:
    """``value_and_grad``, ``jit`` and ``stop_gradient``."""

    def value_and_grad(self, fn: Callable[..., Any],
                       has_aux: bool = False) -> Callable[..., Any]:
        """``g(params, *args) -> (value, grads)`` (or ``((value, aux), grads)``).

        ``grads`` mirrors ``params``; leaves ``value`` does not depend on (and integer
        leaves) get zeros. ``value`` and ``aux`` are detached. Called inside another
        ``value_and_grad``'s ``fn``, the results keep their history instead, so that
        the outer gradient flows through them (higher-order gradients).
        """

        def value_and_grad_fn(params: Any, *args: Any, **kwargs: Any) -> Any:
            nested = _depth[0] > 0
            if isinstance(params, Tensor):
                leaves, rebuild = [params], None
            else:
                leaves, rebuild = tree_flatten(params)
            inputs: list[Tensor] = []
            watched: list[int] = []
            for i, leaf in enumerate(leaves):
                t = to_tensor(leaf)
                if t.is_floating_point():
                    if not (nested and t.requires_grad):
                        t = t.detach().requires_grad_(True)
                    watched.append(i)
                inputs.append(t)
            call_params = inputs[0] if rebuild is None else rebuild(inputs)
            _depth[0] += 1
            try:
                value, aux, found = _run(fn, call_params, args, kwargs, has_aux,
                                         [inputs[i] for i in watched], nested)
            finally:
                _depth[0] -= 1
            grads: list[Tensor] = [None] * len(inputs)  # type: ignore[list-item]
            for i, g in zip(watched, found, strict=True):
                grads[i] = g
            for i, g in enumerate(grads):
                if g is None:
                    grads[i] = torch.zeros_like(inputs[i])
            grad_tree = grads[0] if rebuild is None else rebuild(grads)
            if not nested:
                value = value.detach()
                aux = _detach_tree(aux)
            if has_aux:
                return (value, aux), grad_tree
            return value, grad_tree

        return value_and_grad_fn

    def jit(self, fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        """``fn`` itself (torch runs eagerly), or ``torch.compile(fn)`` with ``compile=True``.

        Example:
            >>> f = lambda x: x + 1
            >>> TorchBackend().jit(f) is f
            True
        """
        if not options.get("compile"):
            return fn
        kwargs = {k: options[k] for k in _COMPILE_OPTIONS if k in options}
        return torch.compile(fn, **kwargs)

    def stop_gradient(self, x: Any) -> Tensor:
        """``x`` without gradient history (gradients do not flow through it)."""
        return to_tensor(x).detach()
