"""ActivityRegularization: adds an L1/L2 penalty on its input to the model's losses.

Example:
    >>> from polykeras import layers, ops
    >>> layer = layers.ActivityRegularization(l2=0.5)
    >>> _ = layer(ops.ones((1, 2)))
    >>> float(ops.convert_to_numpy(layer.losses[0]))
    1.0
"""

from __future__ import annotations

from typing import Any

from polykeras import regularizers
from polykeras.layers.layer import Layer


class ActivityRegularization(Layer):
    """Returns its input unchanged and adds ``l1 * sum(|x|) + l2 * sum(x**2)`` with
    :meth:`Layer.add_loss` (``fit`` adds it to the loss).

    Args:
        l1: L1 factor (non-negative float).
        l2: L2 factor (non-negative float).
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("activity_regularizer", None)
        for name, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(
                    f"ActivityRegularization expects a non-negative float `{name}`, "
                    f"received {value!r}."
                )
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
