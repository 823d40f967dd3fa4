"""The overridable steps of a Model: ``train_step``, ``test_step``, ``predict_step``,
``compute_loss``, ``compute_metrics``, and how ``fit`` runs a step a user wrote.

A custom ``train_step(self, data)`` is written once with :func:`polykeras.ops.value_and_grad`
and ``optimizer.apply`` and runs on every backend. Where the backend compiles (jax,
tensorflow), ``fit`` runs the first step eagerly (so that optimizers and metrics create
their variables), then compiles the step as a pure function of every variable the model
reaches: its weights, its optimizers (``self.optimizer`` and any optimizer assigned as an
attribute) and its metrics.

Example:
    >>> import numpy as np, polykeras
    >>> from polykeras import ops
    >>> class Custom(polykeras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.dense = polykeras.layers.Dense(1)
    ...         self.tracker = polykeras.metrics.Mean(name="my_loss")
    ...     def call(self, x):
    ...         return self.dense(x)
    ...     def train_step(self, data):
    ...         x, y = data
    ...         def loss_fn():
    ...             return ops.mean(ops.square(self(x, training=True) - y))
    ...         loss, grads = ops.value_and_grad(loss_fn, self.trainable_variables)()
    ...         self.optimizer.apply(grads, self.trainable_variables)
    ...         self.tracker.update_state(loss)
    ...         return {"my_loss": self.tracker.result()}
    >>> model = Custom()
    >>> model.compile(optimizer="sgd")
    >>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
    >>> sorted(history.history)
    ['my_loss']
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from polykeras.layers.graph import flatten

if TYPE_CHECKING:
    from polykeras.variables import Variable


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """The batch a step receives, as Keras packs it: ``x``, ``(x, y)`` or ``(x, y, sw)``.

    Example:
        >>> pack_x_y_sample_weight(1, 2)
        (1, 2)
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` from a batch (missing parts are None).

    Example:
        >>> unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "A batch must be x, (x,), (x, y) or (x, y, sample_weight); received a tuple of "
        f"{len(data)} elements."
    )


def logs_to_python(backend: Any, logs: Mapping[str, Any]) -> dict[str, Any]:
    """Step logs (tensors) as Python floats (lists for non-scalar values)."""
    out: dict[str, Any] = {}
    for key, value in logs.items():
        arr = np.asarray(backend.convert_to_numpy(getattr(value, "value", value)))
        out[key] = float(arr) if arr.size == 1 else arr.tolist()
    return out


def check_step_logs(backend: Any, logs: Any, method: str) -> dict[str, Any]:
    """The dict a step returned, with tensor values; a clear error for anything else."""
    if not isinstance(logs, Mapping):
        raise TypeError(
            f"{method}() must return a dict of logs such as {{'loss': loss}} (metric "
            f"name -> scalar), received {type(logs).__name__}: {logs!r}. Return e.g. "
            "{m.name: m.result() for m in self.metrics}."
        )
    out: dict[str, Any] = {}
    for key, value in logs.items():
        value = getattr(value, "value", value)  # a Variable
        if isinstance(value, Mapping):
            out.update(check_step_logs(backend, value, method))
            continue
        if not backend.is_tensor(value):
            value = backend.convert_to_tensor(value)
        out[str(key)] = value
    return out


def _batch_size(x: Any) -> int:
    return int(flatten(x)[0].shape[0])


class StepMethods:
    """The Keras 3 step API, mixed into :class:`polykeras.trainer.Trainer`."""

    if TYPE_CHECKING:
        _backend: Any
        _compile_metrics: Any
        _compile_loss: Any
        optimizer: Any
        compiled: bool
        name: str

        @property
        def trainable_variables(self) -> list[Variable]: ...
        @property
        def losses(self) -> list[Any]: ...
        @property
        def metrics(self) -> list[Any]: ...
        def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any: ...

    # ------------------------------------------------------------------ steps
    def train_step(self, data: Any) -> dict[str, Any]:
        """One training step on a batch; returns the logs (``{name: value}``).

        Override it for custom training; write the gradient part with
        :func:`polykeras.ops.value_and_grad` and ``self.optimizer.apply`` so that the
        same step runs on every backend. See the module docstring.
        """
        from polykeras.ops.gradients import value_and_grad

        x, y, sample_weight = unpack_x_y_sample_weight(data)

        def forward() -> Any:
            y_pred = self(x, training=True)
            return self._call_compute_loss(x, y, y_pred, sample_weight, True), y_pred

        variables = self.trainable_variables
        (loss, y_pred), grads = value_and_grad(forward, variables, has_aux=True)()
        self.optimizer.apply(grads, variables)
        self._compile_metrics.loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict[str, Any]:
        """One evaluation step on a batch; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._call_compute_loss(x, y, y_pred, sample_weight, False)
        self._compile_metrics.loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        """The model's outputs for one batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None, training: bool = True) -> Any:
        """The total loss: the compiled loss plus the model's added losses
        (:attr:`losses`: ``add_loss`` terms and weight regularization)."""
        from polykeras import ops

        total = None
        if self._compile_loss.losses:
            total = self._compile_loss.total(y, y_pred, sample_weight)
        for extra in self.losses:
            extra = ops.sum(extra)
            total = extra if total is None else ops.add(total, extra)
        if total is None:
            raise ValueError(
                f"Model {self.name!r} has no loss to compute: compile() was called without "
                "a `loss` and the model added none with add_loss(). Pass e.g. "
                "compile(loss='mse'), add losses in call(), or override train_step / "
                "compute_loss."
            )
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any,
                        sample_weight: Any = None) -> dict[str, Any]:
        """Update the compiled metrics and return every metric's result."""
        self._compile_metrics.update_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, Any]:
        """``{name: result}`` for each metric in :attr:`metrics`."""
        out: dict[str, Any] = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, Mapping):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    def reset_metrics(self) -> None:
        """Reset the state of every metric (``fit`` does it at each epoch start)."""
        if self.compiled:
            self._compile_metrics.reset()
        for metric in self._tracked_metric_objects():
            metric.reset_state()

    def _tracked_metric_objects(self) -> list[Any]:
        compiled = set()
        if self.compiled:
            compiled = {id(m) for m in self._compile_metrics.metrics}
            compiled.add(id(self._compile_metrics.loss_tracker))
        return [m for m in self.metrics if id(m) not in compiled]

    def _call_compute_loss(self, x: Any, y: Any, y_pred: Any, sample_weight: Any,
                           training: bool) -> Any:
        method = self.compute_loss
        if _accepts_training(type(self).compute_loss):
            loss = method(x, y, y_pred, sample_weight, training=training)
        else:
            loss = method(x, y, y_pred, sample_weight)
        if loss is None:
            raise ValueError(
                f"{type(self).__name__}.compute_loss() returned None; it must return the "
                "scalar loss tensor (e.g. the sum of its loss terms)."
            )
        return loss

    # ------------------------------------------------------------------ running user steps
    def _custom_step(self, kind: str) -> bool:
        """Whether ``kind`` ("train", "test", "predict") runs through the step methods
        (some are overridden) instead of the built-in fused step."""
        cls = type(self)
        if kind == "predict":
            return cls.predict_step is not StepMethods.predict_step
        step = cls.train_step if kind == "train" else cls.test_step
        return (step is not getattr(StepMethods, f"{kind}_step")
                or cls.compute_loss is not StepMethods.compute_loss
                or cls.compute_metrics is not StepMethods.compute_metrics)

    def _attached_optimizers(self) -> list[Any]:
        from polykeras.optimizers.base import Optimizer

        found = [self.optimizer] if self.optimizer is not None else []
        for value in vars(self).values():
            if isinstance(value, Optimizer) and not any(value is o for o in found):
                found.append(value)
        return found

    def _custom_state(self) -> list[Variable]:
        """Every variable a custom step may read or write."""
        tv, ntv, _, mv = self._state_variables()  # type: ignore[attr-defined]
        out = list(tv) + list(ntv)
        for opt in self._attached_optimizers():
            out.extend(opt.variables)
        out.extend(mv)
        for metric in self.metrics:
            out.extend(metric.variables)
        seen: set[int] = set()
        unique = []
        for v in out:
            if id(v) not in seen:
                seen.add(id(v))
                unique.append(v)
        return unique

    def _make_custom_function(self, kind: str) -> Any:
        """``run(data)`` for a step written by the user; returns its logs (or outputs)."""
        b = self._backend
        name = f"{kind}_step"
        method = getattr(self, name)

        def body(data: Any) -> Any:
            out = method(data)
            if kind == "predict":
                return out
            return check_step_logs(b, out, f"{type(self).__name__}.{name}")

        def first_run(data: Any) -> Any:
            """The first step runs eagerly: it creates lazily built state and lets a
            step that trains nothing be reported."""
            before = self._trained_state() if kind == "train" else None
            out = body(self._to_backend(data))  # type: ignore[attr-defined]
            after = self._trained_state() if before is not None else []
            if before is not None and len(before) == len(after) and all(
                    a is b for a, b in zip(before, after)):
                raise ValueError(
                    f"{type(self).__name__}.train_step updated no variable. A training "
                    "step must apply gradients, e.g. `loss, grads = ops.value_and_grad("
                    "loss_fn, self.trainable_variables)()` then "
                    "`self.optimizer.apply(grads, self.trainable_variables)`, and return "
                    "a dict of logs."
                )
            return out

        if not self._compiles():  # type: ignore[attr-defined]
            state = {"first": True}

            def run_eager(data: Any) -> Any:
                if state["first"]:
                    state["first"] = False
                    return first_run(data)
                return body(data)

            return run_eager

        compiled: list[Any] = []

        def run(data: Any) -> Any:
            if compiled:
                return compiled[0](data)
            out = first_run(data)
            variables = self._custom_state()
            written = [] if kind == "predict" else variables
            compiled.append(self._as_pure_function(  # type: ignore[attr-defined]
                body, variables, written, check_writes=name))
            return out

        return run

    def _trained_state(self) -> list[Any]:
        """The current value objects of the weights and optimizer variables (a step
        that trains replaces some of them)."""
        values = [v._value for v in self.trainable_variables]
        for opt in self._attached_optimizers():
            values.extend(v._value for v in opt.variables)
        return values


_TRAINING_ARG: dict[Any, bool] = {}


def _accepts_training(fn: Any) -> bool:
    known = _TRAINING_ARG.get(fn)
    if known is None:
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):  # pragma: no cover
            params = {}  # type: ignore[assignment]
        known = "training" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        _TRAINING_ARG[fn] = known
    return known
