"""The Layer base class: weights, lazy building, nesting, and the functional-call hook.

Example:
    >>> from polykeras import layers, ops
    >>> class Scale(layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(ops.ones((2, 3))).shape
    (2, 3)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from polykeras import dtype_policies, initializers, regularizers
from polykeras import variables as variables_module
from polykeras.backend import selection
from polykeras.backend.dtypes import standardize_dtype
from polykeras.utils.limits import current_budget
from polykeras.utils.naming import to_snake_case, unique_name
from polykeras.variables import StatelessScope, Variable

#: Set once a layer with a mixed dtype policy exists: from then on every layer call casts
#: its float inputs to its compute dtype (the default float32 path skips that work).
_mixed_in_use = False


class Layer:
    """Base class of every layer and model.

    Subclasses create weights in ``build(input_shape)`` with :meth:`add_weight` and
    compute outputs in ``call(inputs, training=None)`` with :mod:`polykeras.ops`.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name (auto-generated from the class name when omitted).
        dtype: the dtype policy: a float dtype for weights and computation, or
            ``"mixed_float16"`` / ``"mixed_bfloat16"`` (16-bit computation, float32
            weights); defaults to :func:`polykeras.config.dtype_policy`.
        input_shape / input_dim / batch_input_shape: let the first layer of a
            ``Sequential`` build eagerly, e.g. ``Dense(500, input_shape=(784,))``.
    """

    _call_has_training: bool = False
    #: Whether ``call`` takes a ``mask`` argument (models pass the incoming mask).
    _call_has_mask: bool = False
    #: Whether the class defines its own ``compute_mask`` (so it may create a mask).
    _computes_mask: bool = False
    #: Layers that pass a mask through unchanged (elementwise and per-step layers).
    supports_masking: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        try:
            params: Mapping[str, inspect.Parameter] = inspect.signature(cls.call).parameters
        except (TypeError, ValueError):  # pragma: no cover
            params = {}
        cls._call_has_training = "training" in params
        cls._call_has_mask = "mask" in params
        cls._computes_mask = cls.compute_mask is not Layer.compute_mask

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 input_shape: Any = None, input_dim: int | None = None,
                 batch_input_shape: Any = None, batch_size: int | None = None,
                 activity_regularizer: Any = None, **kwargs: Any) -> None:
        allowed = {"autocast", "input_length", "weights"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s): "
                f"{', '.join(sorted(unknown))}."
            )
        object.__setattr__(self, "_tracking", False)
        self._backend = selection.current()
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.built = False
        self._trainable = bool(trainable)
        self._trainable_variables: list[Variable] = []
        self._non_trainable_variables: list[Variable] = []
        self._layers: list[Layer] = []
        self._rng_variables: list[Variable] = []
        self._regularized: list[tuple[Any, Variable]] = []
        self._losses: list[Any] = []
        self._tracked_metrics: list[Any] = []
        self.activity_regularizer: Any = regularizers.get(activity_regularizer)
        self.dtype_policy = dtype_policies.get(dtype)
        self.dtype = self.dtype_policy.variable_dtype
        if self.dtype_policy.is_mixed:
            global _mixed_in_use
            _mixed_in_use = True
        self._inbound_nodes: list[Any] = []
        self._build_shapes: Any = None
        if batch_input_shape is not None:
            self._batch_input_shape: tuple[Any, ...] | None = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            self._batch_input_shape = (batch_size, int(input_dim))
        else:
            self._batch_input_shape = None
        self._initial_weights = kwargs.get("weights")
        self._tracking = True

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_tracking", False) and not name.startswith("_"):
            if isinstance(value, Layer) and value is not self:
                if not any(value is v for v in self._layers):
                    self._layers.append(value)
            elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
                for v in value:
                    if not any(v is w for w in self._layers):
                        self._layers.append(v)
            else:
                kind = _tracked_kind(value)
                if kind == "metric" and not any(value is m for m in self._tracked_metrics):
                    self._tracked_metrics.append(value)
                elif kind == "seed" and not any(value.state is v for v in self._rng_variables):
                    self._rng_variables.append(value.state)
        object.__setattr__(self, name, value)

    def add_weight(self, shape: Any = None, initializer: Any = "glorot_uniform",
                   dtype: Any = None, trainable: bool = True, regularizer: Any = None,
                   constraint: Any = None, name: str | None = None) -> Variable:
        """Create a weight of this layer; call it from ``build``.

        Example:
            >>> self.kernel = self.add_weight(shape=(784, 10), name="kernel")  # doctest: +SKIP
        """
        shape = tuple(int(d) for d in (shape or ()))
        if any(d < 0 for d in shape):
            raise ValueError(f"{self.name}: weight shape must be non-negative, received {shape}.")
        budget = current_budget()
        if budget is not None:  # rebuilding a loaded model: the file must hold this weight
            budget.check(self.name, name or "variable", shape)
        init = initializers.get(initializer)
        dtype = standardize_dtype(dtype) if dtype is not None else self.dtype
        with selection.use(self._backend):
            var = Variable(init, shape=shape, dtype=dtype, trainable=trainable,
                           name=name or "variable")
        var.path = f"{self.name}/{var.name}"
        var.constraint = constraint if callable(constraint) else None
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._regularized.append((reg, var))
        return var

    # ------------------------------------------------------------------ weights
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def _flat_layers(self) -> list[Layer]:
        out, seen = [], set()

        def visit(layer: Layer) -> None:
            for sub in layer._layers:
                if id(sub) not in seen:
                    seen.add(id(sub))
                    out.append(sub)
                    visit(sub)

        visit(self)
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return _unique(self._trainable_variables,
                       *(layer.trainable_weights for layer in self._layers))

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        return _unique(self._non_trainable_variables,
                       *(layer.non_trainable_weights for layer in self._layers))

    @property
    def weights(self) -> list[Variable]:
        """All weights in Keras order: own (creation order), then each sublayer's."""
        return _unique(self._trainable_variables, self._non_trainable_variables,
                       *(layer.weights for layer in self._layers))

    @property
    def rng_variables(self) -> list[Variable]:
        """Random-generator states (not weights: never saved, never trained)."""
        return _unique(self._rng_variables, *(layer.rng_variables for layer in self._layers))

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self) -> list[Any]:
        """The weights as NumPy arrays, in :attr:`weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Set weights from NumPy arrays given in :attr:`weights` order."""
        import numpy as np

        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"Layer {self.name!r} expects {len(params)} weight arrays, received "
                f"{len(weights)}. Expected shapes: {[v.shape for v in params]}."
            )
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != v.shape:
                raise ValueError(
                    f"Layer {self.name!r}: weight {v.path!r} has shape {v.shape}, received "
                    f"an array of shape {tuple(w.shape)}."
                )
            v.assign(v._backend.convert_to_tensor(w, v.dtype))

    def count_params(self) -> int:
        import math

        if not self.built:
            raise ValueError(
                f"{self.name!r} is not built yet, so it has no weights to count. Call it on "
                "data or pass input_shape= to its first layer."
            )
        return int(sum(math.prod(v.shape) for v in self.weights))

    @property
    def losses(self) -> list[Any]:
        """Losses of this layer and its sublayers (scalar tensors): those added with
        :meth:`add_loss` (activity regularizers included) during the last call, then the
        weight regularization penalties."""
        out = list(self._losses)
        if self._regularized:
            out.extend(reg(v.value) for reg, v in self._regularized)
        for layer in self._layers:
            # Plain layers without sublayers or penalties contribute nothing.
            if (layer._layers or layer._regularized or layer._losses
                    or type(layer).losses is not Layer.losses):
                out.extend(layer.losses)
        return out

    def add_loss(self, loss: Any) -> None:
        """Add a scalar loss term (a tensor, or a list of them) from inside ``call``.

        The terms are part of :attr:`losses` until the next top-level call of a model or
        layer; ``fit`` adds them to the compiled loss.

        Example:
            >>> from polykeras import layers, ops
            >>> class Penalized(layers.Layer):
            ...     def call(self, x):
            ...         self.add_loss(0.1 * ops.sum(ops.square(x)))
            ...         return x
            >>> layer = Penalized()
            >>> _ = layer(ops.ones((2, 2)))
            >>> float(ops.convert_to_numpy(layer.losses[0]))
            0.4
        """
        from polykeras.layers.graph import flatten

        values = flatten(loss)
        b = self._backend
        for value in values:
            if not b.is_tensor(value) and not isinstance(value, (float, int)):
                raise ValueError(
                    f"{type(self).__name__}.add_loss() expects a scalar tensor computed in "
                    f"`call()`, received {type(value).__name__}: {value!r}."
                )
        if not self._losses:
            _loss_owners.append(self)
        self._losses.extend(values)

    @property
    def metrics(self) -> list[Any]:
        """Metric objects assigned as attributes of this layer and its sublayers."""
        out = list(self._tracked_metrics)
        for layer in self._flat_layers():
            out.extend(m for m in layer._tracked_metrics if not any(m is o for o in out))
        return out

    # ------------------------------------------------------------------ building
    def build(self, input_shape: Any) -> None:
        """Create weights for inputs of ``input_shape`` (a tuple with None batch dim)."""
        self.built = True

    def _maybe_build(self, input_shapes: Any) -> None:
        if self.built:
            return
        self._build_shapes = input_shapes
        with selection.use(self._backend):
            self.build(input_shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for ``input_shape``; the default runs ``call`` on zeros."""
        from polykeras.layers.shape_inference import infer_output_shape

        return infer_output_shape(self, input_shape)

    # ------------------------------------------------------------------ masking
    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of this layer's output given its input mask (a bool tensor of
        shape ``(batch, timesteps)`` or None): the same mask where the layer
        ``supports_masking``, else None.

        Example:
            >>> from polykeras import layers, ops
            >>> m = layers.Embedding(5, 2, mask_zero=True).compute_mask(ops.convert_to_tensor([[3, 0]]))
            >>> ops.convert_to_numpy(m).tolist()
            [[True, False]]
        """
        return mask if self.supports_masking else None

    def call_with_mask(self, inputs: Any, mask: Any, args: tuple[Any, ...] = (),
                       kwargs: dict[str, Any] | None = None) -> tuple[Any, Any]:
        """``(outputs, output mask)`` of calling this layer on ``inputs`` whose mask is
        ``mask``: models use this to carry masks from layer to layer, as Keras does."""
        kwargs = dict(kwargs or {})
        if mask is not None and self._call_has_mask and kwargs.get("mask") is None:
            kwargs["mask"] = mask
        outputs = self(inputs, *args, **kwargs)
        if mask is None and not self._computes_mask:
            return outputs, None
        return outputs, self.compute_mask(inputs, kwargs.get("mask", mask))

    # ------------------------------------------------------------------ calling
    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if _loss_owners and not _context.depth:
            _clear_losses(self)  # a top-level call starts with no losses of its own
        if self._layers:
            return self._call_nested(inputs, args, kwargs)
        b = selection.active()
        if b is self._backend and self.built and b.is_tensor(inputs) and not _mixed_in_use:
            # The common case: a built layer called on a tensor of its own backend.
            if not self._call_has_training:
                if kwargs:
                    kwargs.pop("training", None)
            elif "training" not in kwargs and _context.training is not None:
                kwargs["training"] = _context.training
            out = self.call(inputs, *args, **kwargs)
            if self.activity_regularizer is not None:
                self._add_activity_loss(out)
            return out
        return self._call_general(inputs, args, kwargs)

    def _call_nested(self, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A call of a layer with sublayers: they see its ``training`` value and add
        their losses without clearing each other's."""
        context = _context
        previous = context.training
        training = kwargs.get("training")
        if training is not None:
            context.training = training
        elif previous is not None and self._call_has_training:
            kwargs["training"] = previous
        context.depth += 1
        try:
            return self._call_general(inputs, args, kwargs)
        finally:
            context.depth -= 1
            context.training = previous

    def _call_general(self, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        b = selection.active()
        if b is self._backend and self.built and b.is_tensor(inputs):
            tensors = True
        else:
            from polykeras.layers import graph

            if graph.is_symbolic(inputs):
                return graph.symbolic_call(self, inputs, args, kwargs)
            tensors = False
        if b is not self._backend:
            with selection.use(self._backend):
                return self._call_general(inputs, args, kwargs)
        if not self._call_has_training:
            kwargs.pop("training", None)
        elif "training" not in kwargs and _context.training is not None:
            kwargs["training"] = _context.training
        if not tensors:
            inputs = _to_tensors(b, inputs)
            if not self.built:
                self._maybe_build(_shapes_of(b, inputs))
        if _mixed_in_use:
            out = self._call_in_compute_dtype(b, inputs, args, kwargs)
        else:
            out = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            self._add_activity_loss(out)
        return out

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in (its policy's compute dtype)."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights (its policy's variable dtype)."""
        return self.dtype_policy.variable_dtype

    def _call_in_compute_dtype(self, b: Any, inputs: Any, args: Any, kwargs: Any) -> Any:
        """``call`` with float inputs cast to the compute dtype and float weights read in
        it (once any mixed-precision layer exists)."""
        compute = self.dtype_policy.compute_dtype

        def cast(x: Any) -> Any:
            if b.is_tensor(x) and "float" in b.dtype(x) and b.dtype(x) != compute:
                return b.cast(x, compute)
            return x

        if isinstance(inputs, (list, tuple)):
            inputs = type(inputs)(cast(x) for x in inputs)
        elif isinstance(inputs, dict):
            inputs = {k: cast(v) for k, v in inputs.items()}
        else:
            inputs = cast(inputs)
        reads_as = compute if self.dtype_policy.is_mixed else None
        with variables_module.autocast(reads_as):
            return self.call(inputs, *args, **kwargs)

    def _add_activity_loss(self, outputs: Any) -> None:
        from polykeras import ops
        from polykeras.layers.graph import flatten

        b = self._backend
        for out in flatten(outputs):
            if b.is_tensor(out):
                loss = self.activity_regularizer(out)
                shape = b.shape(out)
                if shape:  # per sample, as Keras: divided by the batch size
                    loss = ops.divide(loss, float(shape[0]))
                self.add_loss(loss)

    @property
    def input(self) -> Any:
        """The symbolic input of this layer's first call in a functional graph."""
        node = self._first_node("input")
        return node.args[0] if node.args else node.outputs

    @property
    def output(self) -> Any:
        """The symbolic output of this layer's first call in a functional graph.

        Example:
            >>> import polykeras
            >>> dense = polykeras.layers.Dense(2)
            >>> dense(polykeras.Input(shape=(3,))).shape == dense.output.shape
            True
        """
        return self._first_node("output").outputs

    def _first_node(self, what: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name!r} has never been called on symbolic inputs, so it has no "
                f"`{what}`. Call it on polykeras.Input(...) (or use it in a model built "
                "from an Input) first."
            )
        return self._inbound_nodes[0]

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """Symbolic output(s) (shape and dtype) for symbolic or concrete inputs.

        Example:
            >>> import polykeras
            >>> polykeras.layers.Dense(4).compute_output_spec(polykeras.Input(shape=(3,))).shape
            (None, 4)
        """
        from polykeras.layers.graph import SymbolicTensor, map_structure

        inputs = args[0] if args else kwargs.get("inputs")
        shapes = map_structure(lambda t: tuple(t.shape), inputs)
        out = self.compute_output_shape(shapes)
        if isinstance(out, list) and out and isinstance(out[0], (tuple, list)):
            return [SymbolicTensor(tuple(s), self.dtype) for s in out]
        return SymbolicTensor(tuple(out), self.dtype)

    def stateless_call(self, trainable_variables: list[Any], non_trainable_variables: list[Any],
                       *args: Any, return_losses: bool = False, **kwargs: Any) -> Any:
        """``call`` as a pure function of the weight values, changing no Variable.

        Returns ``(outputs, new non-trainable values)``, plus the added losses with
        ``return_losses=True``.

        Example:
            >>> import polykeras
            >>> from polykeras import ops
            >>> dense = polykeras.layers.Dense(1, kernel_initializer="ones")
            >>> _ = dense(ops.ones((1, 2)))  # builds it
            >>> out, _ = dense.stateless_call([ops.full((2, 1), 2.0), ops.zeros((1,))], [],
            ...                               ops.ones((1, 2)))
            >>> ops.convert_to_numpy(out).tolist()
            [[4.0]]
        """
        trainable = self.trainable_weights
        nt = self.non_trainable_weights
        if len(trainable_variables) != len(trainable) or len(non_trainable_variables) != len(nt):
            raise ValueError(
                f"{self.name}.stateless_call expects {len(trainable)} trainable and {len(nt)} "
                f"non-trainable values (as in layer.trainable_variables and "
                f"layer.non_trainable_variables), received {len(trainable_variables)} and "
                f"{len(non_trainable_variables)}."
            )
        mapping = dict(zip(trainable, trainable_variables))
        mapping.update(zip(nt, non_trainable_variables))
        with StatelessScope(mapping) as scope:
            out = self(*args, **kwargs)
            losses = self.losses if return_losses else None
        new_nt = [scope.get(v) for v in nt]
        if return_losses:
            return out, new_nt, losses
        return out, new_nt

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this layer (Keras 3 keys)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable,
                                  "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class _CallContext:
    """Where the running forward pass is: the nesting depth of layers with sublayers,
    and the ``training`` value an outer call passed (sublayers called without one use
    it, as in Keras)."""

    depth = 0
    training: Any = None


_context = _CallContext()
#: Layers holding losses added during the current top-level call.
_loss_owners: list[Layer] = []
_tracked_classes: list[tuple[type, str]] = []


def _clear_losses(root: Layer | None = None) -> None:
    """Drop the added losses of ``root`` and its sublayers (of every layer: None)."""
    if root is None:
        scope = None
    elif root._layers:
        scope = {id(root)} | {id(layer) for layer in root._flat_layers()}
    else:
        scope = {id(root)}
    keep = []
    for layer in _loss_owners:
        if scope is None or id(layer) in scope:
            layer._losses = []
        else:
            keep.append(layer)
    _loss_owners[:] = keep


def _tracked_kind(value: Any) -> str | None:
    """"metric" or "seed" for objects whose state a layer tracks when assigned to it."""
    if not _tracked_classes:
        from polykeras.metrics.base import Metric
        from polykeras.random.seed_generator import SeedGenerator

        _tracked_classes.extend([(Metric, "metric"), (SeedGenerator, "seed")])
    for cls, kind in _tracked_classes:
        if isinstance(value, cls):
            return kind
    return None


def _unique(*groups: list[Variable]) -> list[Variable]:
    """Concatenate variable lists, keeping the first occurrence (by identity)."""
    out: list[Variable] = []
    seen: set[int] = set()
    for group in groups:
        for v in group:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def _to_tensors(b: Any, inputs: Any) -> Any:
    if b.is_tensor(inputs):
        return inputs
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_to_tensors(b, x) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _to_tensors(b, v) for k, v in inputs.items()}
    if isinstance(inputs, Variable):
        return inputs.value
    return b.convert_to_tensor(inputs)


def _shapes_of(b: Any, inputs: Any) -> Any:
    if isinstance(inputs, (list, tuple)):
        return [_shapes_of(b, x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shapes_of(b, v) for k, v in inputs.items()}
    return tuple(b.shape(inputs))
