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
                 **kwargs: Any) -> None:
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
        self._activity_losses: list[Any] = []
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
        """Regularization penalties of this layer and its sublayers (tensors)."""
        out = [reg(v.value) for reg, v in self._regularized] if self._regularized else []
        if self._activity_losses:
            out.extend(self._activity_losses)
        for layer in self._layers:
            # Plain layers without sublayers or penalties contribute nothing.
            if (layer._layers or layer._regularized or layer._activity_losses
                    or type(layer).losses is not Layer.losses):
                out.extend(layer.losses)
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
        b = selection.active()
        if b is self._backend and self.built and b.is_tensor(inputs) and not _mixed_in_use:
            # The common case: a built layer called on a tensor of its own backend.
            if kwargs and not self._call_has_training:
                kwargs.pop("training", None)
            return self.call(inputs, *args, **kwargs)
        from polykeras.layers import graph

        if graph.is_symbolic(inputs):
            return graph.symbolic_call(self, inputs, args, kwargs)
        b = selection.active()
        if b is not self._backend:
            with selection.use(self._backend):
                return self.__call__(inputs, *args, **kwargs)
        if not self._call_has_training:
            kwargs.pop("training", None)
        inputs = _to_tensors(b, inputs)
        if not self.built:
            self._maybe_build(_shapes_of(b, inputs))
        if _mixed_in_use:
            return self._call_in_compute_dtype(b, inputs, args, kwargs)
        return self.call(inputs, *args, **kwargs)

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

    def stateless_call(self, trainable_values: list[Any], non_trainable_values: list[Any],
                       *args: Any, **kwargs: Any) -> tuple[Any, list[Any]]:
        """``call`` with given weight values; returns (outputs, new non-trainable values)."""
        nt = self.non_trainable_weights
        mapping = dict(zip(self.trainable_weights, trainable_values))
        mapping.update(zip(nt, non_trainable_values))
        with StatelessScope(mapping) as scope:
            out = self(*args, **kwargs)
        return out, [scope.get(v) for v in nt]

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this layer (Keras 3 keys)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable,
                                  "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


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
