"""``polykeras.ops``: the ``keras.ops`` API on the active backend.

Same names, argument names and defaults as ``keras.ops``, so a layer written with
``from keras import ops`` ports by changing that import. Each function forwards to the
active backend adapter; ops an adapter does not provide are composed from primitives.

Example:
    >>> from polykeras import ops
    >>> x = ops.convert_to_tensor([[1.0, -2.0]])
    >>> ops.convert_to_numpy(ops.relu(ops.matmul(x, ops.ones((2, 3)))))
    array([[0., 0., 0.]], dtype=float32)
"""

from polykeras.ops import nn, numpy  # noqa: F401  (ops.nn.relu, ops.numpy.add)
from polykeras.ops.control_flow import (
    associative_scan,
    cond,
    fori_loop,
    map,
    scan,
    switch,
    vectorized_map,
    while_loop,
)
from polykeras.ops.convolution import (
    adaptive_average_pool,
    adaptive_max_pool,
    conv_transpose,
    depthwise_conv,
    separable_conv,
)
from polykeras.ops.core import (
    cast,
    convert_to_numpy,
    convert_to_tensor,
    dtype,
    is_tensor,
    ndim,
    shape,
    size,
    stop_gradient,
)
from polykeras.ops.creation import (
    arange,
    eye,
    full,
    full_like,
    identity,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from polykeras.ops.gradients import value_and_grad
from polykeras.ops.indexing import (
    argmax,
    argmin,
    argsort,
    one_hot,
    scatter,
    sort,
    take,
    take_along_axis,
    top_k,
    where,
)
from polykeras.ops.linalg import dot, einsum, matmul, norm, outer, tensordot
from polykeras.ops.math import (
    abs,
    absolute,
    add,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    ceil,
    clip,
    cos,
    cosh,
    divide,
    equal,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    greater,
    greater_equal,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    power,
    reciprocal,
    round,
    rsqrt,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    true_divide,
)
from polykeras.ops.nn import (
    average_pool,
    batch_normalization,
    binary_crossentropy,
    categorical_crossentropy,
    conv,
    elu,
    gelu,
    hard_sigmoid,
    hard_silu,
    leaky_relu,
    log_softmax,
    max_pool,
    moments,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    sparse_categorical_crossentropy,
    swish,
)
from polykeras.ops.reduction import (
    all,
    any,
    cumprod,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from polykeras.ops.sequence import (
    ctc_decode,
    ctc_loss,
    dot_product_attention,
    in_top_k,
    segment_max,
    segment_sum,
)
from polykeras.ops.shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    flip,
    moveaxis,
    pad,
    ravel,
    repeat,
    reshape,
    slice,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
)

__all__ = [
    # core
    "convert_to_tensor", "convert_to_numpy", "cast", "shape", "dtype", "is_tensor",
    "stop_gradient", "size", "ndim",
    # gradients (custom training steps)
    "value_and_grad",
    # creation
    "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "arange", "eye",
    "identity", "linspace",
    # shape
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "split",
    "tile", "repeat", "broadcast_to", "pad", "flip", "slice", "ravel", "swapaxes",
    "moveaxis",
    # indexing
    "take", "take_along_axis", "where", "scatter", "one_hot", "argmax", "argmin",
    "argsort", "sort", "top_k",
    # math
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "negative", "reciprocal", "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt",
    "rsqrt", "square", "abs", "absolute", "sign", "clip", "maximum", "minimum", "floor",
    "ceil", "round", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh",
    "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
    "logical_not", "isnan", "isinf", "isfinite",
    # reduction
    "sum", "mean", "max", "min", "prod", "var", "std", "all", "any", "logsumexp", "cumsum",
    "cumprod",
    # linalg
    "matmul", "dot", "tensordot", "einsum", "outer", "norm",
    # nn
    "relu", "relu6", "sigmoid", "softmax", "log_softmax", "softplus", "softsign", "elu",
    "selu", "gelu", "silu", "swish", "leaky_relu", "hard_sigmoid", "hard_silu",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "conv", "max_pool", "average_pool", "moments", "batch_normalization",
    # convolution
    "conv_transpose", "depthwise_conv", "separable_conv", "adaptive_average_pool",
    "adaptive_max_pool",
    # control flow
    "scan", "fori_loop", "while_loop", "cond", "switch", "map", "associative_scan",
    "vectorized_map",
    # sequence
    "dot_product_attention", "segment_sum", "segment_max", "in_top_k", "ctc_loss",
    "ctc_decode",
]
