"""The Model base class: a Layer that trains (compile/fit/evaluate/predict).

``Model(inputs=..., outputs=...)`` builds a functional model; subclass ``Model`` and
define ``call`` for a subclassed one.

Example:
    >>> import polykeras
    >>> class TwoLayer(polykeras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = polykeras.layers.Dense(8, activation="relu")
    ...         self.out = polykeras.layers.Dense(2)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
"""

from __future__ import annotations

from typing import Any

from polykeras.layers.layer import Layer
from polykeras.trainer import Trainer


class Model(Trainer, Layer):
    """A layer with training and inference methods. See the module docstring."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and ("inputs" in kwargs or len(args) >= 2):
            from polykeras.models.functional import Functional

            return object.__new__(Functional)
        if _functional_arguments(args, kwargs):
            from polykeras.models.functional import Functional

            if not issubclass(cls, Functional) and "Sequential" not in {
                    c.__name__ for c in cls.__mro__}:
                # `MyModel(inputs, outputs)`: a subclass that is also a functional model.
                return object.__new__(_functional_subclass(cls))
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Layer.__init__(self, name=kwargs.pop("name", None),
                       trainable=kwargs.pop("trainable", True), **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def input(self) -> Any:
        """The model's symbolic input (a list for several inputs)."""
        return _single_or_list(getattr(self, "inputs", None), self, "input")

    @property
    def output(self) -> Any:
        """The model's symbolic output (a list for several outputs).

        Example:
            >>> import polykeras
            >>> m = polykeras.Sequential([polykeras.Input((3,)), polykeras.layers.Dense(2)])
            >>> m.output.shape
            (None, 2)
        """
        return _single_or_list(getattr(self, "outputs", None), self, "output")

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in :attr:`layers`."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Layer index {index} is out of range: model {self.name!r} has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No layer named {name!r} in model {self.name!r}. Layers: "
            f"{[layer.name for layer in self.layers]}."
        )

    def _maybe_build(self, input_shapes: Any) -> None:
        # Sublayers build themselves during the first call.
        if not self.built:
            self._build_shapes = input_shapes
            self.built = True

    def build(self, input_shape: Any) -> None:
        """Build a subclassed model by calling it on zeros of ``input_shape``."""
        if self.built:
            return
        from polykeras import ops

        shape = tuple(1 if d is None else d for d in input_shape)
        self(ops.zeros(shape))

    def summary(self, line_length: int | None = None, print_fn: Any = None,
                **kwargs: Any) -> None:
        """Print a Keras-style table: layer, output shape, parameter count."""
        from polykeras.models.summary import format_summary

        text = format_summary(self, line_length=line_length or 78)
        (print_fn or print)(text)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable}

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as a Keras-3-style JSON string."""
        import json

        from polykeras.saving.serialization import serialize_object

        return json.dumps(serialize_object(self), **kwargs)

    def save(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Save the model (architecture, weights, optimizer state) to a ``.keras`` file."""
        from polykeras.saving import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save the weights to a ``.weights.h5`` file."""
        from polykeras.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, **kwargs: Any) -> None:
        """Load weights saved by :meth:`save_weights` (or from a ``.keras`` file)."""
        from polykeras.saving import load_weights

        load_weights(self, filepath, **kwargs)


def check_input_shape(model: Any, expected: tuple[int | None, ...], shape: Any,
                      first_layer: Any, input_name: str | None = None) -> None:
    """Raise a clear ValueError when ``shape`` does not match ``expected`` (None: any).

    Models call it only for a shape they have not validated before, so the per-step cost
    is one tuple comparison.
    """
    shape = tuple(shape)
    if len(shape) == len(expected) and all(
        e is None or e == s for e, s in zip(expected, shape)
    ):
        return
    if len(shape) > len(expected) and len(expected) == 2:
        hint = " Add Flatten() first, or reshape the data."
    else:
        hint = f" Reshape the data to (batch, {', '.join(str(d) for d in expected[1:])})."
    where = f"input {input_name!r} of " if input_name else ""
    layer = (f"{type(first_layer).__name__} layer {first_layer.name!r}, the first layer of "
             if first_layer is not None else "")
    raise ValueError(
        f"{layer}{where}model {model.name!r} expected input of shape {expected}, received "
        f"shape {shape}.{hint}"
    )



def _single_or_list(tensors: Any, model: Any, what: str) -> Any:
    if not tensors:
        raise AttributeError(
            f"Model {model.name!r} has no symbolic {what}: it was not built from "
            "polykeras.Input(...). Give its first layer an input shape or build it from an "
            "Input."
        )
    return tensors[0] if len(tensors) == 1 else list(tensors)


def _functional_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether constructor arguments are ``(inputs, outputs)`` of a layer graph."""
    from polykeras.layers.graph import is_symbolic

    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    return inputs is not None and outputs is not None and is_symbolic(inputs) \
        and is_symbolic(outputs)


_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


def _functional_subclass(cls: type) -> type:
    """``cls`` with :class:`Functional` behind it, so ``cls(inputs, outputs)`` builds a
    functional model that keeps ``cls``'s methods (a custom ``train_step``...)."""
    made = _FUNCTIONAL_SUBCLASSES.get(cls)
    if made is None:
        from polykeras.models.functional import Functional

        made = type(cls.__name__, (cls, Functional),
                    {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                     "_functional_origin": cls})
        _FUNCTIONAL_SUBCLASSES[cls] = made
    return made
