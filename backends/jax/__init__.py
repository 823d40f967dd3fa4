"""The JAX backend adapter: ``POLYKERAS_BACKEND=jax``.

Tensors are ``jax.Array`` on JAX's default device; ``jit`` is ``jax.jit`` and gradients
come from ``jax.value_and_grad``. 64-bit dtypes follow ``jax_enable_x64`` (off by
default: float64/int64 requests give float32/int32, and ``supports("float64")`` is
False).

Example:
    >>> from polykeras.backends.jax import JaxBackend
    >>> b = JaxBackend()
    >>> b.convert_to_numpy(b.add(b.convert_to_tensor([1.0, 2.0]), 1.0))
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

from .attention_ops import AttentionOps
from .autodiff import Autodiff
from .control_flow_ops import ControlFlowOps
from .conv_transpose_ops import ConvTransposeOps
from .core import CoreOps
from .math_ops import MathOps
from .nn_ops import NNOps
from .random_ops import RandomOps
from .shape_ops import ShapeOps


class JaxBackend(CoreOps, MathOps, ShapeOps, NNOps, ConvTransposeOps, RandomOps, ControlFlowOps,
                 AttentionOps, Autodiff):
    """Implements :class:`polykeras.backend.protocol.Backend` with JAX."""

    name = "jax"

    def __repr__(self) -> str:
        return f"<JaxBackend device={self.device}>"


__all__ = ["JaxBackend"]
