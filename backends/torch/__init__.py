"""The PyTorch backend adapter: polykeras ops on ``torch.Tensor``.

Importing this package imports torch; the registry only does so when the "torch"
backend is selected. Tensors live on CUDA when it is available, else on the CPU.

Example:
    >>> from polykeras.backends.torch import TorchBackend
    >>> b = TorchBackend()
    >>> b.convert_to_numpy(b.add(b.convert_to_tensor([1.0, 2.0]), 1.0))
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

from .attention_ops import AttentionOps
from .autodiff import AutodiffOps
from .conv_transpose_ops import ConvTransposeOps
from .core import CoreOps
from .fused_ops import FusedOps
from .math_ops import MathOps
from .nn_ops import NNOps
from .random_ops import RandomOps
from .shape_ops import ShapeOps


class TorchBackend(CoreOps, MathOps, ShapeOps, NNOps, ConvTransposeOps, RandomOps, FusedOps,
                   AttentionOps, AutodiffOps):
    """The torch adapter (one instance per process, created by the registry)."""

    name = "torch"

    def __repr__(self) -> str:
        return f"<TorchBackend device={self.device}>"


__all__ = ["TorchBackend"]
