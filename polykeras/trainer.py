"""The one compile/fit/evaluate/predict, for every backend.

Each step is a pure function of the state (trainable, non-trainable, optimizer and
metric variables) and a batch. It is written once with ``backend.value_and_grad`` and the
optimizer's eager-style ``apply`` run inside a :class:`StatelessScope`, and compiled once
with ``backend.jit`` (identity on eager backends). After a step, the new state is written
back into the variables (a reference swap, no copy).

Example:
    >>> import numpy as np, polykeras
    >>> model = polykeras.Sequential([polykeras.layers.Dense(1, input_shape=(3,))])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0)
    >>> len(history.history["loss"])
    2
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from polykeras import activations
from polykeras.backend import selection
from polykeras.compile_utils import CompileLoss, CompileMetrics
from polykeras.data_adapter import (
    ArrayData,
    GeneratorData,
    check_array_input,
    check_numeric,
    check_validation_data,
    class_weights_to_sample_weights,
    is_generator_like,
    stream_data,
    to_numpy_structure,
)
from polykeras.layers import layer as _layer_mod
from polykeras.layers import logits as logits_mod
from polykeras.layers.graph import flatten
from polykeras.steps import StepMethods, logs_to_python, pack_x_y_sample_weight
from polykeras.variables import StatelessScope, in_stateless_scope

if TYPE_CHECKING:
    from polykeras.layers.layer import Layer
    from polykeras.variables import Variable

_COMPILE_ARGS = {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                 "run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss"}


def on_own_backend(method: Any) -> Any:
    """Run a model method on the backend the model was built on (contract: a model
    remembers its backend, even inside another backend's ``use()`` block)."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if selection.active() is self._backend:
            return method(self, *args, **kwargs)
        with selection.use(self._backend):
            return method(self, *args, **kwargs)

    return wrapper


class LazyLogs(Mapping):
    """Metric results, computed (a host sync) only when someone reads them."""

    def __init__(self, compute: Any) -> None:
        self._compute = compute
        self._values: dict[str, float] | None = None

    def _get(self) -> dict[str, float]:
        if self._values is None:
            self._values = self._compute()
        return self._values

    def __getitem__(self, key: str) -> float:
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class Trainer(StepMethods):
    """compile/fit/evaluate/predict; mixed into :class:`polykeras.Model`."""

    if TYPE_CHECKING:
        # Provided by Layer, the other base of Model.
        _backend: Any
        _layers: list[Layer]
        name: str
        built: bool

        @property
        def trainable_variables(self) -> list[Variable]: ...
        @property
        def non_trainable_variables(self) -> list[Variable]: ...
        @property
        def rng_variables(self) -> list[Variable]: ...
        @property
        def weights(self) -> list[Variable]: ...
        @property
        def losses(self) -> list[Any]: ...
        @property
        def output_shape(self) -> Any: ...
        def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any: ...

    def __init__(self) -> None:
        self.optimizer: Any = None
        self.compiled = False
        self.stop_training = False
        self.history: Any = None
        self.run_eagerly = False
        self._functions: dict[str, Any] = {}
        self._custom_kinds: set[str] = set()

    # ------------------------------------------------------------------ compile
    @on_own_backend
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Any = "auto",
                auto_scale_loss: bool = True, **kwargs: Any) -> None:
        """Configure training: optimizer, loss(es), metrics.

        Example:
            >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
            ...               metrics=["accuracy"])  # doctest: +SKIP
        """
        from polykeras import optimizers

        if "class_mode" in kwargs:
            kwargs.pop("class_mode")
            warnings.warn(
                "compile(class_mode=...) is a legacy Keras argument and is ignored: the loss "
                "and metrics define the task. Remove `class_mode`.",
                DeprecationWarning, stacklevel=2,
            )
        if kwargs:
            raise TypeError(
                f"compile() got unexpected keyword argument(s) {sorted(kwargs)}. Valid: "
                f"{', '.join(sorted(_COMPILE_ARGS))}."
            )
        with selection.use(self._backend):
            self.optimizer = optimizers.get(optimizer)
            policy = getattr(self, "dtype_policy", None)
            if auto_scale_loss and policy is not None and policy.name == "mixed_float16" \
                    and not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
                self.optimizer = optimizers.LossScaleOptimizer(self.optimizer)
            self._compile_loss = CompileLoss(loss, loss_weights, self._output_names())
            self._compile_metrics = CompileMetrics(metrics, weighted_metrics,
                                                   self._output_names(), self._compile_loss)
        self.run_eagerly = bool(run_eagerly)
        self.compiled = True
        self._functions = {}
        self._deferred: Any = None

    def _output_names(self) -> list[str]:
        outs = getattr(self, "outputs", None)
        if outs and len(outs) > 1:
            return [t.node.layer.name for t in outs]
        return []

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before `{what}()`: e.g. "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')."
            )

    @property
    def metrics(self) -> list[Any]:
        """The loss tracker and compiled metrics, then the metric objects assigned as
        attributes of the model and its layers (override it to list your trackers)."""
        out = ([self._compile_metrics.loss_tracker] + self._compile_metrics.metrics
               if self.compiled else [])
        tracked = _tracked_metrics(self)
        if tracked:
            out += [m for m in tracked if not any(m is o for o in out)]
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    # ------------------------------------------------------------------ state
    def _state_variables(self) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        tv = self.trainable_variables
        seen = set(tv)
        ntv = []
        from polykeras.random import _global_seed_generator

        # The global generator travels too, so `seed=None` random ops in custom layers
        # draw fresh values every step.
        global_rng = [_global_seed_generator().state]
        for v in self.non_trainable_variables + self.rng_variables + global_rng:
            if v not in seen:
                seen.add(v)
                ntv.append(v)
        ov = list(self.optimizer.variables) if self.optimizer is not None else []
        mv = self._compile_metrics.variables if self.compiled else []
        return tv, ntv, ov, mv

    def _find_deferred_activation(self) -> Any:
        """(layer, logits loss, activation) when the loss can use the output's logits."""
        layers = getattr(self, "output_layers", None)
        if not layers or len(layers) != 1 or len(self._compile_loss.losses) != 1:
            return None
        layer = layers[0]
        loss = self._compile_loss.losses[0]
        act = getattr(layer, "activation", None)
        wanted = {"softmax": activations.softmax, "sigmoid": activations.sigmoid}.get(
            getattr(loss, "logits_activation", None) or "")
        if act is None or wanted is None or act is not wanted:
            return None
        logits_loss = loss.with_logits()
        if logits_loss is None:
            return None
        return layer, logits_loss, act

    def _forward_and_loss(self, x: Any, y: Any, sw: Any, training: bool) -> tuple[Any, Any]:
        deferred = self._deferred
        if deferred:
            layer, logits_loss, act = deferred
            # The output layer returns logits for this forward pass.
            token = logits_mod.deferred_layer.set(layer)
            try:
                logits = self(x, training=training)
            finally:
                logits_mod.deferred_layer.reset(token)
            if "_output_mask" in self.__dict__:
                sw = _mask_weights(self.__dict__.pop("_output_mask"), sw)
            # The predictions only feed the compiled metrics: none, no activation.
            y_pred = act(logits) if self._compile_metrics.metrics else None
            loss = self._compile_loss.total(y, logits, sw, override=logits_loss)
        else:
            y_pred = self(x, training=training)
            if "_output_mask" in self.__dict__:
                sw = _mask_weights(self.__dict__.pop("_output_mask"), sw)
            loss = self._compile_loss.total(y, y_pred, sw)
        reg = self.losses
        if reg:
            b = self._backend
            for r in reg:
                loss = r if loss is None else b.add(loss, r)
        if loss is None:
            return self.compute_loss(x, y, y_pred, sw), y_pred  # raises, naming the fix
        return loss, y_pred

    # ------------------------------------------------------------------ step functions
    def _compiles(self) -> bool:
        """Whether steps run as compiled pure functions of the state (jax, tensorflow);
        eager backends run the same step body directly on the variables."""
        return not self.run_eagerly and self._backend.supports("jit")

    def _as_pure_function(self, body: Any, read: list[Any], written: list[Any],
                          check_writes: str | None = None) -> Any:
        """``run(*args)`` that executes ``body(*args)`` as a compiled pure function.

        The function takes the values of the variables ``read``, runs ``body`` in a
        stateless scope mapping them, and returns the new values of those ``written``
        (a subset), which ``run`` writes back: a reference swap, no copy. On eager
        backends ``run`` is ``body`` itself, and the variables update in place.
        """
        if not self._compiles():
            return body

        def step(values: list[Any], *args: Any) -> Any:
            with StatelessScope(zip(read, values)) as scope:
                out = body(*args)
                if check_writes and len(scope.values) > len(read):
                    _untracked_writes(scope, read, check_writes)
                new = [scope.get(v) for v in written]
            if _layer_mod._loss_owners:
                _layer_mod._clear_losses()  # traced values must not outlive the trace
            return new, out

        # When every input variable is rewritten, its old buffers can be reused in place.
        fn = self._backend.jit(step, donate_argnums=(0,) if written is read else ())

        def run(*args: Any) -> Any:
            new, out = fn([v._value for v in read], *args)
            for v, val in zip(written, new):
                v._value = val
            return out

        return run

    def _make_train_function(self) -> Any:
        b = self._backend
        tv, ntv, ov, mv = self._state_variables()
        if not tv:
            raise ValueError(
                f"Model {self.name!r} has no trainable weights; nothing to train. Check "
                "`trainable` flags."
            )
        optimizer = self.optimizer
        metrics = self._compile_metrics
        value_and_grad = b.value_and_grad
        scales_loss = optimizer.scales_loss

        def loss_fn(params: Any, x: Any, y: Any, sw: Any) -> Any:
            with StatelessScope(zip(tv, params)) as inner:
                loss, y_pred = self._forward_and_loss(x, y, sw, True)
                new_nt = [inner.get(v) for v in ntv]
            if scales_loss:  # differentiate the scaled loss, report the plain one
                return optimizer.scale_loss(loss), (loss, y_pred, new_nt)
            return loss, (loss, y_pred, new_nt)

        grad_fn = value_and_grad(loss_fn, has_aux=True)

        def train_step(x: Any, y: Any, sw: Any) -> None:
            params = ([v.value for v in tv] if in_stateless_scope()
                      else [v._value for v in tv])
            (_, (loss, y_pred, new_nt)), grads = grad_fn(params, x, y, sw)
            for v, val in zip(ntv, new_nt):
                if val is not v._value:
                    v.assign(val)
            optimizer.apply(grads, tv)
            metrics.update(loss, y, y_pred, sw, batch_size=_batch_size(b, x))

        state = tv + ntv + ov + mv
        return self._as_pure_function(train_step, state, state)

    def _make_test_function(self) -> Any:
        b = self._backend
        tv, ntv, _, mv = self._state_variables()
        metrics = self._compile_metrics

        def test_step(x: Any, y: Any, sw: Any) -> None:
            loss, y_pred = self._forward_and_loss(x, y, sw, False)
            metrics.update(loss, y, y_pred, sw, batch_size=_batch_size(b, x))

        return self._as_pure_function(test_step, tv + ntv + mv, mv)

    def _make_predict_function(self) -> Any:
        weights = self.trainable_variables + self.non_trainable_variables

        def predict_step(x: Any) -> Any:
            out = self(x, training=False)
            self.__dict__.pop("_output_mask", None)
            return out

        return self._as_pure_function(predict_step, weights, [])

    def _function(self, kind: str) -> Any:
        fn = self._functions.get(kind)
        if fn is None:
            with selection.use(self._backend):
                if kind in self._custom_kinds:
                    fn = self._make_custom_function(kind)
                    self._functions[kind] = fn
                    return fn
                if kind != "predict" and self._deferred is None:
                    self._deferred = self._find_deferred_activation() or False
                if kind == "train":
                    if not self.optimizer.built:
                        self.optimizer.build(self.trainable_variables)
                    fn = self._make_train_function()
                elif kind == "test":
                    fn = self._make_test_function()
                else:
                    fn = self._make_predict_function()
            self._functions[kind] = fn
        return fn

    # ------------------------------------------------------------------ helpers
    def _to_backend(self, structure: Any) -> Any:
        b = self._backend
        if structure is None:
            return None
        if isinstance(structure, np.ndarray):
            return b.convert_to_tensor(structure)
        if isinstance(structure, dict):
            return {k: self._to_backend(v) for k, v in structure.items()}
        if isinstance(structure, (list, tuple)):
            return type(structure)(self._to_backend(v) for v in structure)
        return b.convert_to_tensor(structure)

    def _step_inputs(self, structure: Any) -> Any:
        """A host batch as a step function takes it: compiled steps take NumPy arrays
        directly (the framework transfers them during dispatch, as hand-written code
        does); eager steps take backend tensors."""
        return structure if self._compiles() else self._to_backend(structure)

    def _ensure_built(self, x_batch: Any) -> None:
        if self.built and (self.weights or not self._layers):
            return  # a subclassed model is "built" before its sublayers have weights
        with selection.use(self._backend):
            self(self._to_backend(x_batch), training=False)

    def _prepare(self, x: Any, y: Any, sample_weight: Any, class_weight: Any,
                 batch_size: int | None, steps: int | None, what: str) -> Any:
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError(
                f"batch_size must be a positive int, received {batch_size!r}. Use e.g. "
                "batch_size=32."
            )
        if steps is not None and (not isinstance(steps, (int, np.integer)) or steps <= 0):
            raise ValueError(f"{what} steps must be a positive int, received {steps!r}.")
        if x is None:
            raise ValueError(f"{what}() needs input data `x`, received None.")
        check_array_input(x, f"{what}()")
        if is_generator_like(x, self._backend):
            if y is not None:
                raise ValueError(
                    f"When x is a generator or iterable of batches, y must be None (the "
                    f"batches carry the targets); received y of type {type(y).__name__}."
                )
            return stream_data(x, steps, self._backend, what)
        b = self._backend
        x = to_numpy_structure(x, b)
        y = to_numpy_structure(y, b) if y is not None else None
        prefix = "validation " if what == "validation" else ""
        check_numeric(x, prefix + "x")
        if y is not None:
            check_numeric(y, prefix + "y")
            if self.compiled:
                self._compile_loss.check_targets(y)
        elif self._needs_targets(what):
            raise ValueError(
                f"{what}() received inputs x but no targets (y=None), and the loss needs "
                f"them. Pass y=... (e.g. model.fit(x_train, y_train)), or a generator of "
                "(x, y) batches."
            )
        if class_weight is not None:
            if y is None:
                raise ValueError("class_weight needs targets `y`.")
            cw = class_weights_to_sample_weights(flatten(y)[0], class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        if sample_weight is not None:
            sample_weight = np.asarray(to_numpy_structure(sample_weight, b), dtype="float32")
        data = ArrayData(x, y, sample_weight, batch_size or 32, steps)
        self._check_targets(data)
        return data

    def _needs_targets(self, what: str) -> bool:
        """Whether a call of ``what`` on arrays without ``y`` cannot compute its loss."""
        if what == "predict" or not self.compiled or not any(self._compile_loss.losses):
            return False
        step = "train_step" if what in ("fit", "train_on_batch") else "test_step"
        return getattr(type(self), step, None) is getattr(Trainer, step, None)

    def _check_targets(self, data: Any) -> None:
        """Cheap, once-per-call checks of array targets against the loss and outputs."""
        if not isinstance(data, ArrayData) or data.y is None:
            return
        try:
            out_shape = self.output_shape
        except (ValueError, AttributeError):
            return
        if isinstance(out_shape, list) or not self.compiled:
            return
        losses = self._compile_loss.losses
        if len(losses) != 1:
            return
        name = type(losses[0]).__name__
        y = data.y if isinstance(data.y, np.ndarray) else None
        classes = out_shape[-1]
        if y is None or classes is None:
            return
        if (name == "SparseCategoricalCrossentropy" and y.ndim >= 2 and classes > 1
                and y.shape[-1] == classes):
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer class labels (shape "
                f"(n,)); received targets of shape {y.shape}, which look one-hot. Use "
                "loss='categorical_crossentropy', or pass the labels: y.argmax(axis=-1)."
            )
        if name == "SparseCategoricalCrossentropy" and y.size:
            lo, hi = y.min(), y.max()
            if lo < 0 or hi >= classes:
                raise ValueError(
                    f"Sparse labels must be in [0, {classes}) for a model with {classes} "
                    f"outputs; received labels from {lo} to {hi}. Check the labels or the "
                    "size of the last layer."
                )
        if name == "CategoricalCrossentropy" and y.ndim >= 1 and y.shape[-1] != classes:
            hint = (" The targets look like integer labels: use "
                    "loss='sparse_categorical_crossentropy' or one-hot encode them."
                    if y.ndim == 1 or y.shape[-1] == 1 else "")
            raise ValueError(
                f"categorical_crossentropy expects one-hot targets with {classes} classes "
                f"(shape (n, {classes})), received targets of shape {y.shape}.{hint}"
            )

    def _logs(self, prefix: str = "", step_logs: Any = None) -> dict[str, float]:
        """Logs of the last step: the compiled metrics' results, or what a custom step
        returned (``step_logs``)."""
        if step_logs is not None:
            return {prefix + k: v for k, v in logs_to_python(self._backend, step_logs).items()}
        return {prefix + k: v for k, v in self._compile_metrics.results().items()}

    def _run_step(self, fn: Any, kind: str, xb: Any, yb: Any, swb: Any) -> Any:
        """Run one step; the logs a custom step returned, else None."""
        if kind in self._custom_kinds:
            return fn(pack_x_y_sample_weight(self._step_inputs(xb), self._step_inputs(yb),
                                             self._step_inputs(swb)))
        fn(self._step_inputs(xb), self._step_inputs(yb), self._step_inputs(swb))
        return None

    def _first_batch(self, kind: str, xb: Any, yb: Any) -> None:
        """Build the model and resolve the compiled metrics on the first batch."""
        custom = self._custom_step(kind)
        if custom != (kind in self._custom_kinds):
            self._functions.pop(kind, None)
            if custom:
                self._custom_kinds.add(kind)
            else:
                self._custom_kinds.discard(kind)
        layers = self._flat_layers()  # type: ignore[attr-defined]
        if not (custom and layers and all(layer.built for layer in layers)):
            self._ensure_built(xb)
        if kind != "predict" and (not custom or self._compile_metrics._spec is not None
                                  or self._compile_metrics._weighted_spec is not None):
            self._compile_metrics.resolve(yb, self._peek_output(xb))

    # ------------------------------------------------------------------ fit
    @on_own_backend
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None,
            epochs: int = 1, verbose: Any = "auto", callbacks: Any = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: Any = None, sample_weight: Any = None, initial_epoch: int = 0,
            steps_per_epoch: int | None = None, validation_steps: int | None = None,
            validation_batch_size: int | None = None, validation_freq: int = 1) -> Any:
        """Train for ``epochs`` epochs; returns a :class:`History`.

        Example:
            >>> history = model.fit(x, y, batch_size=200, epochs=5, validation_split=0.3)  # doctest: +SKIP
        """
        from polykeras.callbacks import CallbackList, History

        self._require_compiled("fit")
        if not 0.0 <= float(validation_split) < 1.0:
            raise ValueError(
                f"validation_split must be in [0, 1), received {validation_split}. "
                "E.g. validation_split=0.2 keeps the last 20% of samples for validation."
            )
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative int, received {epochs!r}.")
        data = self._prepare(x, y, sample_weight, class_weight, batch_size, steps_per_epoch, "fit")
        val = None
        check_validation_data(validation_data)
        if validation_data is not None:
            if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
                vx, vy = validation_data[0], validation_data[1]
                vsw = validation_data[2] if len(validation_data) == 3 else None
                val = self._prepare(vx, vy, vsw, None, validation_batch_size or batch_size,
                                    validation_steps, "validation")
            else:
                val = self._prepare(validation_data, None, None, None,
                                    validation_batch_size or batch_size, validation_steps,
                                    "validation")
        elif validation_split:
            if not isinstance(data, ArrayData):
                raise ValueError(
                    "validation_split needs array data; with a generator pass "
                    "validation_data instead."
                )
            data, val = data.split(float(validation_split))
        verbose = 1 if verbose == "auto" else int(verbose)
        history = History()
        cbs = list(callbacks or [])
        cbs += _progbar(verbose)
        cbs.append(history)
        cb = CallbackList(cbs, model=self, epochs=epochs, steps=data.steps_per_epoch,
                          verbose=verbose)
        # The generator that shuffles the data; BackupAndRestore saves and restores it.
        rng = self._fit_rng = np.random.default_rng(_host_seed())
        self.stop_training = False
        first = True
        self._initial_epoch_override = self._initial_step_override = None
        cb.on_train_begin()
        if self._initial_epoch_override is not None:  # a callback resumes an interrupted fit
            initial_epoch = int(self._initial_epoch_override)
        skip = int(self._initial_step_override or 0)  # batches of that epoch already trained
        logs: Mapping[str, float] = {}
        step_logs = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.on_epoch_begin(epoch)
            batches: Any = enumerate(data.batches(shuffle=bool(shuffle), rng=rng))
            if skip:
                batches = itertools.islice(batches, skip, None)
            step, skip = skip - 1, 0
            for step, (xb, yb, swb) in batches:
                if first:
                    self._first_batch("train", xb, yb)
                    first = False
                train = self._function("train")
                cb.on_train_batch_begin(step)
                step_logs = self._run_step(train, "train", xb, yb, swb)
                cb.on_train_batch_end(step, LazyLogs(functools.partial(self._logs, "",
                                                                       step_logs)))
                if self.stop_training:
                    break
            if step < 0:
                if isinstance(data, GeneratorData) and data.exhausted:
                    break
                raise ValueError("fit received an empty dataset: no batch was produced.")
            logs = self._logs("", step_logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                logs.update(self._evaluate_data(val, prefix="val_"))
            cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        self.optimizer.finalize_variable_values(self.trainable_variables)
        cb.on_train_end(logs)
        return history

    def _peek_output(self, xb: Any) -> Any:
        """Output shape(s) for metric resolution, without running the model if known."""
        try:
            return self.output_shape
        except (ValueError, AttributeError):
            out = self.predict_on_batch(_head(xb))
            return [o.shape for o in out] if isinstance(out, list) else out.shape

    # ------------------------------------------------------------------ evaluate
    def _evaluate_data(self, data: Any, prefix: str = "", callbacks: Any = None) -> dict[str, float]:
        self.reset_metrics()
        test = None
        step = -1
        step_logs = None
        for step, (xb, yb, swb) in enumerate(data.batches(shuffle=False)):
            if test is None:
                self._first_batch("test", xb, yb)
                test = self._function("test")
            if callbacks is not None:
                callbacks.on_test_batch_begin(step)
            step_logs = self._run_step(test, "test", xb, yb, swb)
            if callbacks is not None:
                callbacks.on_test_batch_end(step, LazyLogs(functools.partial(self._logs, "",
                                                                             step_logs)))
        if step < 0:
            raise ValueError("evaluate received an empty dataset: no batch was produced.")
        return self._logs(prefix, step_logs)

    @on_own_backend
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, return_dict: bool = False) -> Any:
        """Loss and metrics on data: a float, ``[loss, *metrics]`` or a dict."""
        from polykeras.callbacks import CallbackList

        self._require_compiled("evaluate")
        data = self._prepare(x, y, sample_weight, None, batch_size, steps, "evaluate")
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = list(callbacks or []) + _progbar(verbose)
        cb = CallbackList(cbs, model=self, steps=data.steps_per_epoch, verbose=verbose)
        cb.on_test_begin()
        logs = self._evaluate_data(data, callbacks=cb)
        cb.on_test_end(logs)
        return self._logs_result(logs, return_dict)

    # ------------------------------------------------------------------ predict
    @on_own_backend
    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None) -> Any:
        """Model outputs for ``x`` as NumPy arrays (a list for several outputs)."""
        from polykeras.callbacks import CallbackList

        data = self._prepare(x, None, None, None, batch_size, steps, "predict")
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = list(callbacks or []) + _progbar(verbose)
        cb = CallbackList(cbs, model=self, steps=data.steps_per_epoch, verbose=verbose)
        b = self._backend
        outputs: list[Any] = []
        fn = None
        cb.on_predict_begin()
        for step, (xb, _, _) in enumerate(data.batches(shuffle=False)):
            if fn is None:
                self._first_batch("predict", xb, None)
                fn = self._function("predict")
            cb.on_predict_batch_begin(step)
            outputs.append(self._predict_batch(fn, xb))
            cb.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cb.on_predict_end()
        if not outputs:
            raise ValueError("predict received an empty dataset: no batch was produced.")
        if isinstance(outputs[0], (list, tuple)):
            return [np.concatenate([b.convert_to_numpy(o[i]) for o in outputs])
                    for i in range(len(outputs[0]))]
        if isinstance(outputs[0], dict):
            return {k: np.concatenate([b.convert_to_numpy(o[k]) for o in outputs])
                    for k in outputs[0]}
        return np.concatenate([b.convert_to_numpy(o) for o in outputs])

    # ------------------------------------------------------------------ on_batch
    @on_own_backend
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Any = None, return_dict: bool = False) -> Any:
        """One training step on one batch; returns that batch's loss (and metrics)."""
        return self._run_on_batch("train", x, y, sample_weight, class_weight, return_dict)

    @on_own_backend
    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        """Loss (and metrics) on one batch, without training."""
        return self._run_on_batch("test", x, y, sample_weight, None, return_dict)

    def _run_on_batch(self, kind: str, x: Any, y: Any, sample_weight: Any,
                      class_weight: Any, return_dict: bool) -> Any:
        """One train or test step on a whole batch; its loss (and metrics)."""
        what = f"{kind}_on_batch"
        self._require_compiled(what)
        data = self._prepare(x, y, sample_weight, class_weight, None, None, what)
        xb, yb, swb = _whole(data)
        self._first_batch(kind, xb, yb)
        self.reset_metrics()
        step_logs = self._run_step(self._function(kind), kind, xb, yb, swb)
        return self._logs_result(self._logs("", step_logs), return_dict)

    @on_own_backend
    def predict_on_batch(self, x: Any) -> Any:
        """Model outputs for one batch, as NumPy arrays."""
        b = self._backend
        xb = to_numpy_structure(x, b)
        self._first_batch("predict", xb, None)
        out = self._predict_batch(self._function("predict"), _narrow(xb))
        if isinstance(out, (list, tuple)):
            return [b.convert_to_numpy(o) for o in out]
        return b.convert_to_numpy(out)

    def _predict_batch(self, fn: Any, xb: Any) -> Any:
        if "predict" in self._custom_kinds:
            return fn(pack_x_y_sample_weight(self._step_inputs(xb)))
        return fn(self._step_inputs(xb))

    def _logs_result(self, logs: dict[str, Any], return_dict: bool) -> Any:
        """evaluate/*_on_batch results: the dict, or its values in metric order."""
        if return_dict:
            return logs
        order = [m.name for m in self.metrics if m.name in logs]
        values = [logs[n] for n in order] + [logs[k] for k in sorted(logs) if k not in order]
        return values[0] if len(values) == 1 else values


def _untracked_writes(scope: Any, read: list[Any], method: str) -> None:
    known = {id(v) for v in read}
    extra = [getattr(v, "path", v) for v in scope.values if id(v) not in known]
    if extra:
        raise ValueError(
            f"{method}() assigned variables the model does not track: {extra}. Assign the "
            "optimizers, metrics and layers a step uses as attributes of the model "
            "(e.g. self.d_optimizer = ...), so their state is part of the compiled step."
        )


def _tracked_metrics(model: Any) -> list[Any]:
    """Metric objects assigned as attributes of the model and its layers."""
    from polykeras.layers.layer import Layer

    return Layer.metrics.fget(model)  # type: ignore[attr-defined]


def _progbar(verbose: int) -> list[Any]:
    if not verbose:
        return []
    from polykeras.callbacks import ProgbarLogger

    return [ProgbarLogger(verbose=verbose)]


def _batch_size(b: Any, x: Any) -> int:
    first = flatten(x)[0]
    return int(b.shape(first)[0])


def _whole(data: Any) -> Any:
    if isinstance(data, ArrayData):
        data.batch_size = data.n
        return next(iter(data.batches(shuffle=False)))
    return next(iter(data.batches()))


def _narrow(x: Any) -> Any:
    from polykeras.data_adapter import _np

    return _np(x)


def _head(x: Any) -> Any:
    from polykeras.layers.graph import map_structure

    return map_structure(lambda a: a[:2], x)


def _host_seed() -> int:
    from polykeras.utils.seeding import draw_seed

    return draw_seed()


def _mask_weights(mask: Any, sample_weight: Any) -> Any:
    """Loss weights from the output's mask, as Keras 3: masked timesteps weigh 0 and the
    others ``total / valid``, so the mean runs over the unmasked steps only."""
    from polykeras import ops

    m = ops.cast(mask, "float32")
    total = float(math.prod(ops.shape(m)))
    m = ops.multiply(m, ops.divide(total, ops.maximum(ops.sum(m), 1.0)))
    if sample_weight is None:
        return m
    sw = ops.cast(sample_weight, "float32")
    extra = len(ops.shape(m)) - len(ops.shape(sw))
    if extra > 0:
        sw = ops.reshape(sw, tuple(ops.shape(sw)) + (1,) * extra)
    return ops.multiply(sw, m)
