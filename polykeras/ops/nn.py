"""Neural-network ops: activations, crossentropies, convolution, pooling, normalization.

Ops an adapter does not implement itself (see ``OPTIONAL_OPS`` in
:mod:`polykeras.backend.protocol`) are composed here from primitives, in numerically
stable forms that stay differentiable.

Example:
    >>> from polykeras import ops
    >>> ops.convert_to_numpy(ops.softmax([[1.0, 1.0]]))
    array([[0.5, 0.5]], dtype=float32)
"""

from __future__ import annotations

import itertools
import math as _pymath
from typing import Any

from polykeras.backend.protocol import Tensor
from polykeras.backend.selection import current as _backend
from polykeras.ops._arguments import (
    as_int,
    axis_arg,
    data_format_arg,
    int_tuple,
    normalize_axis,
    padding_arg,
)
from polykeras.ops._layout import from_channels_last, to_channels_last
from polykeras.ops.core import as_float_tensor, as_tensor
from polykeras.ops.indexing import one_hot
from polykeras.ops.math import tanh

__all__ = [
    "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign",
    "elu", "selu", "gelu", "silu", "swish", "leaky_relu", "hard_sigmoid", "hard_silu",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "conv", "max_pool", "average_pool", "moments", "batch_normalization", "one_hot",
]

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
_SQRT_2_OVER_PI = 0.7978845608028654
_INV_SQRT_2 = 0.7071067811865476


def _epsilon() -> float:
    from polykeras.config import epsilon

    return epsilon()


# ----------------------------------------------------------------------- activations
def relu(x: Any) -> Tensor:
    """``max(x, 0)``, elementwise."""
    return _backend().relu(x)


def sigmoid(x: Any) -> Tensor:
    """``1 / (1 + exp(-x))``, elementwise."""
    return _backend().sigmoid(x)


def relu6(x: Any) -> Tensor:
    """``min(max(x, 0), 6)``, elementwise."""
    b = _backend()
    fast = getattr(b, "relu6", None)
    if fast is not None:
        return fast(x)
    return b.clip(as_float_tensor(b, x), 0.0, 6.0)


def softmax(x: Any, axis: Any = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple), computed stably.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.softmax([1000.0, 1000.0]))
        array([0.5, 0.5], dtype=float32)
    """
    if type(axis) is not int:
        axis = axis_arg(axis, "softmax")
    b = _backend()
    fast = getattr(b, "softmax", None)
    if fast is not None:
        return fast(x, axis=axis)
    x = as_float_tensor(b, x)
    e = b.exp(b.subtract(x, b.stop_gradient(b.max(x, axis=axis, keepdims=True))))
    return b.divide(e, b.sum(e, axis=axis, keepdims=True))


def log_softmax(x: Any, axis: Any = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, computed stably."""
    if type(axis) is not int:
        axis = axis_arg(axis, "log_softmax")
    b = _backend()
    fast = getattr(b, "log_softmax", None)
    if fast is not None:
        return fast(x, axis=axis)
    return _log_softmax(b, x, axis)


def _log_softmax(b: Any, x: Any, axis: Any) -> Tensor:
    x = as_float_tensor(b, x)
    shifted = b.subtract(x, b.stop_gradient(b.max(x, axis=axis, keepdims=True)))
    return b.subtract(shifted, b.log(b.sum(b.exp(shifted), axis=axis, keepdims=True)))


def softplus(x: Any) -> Tensor:
    """``log(1 + exp(x))``, computed without overflow."""
    b = _backend()
    fast = getattr(b, "softplus", None)
    if fast is not None:
        return fast(x)
    x = as_float_tensor(b, x)
    return b.add(b.relu(x), b.log1p(b.exp(b.negative(b.abs(x)))))


def softsign(x: Any) -> Tensor:
    """``x / (1 + |x|)``."""
    b = _backend()
    fast = getattr(b, "softsign", None)
    if fast is not None:
        return fast(x)
    x = as_float_tensor(b, x)
    return b.divide(x, b.add(b.abs(x), 1.0))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    b = _backend()
    fast = getattr(b, "elu", None)
    if fast is not None:
        return fast(x, alpha=alpha)
    return _elu(b, x, alpha)


def _elu(b: Any, x: Any, alpha: float) -> Tensor:
    x = as_float_tensor(b, x)
    # expm1 of min(x, 0) keeps the unused branch finite, so its gradient is 0, not NaN.
    neg = b.multiply(b.expm1(b.minimum(x, 0.0)), alpha)
    return b.where(b.greater(x, 0.0), x, neg)


def selu(x: Any) -> Tensor:
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalizing constants."""
    b = _backend()
    fast = getattr(b, "selu", None)
    if fast is not None:
        return fast(x)
    return b.multiply(_elu(b, x, _SELU_ALPHA), _SELU_SCALE)


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit; the tanh approximation when ``approximate``."""
    b = _backend()
    fast = getattr(b, "gelu", None)
    if fast is not None:
        return fast(x, approximate=approximate)
    x = as_float_tensor(b, x)
    if approximate:
        inner = b.multiply(b.add(x, b.multiply(b.power(x, 3), 0.044715)), _SQRT_2_OVER_PI)
        return b.multiply(b.multiply(x, 0.5), b.add(b.tanh(inner), 1.0))
    return b.multiply(b.multiply(x, 0.5), b.add(b.erf(b.multiply(x, _INV_SQRT_2)), 1.0))


def silu(x: Any) -> Tensor:
    """``x * sigmoid(x)`` (also known as swish)."""
    b = _backend()
    fast = getattr(b, "silu", None)
    if fast is not None:
        return fast(x)
    x = as_float_tensor(b, x)
    return b.multiply(x, b.sigmoid(x))


swish = silu


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """``x`` for ``x >= 0``, else ``negative_slope * x``."""
    b = _backend()
    fast = getattr(b, "leaky_relu", None)
    if fast is not None:
        return fast(x, negative_slope=negative_slope)
    x = as_float_tensor(b, x)
    return b.where(b.greater_equal(x, 0.0), x, b.multiply(x, negative_slope))


def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    b = _backend()
    fast = getattr(b, "hard_sigmoid", None)
    if fast is not None:
        return fast(x)
    return _hard_sigmoid(b, x)


def _hard_sigmoid(b: Any, x: Any) -> Tensor:
    x = as_float_tensor(b, x)
    return b.divide(b.clip(b.add(x, 3.0), 0.0, 6.0), 6.0)


def hard_silu(x: Any) -> Tensor:
    """``x * hard_sigmoid(x)`` (also known as hard swish)."""
    b = _backend()
    x = as_float_tensor(b, x)
    fast = getattr(b, "hard_sigmoid", None)
    return b.multiply(x, fast(x) if fast is not None else _hard_sigmoid(b, x))


# -------------------------------------------------------------------- crossentropies
def _check_same_shape(b: Any, target: Tensor, output: Tensor, op: str) -> None:
    ts, os_ = b.shape(target), b.shape(output)
    if tuple(ts) != tuple(os_):
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, received "
            f"target.shape={tuple(ts)} and output.shape={tuple(os_)}."
        )


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                             axis: int = -1) -> Tensor:
    """Per-sample crossentropy between one-hot (or soft) ``target`` and ``output``.

    ``output`` holds probabilities (normalized along ``axis``, then clipped to
    ``[epsilon, 1 - epsilon]``), or logits when ``from_logits=True``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]))
        array([0.6931472], dtype=float32)
    """
    b = _backend()
    fast = getattr(b, "categorical_crossentropy", None)
    if fast is not None:
        return fast(target, output, from_logits=from_logits, axis=axis)
    output = as_float_tensor(b, output)
    target = b.cast(as_tensor(b, target), b.dtype(output))
    _check_same_shape(b, target, output, "categorical_crossentropy")
    if from_logits:
        log_prob = _log_softmax(b, output, axis)
    else:
        output = b.divide(output, b.sum(output, axis=axis, keepdims=True))
        eps = _epsilon()
        log_prob = b.log(b.clip(output, eps, 1.0 - eps))
    return b.negative(b.sum(b.multiply(target, log_prob), axis=axis))


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False,
                                    axis: int = -1) -> Tensor:
    """Per-sample crossentropy between integer labels ``target`` and ``output``.

    ``target`` has the shape of ``output`` without ``axis`` (a trailing size-1 axis is
    also accepted).

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.sparse_categorical_crossentropy([1], [[0.5, 0.5]]))
        array([0.6931472], dtype=float32)
    """
    b = _backend()
    fast = getattr(b, "sparse_categorical_crossentropy", None)
    if fast is not None:
        return fast(target, output, from_logits=from_logits, axis=axis)
    output = as_float_tensor(b, output)
    target = as_tensor(b, target)
    os_, ts = tuple(b.shape(output)), tuple(b.shape(target))
    if not os_:
        raise ValueError(
            "sparse_categorical_crossentropy: `output` must have at least one axis (the "
            "classes), received a scalar."
        )
    a = normalize_axis(as_int(axis, "axis", "sparse_categorical_crossentropy"), len(os_),
                       "sparse_categorical_crossentropy")
    if len(ts) == len(os_) and ts[a] == 1:
        target = b.squeeze(target, a)
        ts = ts[:a] + ts[a + 1:]
    expected = os_[:a] + os_[a + 1:]
    if ts != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: `target` must have shape {expected} (the "
            f"shape of `output` {os_} without the class axis), received {ts}."
        )
    if b.dtype(target) not in _INTS:
        target = b.cast(target, "int32")
    if from_logits:
        log_prob = _log_softmax(b, output, a)
    else:
        output = b.divide(output, b.sum(output, axis=a, keepdims=True))
        eps = _epsilon()
        log_prob = b.log(b.clip(output, eps, 1.0 - eps))
    num_classes = os_[a]
    classes = b.arange(0, num_classes, 1, b.dtype(target))
    cshape = [1] * len(os_)
    cshape[a] = num_classes
    mask = b.cast(b.equal(b.expand_dims(target, a), b.reshape(classes, tuple(cshape))),
                  b.dtype(output))
    return b.negative(b.sum(b.multiply(mask, log_prob), axis=a))


_INTS = frozenset(("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"))


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Elementwise binary crossentropy (same shape as ``output``).

    With ``from_logits=True`` uses ``max(x, 0) - x * t + log1p(exp(-|x|))``; otherwise
    clips probabilities to ``[epsilon, 1 - epsilon]``.

    Example:
        >>> from polykeras import ops
        >>> ops.convert_to_numpy(ops.binary_crossentropy([1.0], [0.0], from_logits=True))
        array([0.6931472], dtype=float32)
    """
    b = _backend()
    fast = getattr(b, "binary_crossentropy", None)
    if fast is not None:
        return fast(target, output, from_logits=from_logits)
    output = as_float_tensor(b, output)
    target = b.cast(as_tensor(b, target), b.dtype(output))
    _check_same_shape(b, target, output, "binary_crossentropy")
    if from_logits:
        softplus_neg_abs = b.log1p(b.exp(b.negative(b.abs(output))))
        return b.add(b.subtract(b.relu(output), b.multiply(output, target)), softplus_neg_abs)
    eps = _epsilon()
    p = b.clip(output, eps, 1.0 - eps)
    pos = b.multiply(target, b.log(p))
    neg = b.multiply(b.subtract(1.0, target), b.log(b.subtract(1.0, p)))
    return b.negative(b.add(pos, neg))


# ------------------------------------------------------------ convolution and pooling
def _spatial_rank(b: Any, inputs: Any, op: str, data_format: str = "channels_last"
                  ) -> tuple[Any, tuple[int, ...], int]:
    """``inputs`` as a channels_last tensor, its shape, and its number of spatial axes."""
    x = as_tensor(b, inputs)
    shp = tuple(b.shape(x))
    n = len(shp) - 2
    if n not in (1, 2, 3):
        layout = ("(batch, *spatial, channels)" if data_format == "channels_last"
                  else "(batch, channels, *spatial)")
        raise ValueError(
            f"{op}: expected inputs of rank 3, 4 or 5 shaped {layout} with 1 to 3 spatial "
            f"axes, received shape {shp}."
        )
    if data_format != "channels_last":
        x = to_channels_last(b, x, data_format)
        shp = tuple(b.shape(x))
    return x, shp, n


def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
         data_format: str | None = None, dilation_rate: Any = 1) -> Tensor:
    """1-D, 2-D or 3-D convolution.

    ``inputs`` is ``(batch, *spatial, in_channels)`` (or ``(batch, in_channels,
    *spatial)`` with ``data_format="channels_first"``) and ``kernel``
    ``(*kernel_spatial, in_channels // groups, out_channels)``: when the inputs have
    ``groups`` times the kernel's input channels, each group of channels is convolved
    with its own ``out_channels // groups`` filters. ``padding`` is "valid", "same", or
    "causal" (1-D only: left padding so no output sees the future).

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.conv(ops.ones((2, 8, 8, 3)), ops.ones((3, 3, 3, 4)), padding="same"))
        (2, 8, 8, 4)
    """
    b = _backend()
    fmt = data_format_arg(data_format, "conv")
    padding = padding_arg(padding, "conv", ("valid", "same", "causal"))
    x, shp, n = _spatial_rank(b, inputs, "conv", fmt)
    k = as_tensor(b, kernel)
    kshp = tuple(b.shape(k))
    if (len(kshp) != n + 2 or kshp[-2] < 1 or shp[-1] % kshp[-2]
            or kshp[-1] % (shp[-1] // kshp[-2])):
        raise ValueError(
            f"conv: kernel shape {kshp} does not match inputs of shape {shp} (channels_last). "
            f"Expected a kernel of rank {n + 2} shaped (*kernel_size, "
            f"{shp[-1]}, filters); for a grouped convolution, (*kernel_size, "
            f"{shp[-1]} // groups, filters) with filters a multiple of groups."
        )
    strides = int_tuple(strides, n, "strides", "conv")
    dilation = int_tuple(dilation_rate, n, "dilation_rate", "conv")
    x, padding = _causal(b, x, kshp[0], padding, dilation, n, "conv")
    _check_valid_window(shp, kshp[:n], dilation, padding, "conv")
    return from_channels_last(b, b.conv(x, k, strides, padding, dilation), fmt)


def _causal(b: Any, x: Tensor, kernel: int, padding: str, dilation: tuple[int, ...], n: int,
            op: str) -> tuple[Tensor, str]:
    """Causal padding as an explicit left pad followed by a "valid" convolution."""
    if padding != "causal":
        return x, padding
    if n != 1:
        raise ValueError(
            f"{op}: padding='causal' is only defined for 1-D convolution, received inputs "
            f"with {n} spatial axes."
        )
    left = dilation[0] * (kernel - 1)
    return b.pad(x, ((0, 0), (left, 0), (0, 0)), "constant", 0), "valid"


def _check_valid_window(shp: tuple[int, ...], window: tuple[int, ...],
                        dilation: tuple[int, ...], padding: str, op: str) -> None:
    if padding != "valid":
        return
    for i, (k, d) in enumerate(zip(window, dilation, strict=True)):
        span = d * (k - 1) + 1
        if shp[1 + i] < span:
            raise ValueError(
                f"{op}: with padding='valid' the input's spatial shape {shp[1:-1]} is "
                f"smaller than the dilated kernel window along axis {i + 1} ({span}). "
                "Use padding='same' or a larger input."
            )


_Ints = tuple[int, ...]


def _pool_args(b: Any, inputs: Any, pool_size: Any, strides: Any, padding: str,
               data_format: Any, op: str) -> tuple[Any, _Ints, _Ints, _Ints, str, str]:
    fmt = data_format_arg(data_format, op)
    padding = padding_arg(padding, op)
    x, shp, n = _spatial_rank(b, inputs, op, fmt)
    pool = int_tuple(pool_size, n, "pool_size", op)
    strides = pool if strides is None else int_tuple(strides, n, "strides", op)
    if padding == "valid" and any(shp[1 + i] < pool[i] for i in range(n)):
        raise ValueError(
            f"{op}: with padding='valid' the pool window {pool} is larger than the input's "
            f"spatial shape {shp[1:-1]}. Use padding='same' or a smaller pool_size."
        )
    return x, shp, pool, strides, padding, fmt


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: str | None = None) -> Tensor:
    """1-D, 2-D or 3-D max pooling; ``strides`` defaults to ``pool_size``.

    Example:
        >>> from polykeras import ops
        >>> ops.shape(ops.max_pool(ops.ones((1, 4, 4, 4, 2)), 2))
        (1, 2, 2, 2, 2)
    """
    b = _backend()
    x, _, pool, strides, padding, fmt = _pool_args(b, inputs, pool_size, strides, padding,
                                                   data_format, "max_pool")
    return from_channels_last(b, b.max_pool(x, pool, strides, padding), fmt)


def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> Tensor:
    """1-D, 2-D or 3-D average pooling; with "same", pads are not counted."""
    b = _backend()
    x, shp, pool, strides, padding, fmt = _pool_args(b, inputs, pool_size, strides, padding,
                                                     data_format, "average_pool")
    fast = getattr(b, "average_pool", None)
    if fast is not None:
        out = fast(x, pool, strides, padding)
    else:
        out = _composed_average_pool(b, x, shp, pool, strides, padding)
    return from_channels_last(b, out, fmt)


def _composed_average_pool(b: Any, x: Tensor, shp: tuple[int, ...], pool: tuple[int, ...],
                           strides: tuple[int, ...], padding: str) -> Tensor:
    import numpy as np

    x = as_float_tensor(b, x)
    n = len(pool)
    spatial = shp[1:-1]
    if padding == "same":
        outs = tuple(-(-spatial[i] // strides[i]) for i in range(n))
        pads = []
        for i in range(n):
            total = max((outs[i] - 1) * strides[i] + pool[i] - spatial[i], 0)
            pads.append((total // 2, total - total // 2))
        x = b.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), "constant", 0)
        ones = np.pad(np.ones(spatial, dtype="float32"), pads)
        counts = _window_sum_np(ones, pool, strides, outs)
        total_sum = _window_sum(b, x, pool, strides, outs)
        counts_t = b.convert_to_tensor(counts.reshape((1,) + outs + (1,)), b.dtype(x))
        return b.divide(total_sum, counts_t)
    outs = tuple((spatial[i] - pool[i]) // strides[i] + 1 for i in range(n))
    return b.divide(_window_sum(b, x, pool, strides, outs), float(_pymath.prod(pool)))


def _window_sum(b: Any, x: Tensor, pool: tuple[int, ...], strides: tuple[int, ...],
                outs: tuple[int, ...]) -> Tensor:
    acc = None
    for offset in itertools.product(*(range(p) for p in pool)):
        key = (slice(None),) + tuple(
            slice(o, o + s * (m - 1) + 1, s) for o, s, m in zip(offset, strides, outs, strict=True)
        ) + (slice(None),)
        part = b.getitem(x, key)
        acc = part if acc is None else b.add(acc, part)
    return acc


def _window_sum_np(x: Any, pool: tuple[int, ...], strides: tuple[int, ...],
                   outs: tuple[int, ...]) -> Any:
    acc = 0
    for offset in itertools.product(*(range(p) for p in pool)):
        key = tuple(slice(o, o + s * (m - 1) + 1, s) for o, s, m in zip(offset, strides, outs, strict=True))
        acc = acc + x[key]
    return acc


# --------------------------------------------------------------------- normalization
def moments(x: Any, axes: Any, keepdims: bool = False,
            synchronized: bool = False) -> tuple[Tensor, Tensor]:
    """Mean and variance of ``x`` over ``axes``.

    float16/bfloat16 inputs are reduced in float32 and cast back. ``synchronized`` is
    accepted for compatibility (there is one device).

    Example:
        >>> from polykeras import ops
        >>> m, v = ops.moments([1.0, 3.0], axes=0)
        >>> float(m), float(v)
        (2.0, 1.0)
    """
    axes = axis_arg(axes, "moments")
    b = _backend()
    fast = getattr(b, "moments", None)
    if fast is not None:
        return fast(x, axes, keepdims=keepdims, synchronized=synchronized)
    x = as_float_tensor(b, x)
    dt = b.dtype(x)
    if dt in ("float16", "bfloat16"):
        x = b.cast(x, "float32")
    m = b.mean(x, axis=axes, keepdims=True)
    v = b.mean(b.square(b.subtract(x, m)), axis=axes, keepdims=True)
    if not keepdims:
        if axes is None:
            m, v = b.reshape(m, ()), b.reshape(v, ())
        else:
            m, v = b.squeeze(m, axes), b.squeeze(v, axes)
    if dt in ("float16", "bfloat16"):
        m, v = b.cast(m, dt), b.cast(v, dt)
    return m, v


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,
                        scale: Any = None, epsilon: float = 1e-3) -> Tensor:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``.

    ``mean``, ``variance``, ``offset`` and ``scale`` are 1-D over ``axis`` of ``x`` (or
    already broadcastable to ``x``).
    """
    b = _backend()
    fast = getattr(b, "batch_normalization", None)
    if fast is not None:
        return fast(x, mean, variance, axis, offset=offset, scale=scale, epsilon=epsilon)
    x = as_float_tensor(b, x)
    shp = tuple(b.shape(x))
    a = normalize_axis(as_int(axis, "axis", "batch_normalization"), len(shp),
                       "batch_normalization")
    dt = b.dtype(x)

    def param(p: Any, what: str) -> Tensor:
        p = as_tensor(b, p)
        if b.dtype(p) != dt:
            p = b.cast(p, dt)
        ps = tuple(b.shape(p))
        if len(ps) == 1 and a != len(shp) - 1:
            if ps[0] != shp[a]:
                raise ValueError(
                    f"batch_normalization: `{what}` has shape {ps}, expected ({shp[a]},) "
                    f"to match axis {axis} of x with shape {shp}."
                )
            target = [1] * len(shp)
            target[a] = shp[a]
            p = b.reshape(p, tuple(target))
        return p

    inv = b.reciprocal(b.sqrt(b.add(param(variance, "variance"), epsilon)))
    if scale is not None:
        inv = b.multiply(inv, param(scale, "scale"))
    shift = b.negative(b.multiply(param(mean, "mean"), inv))
    if offset is not None:
        shift = b.add(shift, param(offset, "offset"))
    return b.add(b.multiply(x, inv), shift)



from polykeras.ops.convolution import (  # noqa: E402  (ops.nn.conv_transpose, ...)
    adaptive_average_pool,
    adaptive_max_pool,
    conv_transpose,
    depthwise_conv,
    separable_conv,
)

__all__ += ["conv_transpose", "depthwise_conv", "separable_conv", "adaptive_average_pool",
            "adaptive_max_pool"]
