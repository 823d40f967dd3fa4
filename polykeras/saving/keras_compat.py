"""Reading Keras 3 configs into polykeras constructors.

Keras 3 writes a few entries polykeras classes do not take: dtype policies instead of
dtype names, and options of features polykeras does not have (quantization, batch
renormalization, ragged inputs ...). An option left at its neutral value is dropped;
an option that is actually used is refused with a clear error, never ignored.

Example:
    >>> from polykeras import layers
    >>> from polykeras.saving.keras_compat import constructor_config
    >>> constructor_config(layers.Flatten, {"name": "f", "data_format": "channels_last"})
    {'name': 'f'}
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

_ANY = object()

#: Keras-only options and the values at which they change nothing.
NEUTRAL_VALUES: dict[str, tuple[Any, ...]] = {
    "quantization_config": (None,),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "data_format": (None, "channels_last"),
    "activity_regularizer": (None,),
    "renorm": (False,),
    "renorm_clipping": (None,),
    "renorm_momentum": (_ANY,),
    "ragged": (False,),
    "sparse": (False,),
    "optional": (False,),
    "input_axes": (None,),
    "output_axes": (None,),
    "synchronized": (False,),
    "autocast": (True,),
    "use_ema": (False,),
    "ema_momentum": (_ANY,),
    "ema_overwrite_frequency": (None,),
    "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None,),
    "seed": (None,),
    "groups": (1,),
    "mask_zero": (False,),
    "embeddings_constraint": (None,),
    "kernel_constraint": (None,),
    "bias_constraint": (None,),
    "beta_constraint": (None,),
    "gamma_constraint": (None,),
    "beta_regularizer": (None,),
    "gamma_regularizer": (None,),
}

#: Keyword arguments ``polykeras.layers.Layer`` takes through ``**kwargs``.
_LAYER_KWARGS = {"trainable", "name", "dtype", "input_shape", "input_dim", "batch_input_shape",
                 "batch_size", "autocast", "input_length", "weights"}


@functools.cache
def accepted_arguments(cls: type) -> frozenset[str] | None:
    """Keyword arguments ``cls(...)`` takes; None when it takes any keyword."""
    from polykeras.layers.layer import Layer

    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self")
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return frozenset(names)
        if klass is Layer:
            return frozenset(names | _LAYER_KWARGS)
    return None


def dtype_name(value: Any) -> Any:
    """A dtype name from a Keras ``DTypePolicy`` dict (other values unchanged)."""
    if isinstance(value, dict) and value.get("class_name") in ("DTypePolicy", "Policy",
                                                               "FloatDTypePolicy"):
        inner = value.get("config") or {}
        name = inner.get("name")
        return name
    return value


def constructor_config(cls: type, config: dict[str, Any],
                       owner: str | None = None) -> dict[str, Any]:
    """``config`` with Keras-only entries at neutral values removed, for ``cls``.

    Raises:
        ValueError: an entry ``cls`` does not take is set to a value that matters.
    """
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = dtype_name(config["dtype"])
    accepted = accepted_arguments(cls)
    if accepted is None:
        return config
    for key in list(config):
        if key in accepted:
            continue
        neutral = NEUTRAL_VALUES.get(key)
        if neutral is None:
            continue
        value = config[key]
        if _ANY in neutral or any(value == n for n in neutral):
            del config[key]
        else:
            who = owner or cls.__name__
            raise ValueError(
                f"{who} uses the Keras option {key}={value!r}, which polykeras "
                f"{cls.__name__} does not support. Rebuild the model without it, or "
                f"leave it at {neutral[0]!r}."
            )
    return config
