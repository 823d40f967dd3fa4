"""Deferred output activation, so crossentropy losses can use logits.

When a model ends in a softmax or sigmoid and the loss is the matching crossentropy, the
trainer sets :data:`deferred_layer` to the output layer for the forward pass: that layer
then returns its pre-activation output, the loss is computed from the logits (stable),
and the trainer applies the activation itself for the metrics. The same thing Keras does,
without inspecting tensors.
"""

from __future__ import annotations

from typing import Any

#: The layer whose activation the current forward pass defers (None: no deferral).
deferred_layer: Any = None
