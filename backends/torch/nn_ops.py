"""Neural-network ops for the torch adapter: convolution, pooling, activations, losses.

All spatial ops take channels_last inputs, as polykeras does everywhere, and run torch's
channels-first kernels on permuted views (for a contiguous channels_last input that view
is exactly torch's ``channels_last`` memory format, so no copy is made).

Example:
    >>> b = TorchBackend()
    >>> b.conv(torch.ones(1, 5, 1), torch.ones(3, 1, 1), (1,), "same", (1,)).reshape(-1)
    tensor([2., 3., 3., 3., 2.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from polykeras import config

from .core import Tensor, as_float, normalize_axis, promote, to_tensor

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1 and n > 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"Expected {name} with {n} values for a {n}-D op; received {value}.")
    return value


def _same_pads(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
               dilation: Sequence[int]) -> list[tuple[int, int]]:
    """TF "same" padding per spatial axis: (before, after), the extra one after."""
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation, strict=True):
        effective = (k - 1) * d + 1
        out = -(-n // s)
        total = max((out - 1) * s + effective - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _flat_pads(pads: Sequence[tuple[int, int]]) -> list[int]:
    flat: list[int] = []
    for before, after in reversed(pads):
        flat.extend((before, after))
    return flat


def _to_channels_first(x: Tensor) -> Tensor:
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _to_channels_last(x: Tensor) -> Tensor:
    return x.permute(0, *range(2, x.ndim), 1)


def _spatial_rank(inputs: Tensor, op: str) -> int:
    n = inputs.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(
            f"{op} expects channels_last inputs of rank 3, 4 or 5 (batch, *spatial, "
            f"channels); received shape {tuple(inputs.shape)}."
        )
    return n


def _check_padding(padding: str, op: str) -> str:
    p = padding.lower()
    if p not in ("valid", "same"):
        raise ValueError(f"{op} received padding={padding!r}; expected 'valid' or 'same'.")
    return p


def _check_data_format(data_format: str | None, op: str) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"{op} received data_format={data_format!r}; polykeras is channels_last only. "
            "Pass data_format=None or 'channels_last' and transpose channels_first inputs."
        )


def _float_like(x: Any) -> Tensor:
    if isinstance(x, Tensor) and x.is_floating_point():
        return x
    return as_float(x)


def _target_like(target: Any, output: Tensor) -> Tensor:
    t = to_tensor(target)
    return t if t.dtype is output.dtype else t.to(output.dtype)


def _check_same_shape(target: Tensor, output: Tensor, op: str) -> None:
    if target.shape != output.shape:
        raise ValueError(
            f"{op} expects target and output of the same shape; received target shape "
            f"{tuple(target.shape)} and output shape {tuple(output.shape)}."
        )


class NNOps:
    """Convolution, pooling, activations, normalization and losses."""

    # --------------------------------------------------------------- spatial
    def conv(self, inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
             dilation_rate: Any = 1, *, data_format: str | None = None) -> Tensor:
        """Channels_last convolution, kernel (*spatial, in, out), TF "same" padding.

        Grouped convolution is used when ``inputs`` has a multiple of the kernel's input
        channels.
        """
        _check_data_format(data_format, "conv")
        x, w = promote([inputs, kernel])
        if not x.is_floating_point():
            x, w = as_float(x), as_float(w)
        n = _spatial_rank(x, "conv")
        if w.ndim != n + 2:
            raise ValueError(
                f"conv expects a kernel of rank {n + 2} (*spatial, in, out) for inputs of "
                f"shape {tuple(x.shape)}; received kernel shape {tuple(w.shape)}."
            )
        strides = _tuple(strides, n, "strides")
        dilation = _tuple(dilation_rate, n, "dilation_rate")
        padding = _check_padding(padding, "conv")
        in_channels, kernel_in = x.shape[-1], w.shape[-2]
        if kernel_in == 0 or in_channels % kernel_in:
            raise ValueError(
                f"conv: inputs have {in_channels} channels, which is not a multiple of the "
                f"kernel's {kernel_in} input channels (kernel shape {tuple(w.shape)})."
            )
        groups = in_channels // kernel_in
        xc = _to_channels_first(x)
        wc = w.permute(n + 1, n, *range(n))
        pad: Any = 0
        if padding == "same":
            pads = _same_pads(xc.shape[2:], wc.shape[2:], strides, dilation)
            if all(b == a for b, a in pads):
                pad = tuple(b for b, _ in pads)
            else:
                xc = F.pad(xc, _flat_pads(pads))
        out = _CONV[n](xc, wc, None, strides, pad, dilation, groups)
        return _to_channels_last(out)

    def max_pool(self, inputs: Any, pool_size: Any, strides: Any = None,
                 padding: str = "valid", data_format: str | None = None) -> Tensor:
        """Channels_last max pooling; "same" pads with -inf (TF semantics)."""
        _check_data_format(data_format, "max_pool")
        x = to_tensor(inputs)
        n = _spatial_rank(x, "max_pool")
        pool = _tuple(pool_size, n, "pool_size")
        strides = pool if strides is None else _tuple(strides, n, "strides")
        padding = _check_padding(padding, "max_pool")
        xc = _to_channels_first(x)
        pad: Any = 0
        if padding == "same":
            pads = _same_pads(xc.shape[2:], pool, strides, (1,) * n)
            if all(b == a for b, a in pads):
                pad = tuple(b for b, _ in pads)
            else:
                low = (float("-inf") if xc.is_floating_point()
                       else torch.iinfo(xc.dtype).min)
                xc = F.pad(xc, _flat_pads(pads), value=low)
        return _to_channels_last(_MAX_POOL[n](xc, pool, strides, pad))

    def average_pool(self, inputs: Any, pool_size: Any, strides: Any = None,
                     padding: str = "valid", data_format: str | None = None) -> Tensor:
        """Channels_last average pooling; with "same", padding is excluded from the mean."""
        _check_data_format(data_format, "average_pool")
        x = _float_like(inputs)
        n = _spatial_rank(x, "average_pool")
        pool = _tuple(pool_size, n, "pool_size")
        strides = pool if strides is None else _tuple(strides, n, "strides")
        padding = _check_padding(padding, "average_pool")
        xc = _to_channels_first(x)
        avg = _AVG_POOL[n]
        if padding == "valid":
            return _to_channels_last(avg(xc, pool, strides))
        pads = _same_pads(xc.shape[2:], pool, strides, (1,) * n)
        if all(b == a for b, a in pads):
            out = avg(xc, pool, strides, tuple(b for b, _ in pads), count_include_pad=False)
            return _to_channels_last(out)
        flat = _flat_pads(pads)
        summed = avg(F.pad(xc, flat), pool, strides)
        ones = torch.ones((1, 1, *xc.shape[2:]), dtype=xc.dtype, device=xc.device)
        fraction = avg(F.pad(ones, flat), pool, strides)
        return _to_channels_last(summed / fraction)

    # ----------------------------------------------------------- activations
    def softmax(self, x: Any, axis: Any = -1) -> Tensor:
        """``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple, or None for all)."""
        x = _float_like(x)
        if isinstance(axis, int):
            return torch.softmax(x, dim=axis)
        dims = tuple(range(x.ndim)) if axis is None else tuple(axis)
        return torch.exp(x - torch.logsumexp(x, dim=dims, keepdim=True))

    def log_softmax(self, x: Any, axis: Any = -1) -> Tensor:
        """``x - logsumexp(x)`` along ``axis``."""
        x = _float_like(x)
        if isinstance(axis, int):
            return torch.log_softmax(x, dim=axis)
        dims = tuple(range(x.ndim)) if axis is None else tuple(axis)
        return x - torch.logsumexp(x, dim=dims, keepdim=True)

    def gelu(self, x: Any, approximate: bool = True) -> Tensor:
        """Gaussian error linear unit (tanh approximation by default, as keras.ops)."""
        return F.gelu(_float_like(x), approximate="tanh" if approximate else "none")

    def silu(self, x: Any) -> Tensor:
        """``x * sigmoid(x)``."""
        return F.silu(_float_like(x))

    def softplus(self, x: Any) -> Tensor:
        """``log(1 + exp(x))``."""
        return F.softplus(_float_like(x))

    def elu(self, x: Any, alpha: float = 1.0) -> Tensor:
        """Exponential linear unit."""
        return F.elu(_float_like(x), alpha=alpha)

    def selu(self, x: Any) -> Tensor:
        """Scaled exponential linear unit."""
        return F.selu(_float_like(x))

    def leaky_relu(self, x: Any, negative_slope: float = 0.2) -> Tensor:
        """``x`` for x >= 0, ``negative_slope * x`` otherwise."""
        return F.leaky_relu(_float_like(x), negative_slope=negative_slope)

    def relu6(self, x: Any) -> Tensor:
        """``min(max(x, 0), 6)``."""
        return F.relu6(_float_like(x))

    def hard_sigmoid(self, x: Any) -> Tensor:
        """``relu6(x + 3) / 6``."""
        return F.hardsigmoid(_float_like(x))

    def softsign(self, x: Any) -> Tensor:
        """``x / (1 + |x|)``."""
        return F.softsign(_float_like(x))

    # --------------------------------------------------------- normalization
    def batch_normalization(self, x: Any, mean: Any, variance: Any, axis: int,
                            offset: Any = None, scale: Any = None,
                            epsilon: float = 1e-3) -> Tensor:
        """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` along ``axis``."""
        x = _float_like(x)
        axis = normalize_axis(axis, x.ndim)

        def along_axis(v: Any) -> Tensor:
            t = to_tensor(v)
            if t.dtype is not x.dtype:
                t = t.to(x.dtype)
            if t.ndim == 1 and x.ndim > 1:
                shape = [1] * x.ndim
                shape[axis] = t.shape[0]
                t = t.reshape(shape)
            return t

        inv = torch.rsqrt(along_axis(variance) + epsilon)
        if scale is not None:
            inv = inv * along_axis(scale)
        shift = -along_axis(mean) * inv
        if offset is not None:
            shift = shift + along_axis(offset)
        return x * inv + shift

    # ---------------------------------------------------------------- losses
    def categorical_crossentropy(self, target: Any, output: Any, from_logits: bool = False,
                                 axis: int = -1) -> Tensor:
        """Per-sample crossentropy between one-hot/probability targets and predictions."""
        output = _float_like(output)
        target = _target_like(target, output)
        _check_same_shape(target, output, "categorical_crossentropy")
        if from_logits:
            if output.ndim == 2 and axis in (-1, 1) and target.dtype is output.dtype:
                # One fused kernel (probability targets), forward and backward.
                return F.cross_entropy(output, target, reduction="none")
            log_prob = torch.log_softmax(output, dim=axis)
        else:
            eps = config.epsilon()
            probs = output / torch.sum(output, dim=axis, keepdim=True)
            log_prob = torch.log(torch.clamp(probs, eps, 1.0 - eps))
        return -torch.sum(target * log_prob, dim=axis)

    def sparse_categorical_crossentropy(self, target: Any, output: Any,
                                        from_logits: bool = False, axis: int = -1) -> Tensor:
        """Per-sample crossentropy between integer labels and predictions (fused kernel)."""
        output = _float_like(output)
        target = to_tensor(target)
        if output.ndim == 0:
            raise ValueError(
                "sparse_categorical_crossentropy expects output with a class axis; received "
                "a scalar."
            )
        axis = normalize_axis(axis, output.ndim)
        if axis != output.ndim - 1:
            output = output.movedim(axis, -1)
        if target.ndim == output.ndim and target.shape[-1] == 1:
            target = target.squeeze(-1)
        if target.shape != output.shape[:-1]:
            raise ValueError(
                "sparse_categorical_crossentropy expects target shape equal to output shape "
                f"without the class axis; received target shape {tuple(target.shape)} and "
                f"output shape {tuple(output.shape)}."
            )
        if target.dtype is not torch.int64:
            target = target.to(torch.int64)
        classes = output.shape[-1]
        flat_out = output.reshape(-1, classes)
        flat_target = target.reshape(-1)
        if from_logits:
            loss = F.cross_entropy(flat_out, flat_target, reduction="none")
        else:
            eps = config.epsilon()
            probs = flat_out / torch.sum(flat_out, dim=-1, keepdim=True)
            log_prob = torch.log(torch.clamp(probs, eps, 1.0 - eps))
            loss = F.nll_loss(log_prob, flat_target, reduction="none")
        return loss.reshape(target.shape)

    def binary_crossentropy(self, target: Any, output: Any,
                            from_logits: bool = False) -> Tensor:
        """Elementwise binary crossentropy (no reduction)."""
        output = _float_like(output)
        target = _target_like(target, output)
        _check_same_shape(target, output, "binary_crossentropy")
        if from_logits:
            return F.binary_cross_entropy_with_logits(output, target, reduction="none")
        eps = config.epsilon()
        output = torch.clamp(output, eps, 1.0 - eps)
        if target.requires_grad:
            return -(target * torch.log(output) + (1.0 - target) * torch.log1p(-output))
        return F.binary_cross_entropy(output, target, reduction="none")

