"""Masking: marks timesteps whose features all equal ``mask_value`` as padding.

Example:
    >>> import numpy as np
    >>> from polykeras import layers, ops
    >>> x = ops.convert_to_tensor(np.array([[[1.0], [0.0]]], "float32"))
    >>> ops.convert_to_numpy(layers.Masking().compute_mask(x)).tolist()
    [[True, False]]
"""

from __future__ import annotations

from typing import Any

from polykeras import ops
from polykeras.layers.layer import Layer


class Masking(Layer):
    """Zeroes padded timesteps and gives later layers a ``(batch, timesteps)`` mask:
    a step is kept where any feature differs from ``mask_value``."""

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.built = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs: Any) -> Any:
        keep = ops.expand_dims(self.compute_mask(inputs), -1)
        return ops.multiply(inputs, ops.cast(keep, ops.dtype(inputs)))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
