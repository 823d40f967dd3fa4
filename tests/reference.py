"""Float64 NumPy references, input domains and comparison checks for the op suite.

Every reference takes and returns float64 NumPy arrays (or ints/bools where the op is
not a float op). Inputs for the backend are float32 (or another dtype under test); the
reference always sees the same values, widened to float64, so only the op's own
rounding separates the two results.

Example:
    >>> x = sample("any", (3,), seed=0)
    >>> assert_result(polykeras.ops.exp(x), np.exp(x.astype(np.float64)), "float32")
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

F64 = np.float64

#: (rtol, atol) for comparing an op's result in a dtype with a float64 reference.
TOLERANCES: dict[str, tuple[float, float]] = {
    "bfloat16": (3e-2, 1e-2),
    "float16": (5e-3, 1e-3),
    "float32": (1e-5, 1e-6),
    "float64": (1e-11, 1e-12),
}

#: Analytic (float32) against finite-difference (float64) gradients.
GRAD_RTOL = 1e-3
GRAD_ATOL = 1e-4

#: polykeras.config.epsilon(), the clip bound of the probability crossentropies.
EPSILON = 1e-7

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ----------------------------------------------------------------------------- inputs
def _away_from(x: np.ndarray, points: Sequence[float], margin: float) -> np.ndarray:
    for p in points:
        near = np.abs(x - p) < margin
        x = np.where(near, p + np.where(x >= p, margin, -margin), x)
    return x


def sample(domain: str, shape: tuple[int, ...], seed: int = 0,
           dtype: str = "float32") -> np.ndarray:
    """Random values of ``shape`` from a named domain, as a NumPy array of ``dtype``.

    Domains keep inputs inside an op's domain and away from its kinks, so values and
    finite differences are well conditioned:

    * ``any``: (-2, 2), at least 0.1 from 0
    * ``wide``: (-8, 8), at least 0.15 from the activation kinks 0, +-3 and 6
    * ``pos``: (0.2, 3);  ``unit``: (-0.9, 0.9) at least 0.05 from 0;  ``gt1``: (1.1, 3)
    * ``gtm1``: (-0.6, 2), for log1p;  ``prob``: (0.05, 0.95)
    * ``nonint``: (-4, 4) with fractional parts in [0.1, 0.4] or [0.6, 0.9]
    * ``eighths``: multiples of 1/8 in [-5, 5] (exact in float16 and float32)
    * ``divisor``: +-{0.5, 0.75, 1.25, 2} (exact, never 0)
    * ``distinct``: a shuffled grid with steps of 0.25 plus small noise (no ties)
    * ``small_int``: integers in [-2, 2] as floats (many ties, for comparisons)

    Example:
        >>> sample("pos", (2, 2), seed=1).dtype
        dtype('float32')
    """
    rng = np.random.default_rng(seed)
    if domain == "any":
        x = _away_from(rng.uniform(-2, 2, shape), [0.0], 0.1)
    elif domain == "wide":
        x = _away_from(rng.uniform(-8, 8, shape), [0.0, 3.0, -3.0, 6.0], 0.15)
    elif domain == "pos":
        x = rng.uniform(0.2, 3, shape)
    elif domain == "unit":
        x = _away_from(rng.uniform(-0.9, 0.9, shape), [0.0], 0.05)
    elif domain == "gt1":
        x = rng.uniform(1.1, 3, shape)
    elif domain == "gtm1":
        x = rng.uniform(-0.6, 2, shape)
    elif domain == "prob":
        x = rng.uniform(0.05, 0.95, shape)
    elif domain == "nonint":
        frac = rng.choice([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], size=shape)
        x = rng.integers(-4, 4, size=shape) + frac + rng.uniform(-0.02, 0.02, shape)
    elif domain == "eighths":
        x = rng.integers(-40, 41, size=shape) / 8.0
    elif domain == "divisor":
        x = rng.choice([-2.0, -1.25, -0.75, -0.5, 0.5, 0.75, 1.25, 2.0], size=shape)
    elif domain == "distinct":
        n = int(np.prod(shape, dtype=np.int64))
        x = (rng.permutation(n) - n / 2.0) * 0.25 + rng.uniform(-0.05, 0.05, n)
        x = x.reshape(shape)
    elif domain == "small_int":
        x = rng.integers(-2, 3, size=shape).astype(F64)
    else:
        raise ValueError(f"Unknown sample domain {domain!r}.")
    return np.asarray(x).astype(_numpy_dtype(dtype))


def _numpy_dtype(dtype: str) -> Any:
    if dtype == "bfloat16":
        return np.float32  # converted by the backend; the reference sees float32 values
    return np.dtype(dtype)


def widen(x: Any) -> np.ndarray:
    """``x`` as a float64 array (booleans and integers kept as they are)."""
    x = np.asarray(x)
    return x.astype(F64) if x.dtype.kind == "f" or x.dtype.name == "bfloat16" else x


def round_to(x: np.ndarray, dtype: str) -> np.ndarray:
    """The values the backend holds after converting float32 ``x`` to ``dtype``."""
    if dtype == "bfloat16":
        bits = np.asarray(x, np.float32).view(np.uint32)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
        return rounded.view(np.float32).astype(F64)
    return np.asarray(x).astype(dtype).astype(F64)


# --------------------------------------------------------------------- conversion
def to_np(x: Any) -> np.ndarray:
    """A backend tensor as a NumPy array (``polykeras.ops.convert_to_numpy``)."""
    from polykeras import ops

    return np.asarray(ops.convert_to_numpy(x))


def assert_result(result: Any, expected: Any, dtype: str | None = None,
                  rtol: float | None = None, atol: float | None = None) -> None:
    """Check a backend result: it is a tensor of ``dtype`` and the expected shape, and
    its values match ``expected`` (exactly for ints and bools, within the dtype's
    tolerance for floats).

    Example:
        >>> assert_result(ops.add(x, 1.0), widen(x) + 1.0, "float32")
    """
    from polykeras import ops

    expected = np.asarray(expected)
    if not ops.is_tensor(result):
        raise AssertionError(f"Expected a backend tensor, received {type(result).__name__}.")
    got_dtype = ops.dtype(result)
    if dtype is not None and got_dtype != dtype:
        raise AssertionError(f"Result dtype is {got_dtype}, expected {dtype}.")
    shape = tuple(ops.shape(result))
    if shape != expected.shape:
        raise AssertionError(f"Result shape is {shape}, expected {expected.shape}.")
    if got_dtype == "bfloat16":
        result = ops.cast(result, "float32")
    actual = to_np(result)
    if actual.shape != expected.shape:
        raise AssertionError(
            f"convert_to_numpy gave shape {actual.shape}, expected {expected.shape}."
        )
    if got_dtype in TOLERANCES:
        r, a = TOLERANCES[got_dtype]
        np.testing.assert_allclose(
            actual.astype(F64), expected.astype(F64),
            rtol=r if rtol is None else rtol, atol=a if atol is None else atol,
            equal_nan=True,
        )
    else:
        np.testing.assert_array_equal(actual, expected)


# --------------------------------------------------------------------- elementwise
def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, through ``math.erf``."""
    return np.vectorize(math.erf, otypes=[F64])(x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 6.0)


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def softsign(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.abs(x))


def silu(x: np.ndarray) -> np.ndarray:
    return x * sigmoid(x)


def gelu(x: np.ndarray, approximate: bool = True) -> np.ndarray:
    if approximate:
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def selu(x: np.ndarray) -> np.ndarray:
    return SELU_SCALE * elu(x, SELU_ALPHA)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.2) -> np.ndarray:
    return np.where(x >= 0, x, negative_slope * x)


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def hard_silu(x: np.ndarray) -> np.ndarray:
    return x * hard_sigmoid(x)


def logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.exp(log_softmax(x, axis))


# -------------------------------------------------------------------- losses
def categorical_crossentropy(target: np.ndarray, output: np.ndarray,
                             from_logits: bool = False, axis: int = -1) -> np.ndarray:
    if from_logits:
        logp = log_softmax(output, axis)
    else:
        p = output / np.sum(output, axis=axis, keepdims=True)
        logp = np.log(np.clip(p, EPSILON, 1.0 - EPSILON))
    return -np.sum(target * logp, axis=axis)


def sparse_categorical_crossentropy(target: np.ndarray, output: np.ndarray,
                                    from_logits: bool = False, axis: int = -1) -> np.ndarray:
    dense = np.moveaxis(np.eye(output.shape[axis])[target], -1, axis)
    return categorical_crossentropy(dense, output, from_logits, axis)


def binary_crossentropy(target: np.ndarray, output: np.ndarray,
                        from_logits: bool = False) -> np.ndarray:
    if from_logits:
        return relu(output) - output * target + np.log1p(np.exp(-np.abs(output)))
    p = np.clip(output, EPSILON, 1.0 - EPSILON)
    return -(target * np.log(p) + (1.0 - target) * np.log(1.0 - p))


# -------------------------------------------------------------- conv and pooling
def _tuple(v: int | Sequence[int], n: int) -> tuple[int, ...]:
    return (v,) * n if isinstance(v, int) else tuple(v)


def same_padding(size: int, window: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow "same" padding: output ceil(size / stride), extra pad on the right."""
    effective = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def conv(x: np.ndarray, kernel: np.ndarray, strides: int | Sequence[int] = 1,
         padding: str = "valid", dilation_rate: int | Sequence[int] = 1) -> np.ndarray:
    """Channels-last N-d convolution (cross-correlation), kernel (*spatial, in, out),
    by explicit loops over output and kernel positions."""
    nd = x.ndim - 2
    strides, dilation = _tuple(strides, nd), _tuple(dilation_rate, nd)
    window = kernel.shape[:nd]
    pads = []
    for n, k, s, d in zip(x.shape[1:-1], window, strides, dilation, strict=True):
        pads.append(same_padding(n, k, s, d) if padding == "same" else (0, 0))
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    out_shape = [
        (n + lo + hi - ((k - 1) * d + 1)) // s + 1
        for n, (lo, hi), k, s, d in zip(x.shape[1:-1], pads, window, strides, dilation, strict=True)
    ]
    y = np.zeros((x.shape[0], *out_shape, kernel.shape[-1]), dtype=F64)
    for pos in itertools.product(*[range(o) for o in out_shape]):
        for kpos in itertools.product(*[range(k) for k in window]):
            src = tuple(p * s + q * d for p, q, s, d in zip(pos, kpos, strides, dilation, strict=True))
            y[(slice(None), *pos, slice(None))] += xp[(slice(None), *src, slice(None))] @ kernel[kpos]
    return y


def pool(x: np.ndarray, pool_size: int | Sequence[int], strides: Any = None,
         padding: str = "valid", kind: str = "max") -> np.ndarray:
    """Channels-last max or average pooling; "same" pads are left out of the window
    (never the maximum, not counted in the mean)."""
    nd = x.ndim - 2
    window = _tuple(pool_size, nd)
    strides = window if strides is None else _tuple(strides, nd)
    spatial = x.shape[1:-1]
    if padding == "same":
        pads = [same_padding(n, k, s) for n, k, s in zip(spatial, window, strides, strict=True)]
        out_shape = [-(-n // s) for n, s in zip(spatial, strides, strict=True)]
    else:
        pads = [(0, 0)] * nd
        out_shape = [(n - k) // s + 1 for n, k, s in zip(spatial, window, strides, strict=True)]
    y = np.zeros((x.shape[0], *out_shape, x.shape[-1]), dtype=F64)
    reduce = np.max if kind == "max" else np.mean
    for pos in itertools.product(*[range(o) for o in out_shape]):
        region = []
        for p, s, (lo, _), k, n in zip(pos, strides, pads, window, spatial, strict=True):
            start = p * s - lo
            region.append(slice(max(start, 0), min(start + k, n)))
        patch = x[(slice(None), *region, slice(None))]
        y[(slice(None), *pos, slice(None))] = reduce(patch, axis=tuple(range(1, nd + 1)))
    return y


def batch_normalization(x: np.ndarray, mean: np.ndarray, variance: np.ndarray, axis: int,
                        offset: np.ndarray | None = None, scale: np.ndarray | None = None,
                        epsilon: float = 1e-3) -> np.ndarray:
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    y = (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon)
    if scale is not None:
        y = y * scale.reshape(shape)
    if offset is not None:
        y = y + offset.reshape(shape)
    return y


# ------------------------------------------------------------------ indexing
def scatter(indices: np.ndarray, values: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    out = np.zeros(tuple(shape), dtype=values.dtype)
    np.add.at(out, tuple(np.moveaxis(indices, -1, 0)), values)
    return out


def one_hot(x: np.ndarray, num_classes: int, axis: int = -1) -> np.ndarray:
    return np.moveaxis(np.eye(num_classes)[x], -1, axis)


# ------------------------------------------------------------------ gradients
def numerical_gradient(f: Callable[..., Any], args: Sequence[np.ndarray], index: int,
                       eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar ``f(*args)`` in ``args[index]``,
    computed in float64.

    Example:
        >>> numerical_gradient(lambda a: np.sum(a**2), [np.array([1.0, 2.0])], 0)
        array([2., 4.])
    """
    args = [widen(a) for a in args]
    x = args[index].copy()
    args[index] = x
    grad = np.zeros(x.shape, dtype=F64)
    for i in np.ndindex(*x.shape):
        orig = x[i]
        x[i] = orig + eps
        up = float(f(*args))
        x[i] = orig - eps
        down = float(f(*args))
        x[i] = orig
        grad[i] = (up - down) / (2.0 * eps)
    return grad


# ------------------------------------------------------------------ op catalogs
class OpCase:
    """One elementwise op under test: ``getattr(polykeras.ops, op)(*inputs, **kwargs)``
    against ``ref`` on inputs drawn from ``domains`` (one per input).

    ``differentiable`` is False for ops whose gradient is zero or undefined almost
    everywhere (sign, floor, comparisons ...).
    """

    __slots__ = ("id", "op", "ref", "domains", "kwargs", "differentiable")

    def __init__(self, id: str, ref: Callable[..., Any], *domains: str, op: str | None = None,
                 kwargs: dict[str, Any] | None = None, differentiable: bool = True) -> None:
        self.id = id
        self.op = op or id
        self.ref = ref
        self.domains = domains
        self.kwargs = kwargs or {}
        self.differentiable = differentiable

    def inputs(self, shapes: Sequence[tuple[int, ...]], seed: int = 0,
               dtype: str = "float32") -> list[np.ndarray]:
        pairs = zip(self.domains, shapes, strict=True)
        return [sample(d, s, seed + i, dtype) for i, (d, s) in enumerate(pairs)]

    def __call__(self, *args: Any) -> Any:
        from polykeras import ops

        return getattr(ops, self.op)(*args, **self.kwargs)

    def __repr__(self) -> str:
        return self.id


#: Float elementwise ops of one argument (math and activations).
UNARY_CASES = [
    OpCase("abs", np.abs, "any"),
    OpCase("absolute", np.abs, "any"),
    OpCase("negative", np.negative, "any"),
    OpCase("sign", np.sign, "any", differentiable=False),
    OpCase("exp", np.exp, "any"),
    OpCase("log", np.log, "pos"),
    OpCase("log1p", np.log1p, "gtm1"),
    OpCase("expm1", np.expm1, "any"),
    OpCase("log2", np.log2, "pos"),
    OpCase("log10", np.log10, "pos"),
    OpCase("sqrt", np.sqrt, "pos"),
    OpCase("rsqrt", lambda x: 1.0 / np.sqrt(x), "pos"),
    OpCase("square", np.square, "any"),
    OpCase("reciprocal", np.reciprocal, "any"),
    OpCase("floor", np.floor, "nonint", differentiable=False),
    OpCase("ceil", np.ceil, "nonint", differentiable=False),
    OpCase("round", np.round, "nonint", differentiable=False),
    OpCase("sin", np.sin, "any"),
    OpCase("cos", np.cos, "any"),
    OpCase("tan", np.tan, "unit"),
    OpCase("arcsin", np.arcsin, "unit"),
    OpCase("arccos", np.arccos, "unit"),
    OpCase("arctan", np.arctan, "any"),
    OpCase("sinh", np.sinh, "any"),
    OpCase("cosh", np.cosh, "any"),
    OpCase("tanh", np.tanh, "any"),
    OpCase("arcsinh", np.arcsinh, "any"),
    OpCase("arccosh", np.arccosh, "gt1"),
    OpCase("arctanh", np.arctanh, "unit"),
    OpCase("erf", erf, "any"),
    OpCase("sigmoid", sigmoid, "wide"),
    OpCase("relu", relu, "wide"),
    OpCase("relu6", relu6, "wide"),
    OpCase("softplus", softplus, "wide"),
    OpCase("softsign", softsign, "wide"),
    OpCase("silu", silu, "wide"),
    OpCase("swish", silu, "wide"),
    OpCase("gelu", gelu, "wide"),
    OpCase("gelu_exact", lambda x: gelu(x, approximate=False), "wide", op="gelu",
           kwargs={"approximate": False}),
    OpCase("elu", elu, "wide"),
    OpCase("elu_alpha", lambda x: elu(x, 0.5), "wide", op="elu", kwargs={"alpha": 0.5}),
    OpCase("selu", selu, "wide"),
    OpCase("leaky_relu", leaky_relu, "wide"),
    OpCase("leaky_relu_slope", lambda x: leaky_relu(x, 0.1), "wide", op="leaky_relu",
           kwargs={"negative_slope": 0.1}),
    OpCase("hard_sigmoid", hard_sigmoid, "wide"),
    OpCase("hard_silu", hard_silu, "wide"),
]

#: Float elementwise ops of two broadcasting arguments.
BINARY_CASES = [
    OpCase("add", np.add, "any", "any"),
    OpCase("subtract", np.subtract, "any", "any"),
    OpCase("multiply", np.multiply, "any", "any"),
    OpCase("divide", np.divide, "any", "any"),
    OpCase("true_divide", np.divide, "any", "any"),
    OpCase("floor_divide", np.floor_divide, "eighths", "divisor", differentiable=False),
    OpCase("mod", np.mod, "eighths", "divisor", differentiable=False),
    OpCase("power", np.power, "pos", "any"),
    OpCase("maximum", np.maximum, "any", "any"),
    OpCase("minimum", np.minimum, "any", "any"),
    OpCase("arctan2", np.arctan2, "any", "any"),
]

#: Comparisons and logical ops: boolean results.
COMPARISON_CASES = [
    OpCase("equal", np.equal, "small_int", "small_int"),
    OpCase("not_equal", np.not_equal, "small_int", "small_int"),
    OpCase("less", np.less, "small_int", "small_int"),
    OpCase("less_equal", np.less_equal, "small_int", "small_int"),
    OpCase("greater", np.greater, "small_int", "small_int"),
    OpCase("greater_equal", np.greater_equal, "small_int", "small_int"),
]

#: Pairs of broadcasting shapes: same, rank-extending, scalar, empty and size-1 dims.
BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((2, 1, 4), (3, 1)),
    ((), (3,)),
    ((4,), ()),
    ((0, 3), (1, 3)),
    ((1,), (2, 1)),
]
