"""The TensorFlow backend adapter: ``TensorflowBackend``.

Importing this package imports TensorFlow (the registry only does so when the backend is
selected). Tensors are ``tf.Tensor``; TensorFlow's default placement puts them on the
first GPU when there is one.

Example:
    >>> from polykeras.backends.tensorflow import TensorflowBackend
    >>> b = TensorflowBackend()
    >>> b.convert_to_numpy(b.add(b.convert_to_tensor([1.0, 2.0]), 1.0))
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

import os

# TensorFlow prints C++ INFO and WARNING lines while it loads; keep them quiet during the
# import only (TF_CPP_MIN_LOG_LEVEL=2, unless the user set a level), then leave the
# process environment as it was, so that the user's settings and child processes are
# unaffected. Set TF_CPP_MIN_LOG_LEVEL=0 before importing polykeras to see those lines.
_LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
_user_log_level = os.environ.get(_LOG_LEVEL)
os.environ.setdefault(_LOG_LEVEL, "2")
try:
    import tensorflow as tf  # noqa: E402
finally:
    if _user_log_level is None and os.environ.get(_LOG_LEVEL) == "2":
        del os.environ[_LOG_LEVEL]

from polykeras.backends.tensorflow import (  # noqa: E402
    autodiff,
    control_flow_ops,
    conv_transpose_ops,
    core,
    data,
    math_ops,
    nn_ops,
    random_ops,
    shape_ops,
)

__all__ = ["TensorflowBackend"]

_MODULES = (core, math_ops, shape_ops, nn_ops, conv_transpose_ops, random_ops, control_flow_ops,
            autodiff, data)


class TensorflowBackend:
    """polykeras Backend protocol on TensorFlow 2 (eager, ``tf.function`` for ``jit``).

    Every op is a plain function from this package's modules, attached as a static
    method, so ``backend.add`` costs one attribute lookup.

    Example:
        >>> b = TensorflowBackend()
        >>> b.supports("jit"), b.dtype(b.argmax(b.convert_to_tensor([1, 3, 2]), None, False))
        (True, 'int32')
    """

    name = "tensorflow"

    def __init__(self) -> None:
        gpus = tf.config.list_physical_devices("GPU")
        self._device = "cuda:0" if gpus else "cpu"
        self._capabilities = {
            "jit": True,
            "gpu": bool(gpus),
            "bfloat16": True,
            "float64": True,
        }

    def supports(self, capability: str) -> bool:
        """Whether this adapter has ``capability`` (see ``protocol.CAPABILITIES``)."""
        return self._capabilities.get(capability, False)

    @property
    def device(self) -> str:
        """``"cuda:0"`` when TensorFlow sees a GPU (default placement), else ``"cpu"``."""
        return self._device

    def __repr__(self) -> str:
        return f"<TensorflowBackend tensorflow={tf.__version__} device={self._device}>"


for _module in _MODULES:
    for _name in _module.__all__:
        setattr(TensorflowBackend, _name, staticmethod(getattr(_module, _name)))
del _module, _name
