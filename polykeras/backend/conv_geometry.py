"""Output sizes and paddings of convolutions, shared by the frontend and the adapters.

Plain integer arithmetic (no tensors), so adapters may import it without pulling in the
frontend. "same" padding follows TensorFlow: the odd pad goes after.

A transposed convolution is defined as the adjoint (the input gradient) of the
convolution that maps its output back to its input. For each spatial axis its output
length is Keras's ``deconv_output_length``; its values are those of the "full" transposed
result (length ``(size - 1) * stride + dilated_kernel``) read from offset ``before``, the
leading pad of that forward convolution (zeros past the end of the full result).

Example:
    >>> same_pads(5, 3, 2, 1)
    (1, 1)
    >>> transpose_geometry((4,), (3,), (2,), "same", None, (1,))
    ((8,), (0,))
"""

from __future__ import annotations

from collections.abc import Sequence


def same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) pads of one axis under "same" padding (output ``ceil(size / stride)``)."""
    extent = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + extent - size, 0)
    return total // 2, total - total // 2


def output_length(size: int | None, kernel: int, stride: int, padding: str,
                  dilation: int = 1) -> int | None:
    """Output length of a convolution or pooling along one axis ("causal" is "valid"
    after its left pad, so its length is the input's divided by the stride)."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    extent = (kernel - 1) * dilation + 1
    return max(0, (size - extent) // stride + 1)


def transpose_output_length(size: int | None, kernel: int, stride: int, padding: str,
                            output_padding: int | None = None,
                            dilation: int = 1) -> int | None:
    """Keras's output length of a transposed convolution along one axis."""
    if size is None:
        return None
    extent = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(extent - stride, 0)
        return size * stride
    pad = extent // 2 if padding == "same" else 0
    return (size - 1) * stride + extent - 2 * pad + output_padding


def transpose_geometry(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                       padding: str, output_padding: Sequence[int] | None,
                       dilation: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per-axis output lengths and leading offsets into the full transposed result."""
    lengths, befores = [], []
    for i, (n, k, s, d) in enumerate(zip(sizes, kernel, strides, dilation, strict=True)):
        op = None if output_padding is None else output_padding[i]
        length = transpose_output_length(n, k, s, padding, op, d)
        assert length is not None
        before = 0
        if padding == "same":
            extent = (k - 1) * d + 1
            before = max((n - 1) * s + extent - length, 0) // 2
        lengths.append(length)
        befores.append(before)
    return tuple(lengths), tuple(befores)


def full_transpose_length(size: int, kernel: int, stride: int, dilation: int) -> int:
    """Length of the uncropped transposed convolution along one axis."""
    return (size - 1) * stride + (kernel - 1) * dilation + 1
