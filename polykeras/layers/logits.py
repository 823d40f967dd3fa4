"""Deferred output activation, so crossentropy losses can use logits.

When a model ends in a softmax or sigmoid and the loss is the matching crossentropy, the
trainer sets :data:`deferred_layer` (a context variable, so per thread and task) to the
output layer for the forward pass: that layer then returns its pre-activation output, the
loss is computed from the logits (stable), and the trainer applies the activation itself
for the metrics. The same thing Keras does, without inspecting tensors.
"""

from __future__ import annotations

import contextvars
from typing import Any

#: The layer whose activation the current forward pass defers (None: no deferral).
deferred_layer: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "polykeras_deferred_layer", default=None)
#: ``deferred()``: that layer, as this thread or task sees it.
deferred = deferred_layer.get
