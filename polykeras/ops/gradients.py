"""``value_and_grad``: the gradient part of a custom ``train_step``, written once.

The same code runs on NumPy (the reverse-mode tape), PyTorch (autograd), JAX
(``jax.value_and_grad``) and TensorFlow, eagerly or inside the compiled step: the
function reads the variables, the adapter differentiates it, and the gradients come back
in the order of the variables, ready for ``optimizer.apply(grads, variables)``.

Example:
    >>> import polykeras
    >>> from polykeras import ops
    >>> w = polykeras.Variable([1.0, 2.0])
    >>> loss, grads = ops.value_and_grad(lambda: ops.sum(w * w), [w])()
    >>> float(loss), ops.convert_to_numpy(grads[0]).tolist()
    (5.0, [2.0, 4.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from polykeras.backend import selection
from polykeras.variables import StatelessScope, Variable

__all__ = ["value_and_grad"]


def value_and_grad(fn: Callable[..., Any], variables: Sequence[Variable] | None = None,
                   has_aux: bool = False) -> Callable[..., Any]:
    """A function returning ``fn``'s value and its gradients.

    With ``variables`` (the usual form in a custom ``train_step``), ``fn(*args)`` reads
    them (for example by calling a model) and the returned function gives
    ``(value, grads)`` with one gradient per variable, in order. Variables that ``fn``
    assigns (batch-norm statistics, random-generator states) keep their new values.
    Without ``variables``, it differentiates with respect to ``fn``'s first argument, a
    tensor or a list/dict of tensors, as ``jax.value_and_grad`` does.

    Args:
        fn: returns a scalar loss, or ``(loss, aux)`` with ``has_aux=True``.
        variables: the :class:`polykeras.Variable` s to differentiate with respect to,
            e.g. ``model.trainable_variables``.
        has_aux: whether ``fn`` returns ``(loss, aux)``; then the result is
            ``((loss, aux), grads)``.

    Example:
        >>> def train_step(self, data):  # doctest: +SKIP
        ...     x, y = data
        ...     def loss_fn():
        ...         y_pred = self(x, training=True)
        ...         return self.compute_loss(x, y, y_pred)
        ...     grad_fn = ops.value_and_grad(loss_fn, self.trainable_variables)
        ...     loss, grads = grad_fn()
        ...     self.optimizer.apply(grads, self.trainable_variables)
        ...     return {"loss": loss}
    """
    if not callable(fn):
        raise TypeError(f"value_and_grad expects a function, received {type(fn).__name__}.")
    if variables is None:
        def direct(*args: Any, **kwargs: Any) -> Any:
            return selection.current().value_and_grad(fn, has_aux=has_aux)(*args, **kwargs)

        return direct
    if isinstance(variables, Variable):
        variables = [variables]
    variables = list(variables)
    for v in variables:
        if not isinstance(v, Variable):
            raise TypeError(
                "value_and_grad(fn, variables) expects a list of polykeras Variables (e.g. "
                f"model.trainable_variables), received an element of type {type(v).__name__}."
            )
    if not variables:
        raise ValueError(
            "value_and_grad received no variables to differentiate with respect to. Pass "
            "e.g. model.trainable_variables (is the model built and trainable?)."
        )
    backend = variables[0]._backend
    positions = {id(v): i for i, v in enumerate(variables)}

    def with_gradients(*args: Any, **kwargs: Any) -> Any:
        updated: list[Variable] = []

        def pure(params: list[Any], *a: Any, **k: Any) -> Any:
            with StatelessScope(zip(variables, params)) as scope:
                out = fn(*a, **k)
                changed = [(v, val) for v, val in scope.values.items()
                           if id(v) not in positions or val is not params[positions[id(v)]]]
            if has_aux:
                if not isinstance(out, (tuple, list)) or len(out) != 2:
                    raise ValueError(
                        "value_and_grad(fn, has_aux=True): fn must return (loss, aux), "
                        f"received {type(out).__name__}."
                    )
                value, aux = out
            else:
                value, aux = out, None
            if value is None:
                raise ValueError(
                    "value_and_grad: fn returned None; it must return the scalar loss "
                    "(e.g. the result of self.compute_loss(...))."
                )
            updated[:] = [v for v, _ in changed if id(v) not in positions]
            return value, (aux, [val for v, val in changed if id(v) not in positions])

        params = [v.value for v in variables]
        with selection.use(backend):
            (value, (aux, new_values)), grads = backend.value_and_grad(pure, has_aux=True)(
                params, *args, **kwargs)
        for v, val in zip(updated, new_values):
            v.assign(val)
        return ((value, aux) if has_aux else value), list(grads)

    return with_gradients
