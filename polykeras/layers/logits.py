"""Deferred output activation, so crossentropy losses can use logits.

When a model ends in a softmax or sigmoid and the loss is the matching crossentropy, the
trainer runs the forward pass with the output layer's activation deferred, computes the
loss from the logits (stable), and applies the activation itself for metrics: the same
thing Keras does, without inspecting tensors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

deferred_layer: Any = None


@contextlib.contextmanager
def defer_activation(layer: Any) -> Iterator[None]:
    """Inside the block, ``layer`` returns its pre-activation output."""
    global deferred_layer
    previous = deferred_layer
    deferred_layer = layer
    try:
        yield
    finally:
        deferred_layer = previous
