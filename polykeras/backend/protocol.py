"""The contract every backend adapter implements.

An adapter is one object (one class, instantiated once by the registry) that exposes the
methods below. `polykeras.ops` forwards to these methods; layers, losses, optimizers and
the trainer only ever call `polykeras.ops`, so the frontend never imports a framework.

Conventions shared by every method:

* **Tensor-likes.** Every op accepts the backend's own tensors, NumPy arrays, Python
  scalars and nested lists, and any object with a ``__polykeras_tensor__()`` method (the
  frontend :class:`polykeras.Variable`), which returns the backend tensor to use.
* **Normalised arguments.** The frontend has already checked and normalised arguments:
  ``dtype`` is a standard dtype name (see :mod:`polykeras.backend.dtypes`) or ``None``;
  ``axis`` is ``None``, an ``int`` or a ``tuple`` of ints (possibly negative); shapes are
  tuples of Python ints.
* **Dtypes.** Results follow :func:`polykeras.backend.dtypes.result_type` for mixed
  inputs, with Python scalars "weak" (they take the tensor's dtype). Float results of ops
  on integer inputs (``mean``, ``sqrt``, ``exp`` ...) are ``floatx()``. Nothing silently
  becomes float64.
* **Differentiability.** Every floating-point op is differentiable through
  :meth:`Backend.value_and_grad`.
* **Optional fast paths.** Names in :data:`OPTIONAL_OPS` may be absent; the frontend then
  composes them from primitives. An adapter that has a better kernel defines the method,
  with exactly the signature and defaults of the ``keras.ops`` function of that name
  (e.g. ``sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1)``).
* **Optional fused kernels.** Names in :data:`OPTIONAL_KERNELS` are polykeras-specific
  fused versions of what layers and optimizers otherwise compose from several ops (see
  :class:`FusedKernels` for their exact contracts). Eager backends define them to cut
  per-step dispatches; a compiling backend can leave them out, its compiler fuses anyway.

Example:
    >>> import polykeras
    >>> b = polykeras.backend.current()
    >>> b.convert_to_numpy(b.add(b.convert_to_tensor([1.0, 2.0]), 1.0))
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

Tensor = Any
Shape = tuple[int, ...]
Axis = int | tuple[int, ...] | None

#: Capabilities an adapter may declare through ``supports(name)``.
CAPABILITIES = (
    "jit",  # jit() really compiles (jax, tensorflow); eager backends return fn unchanged
    "gpu",  # tensors live on an accelerator
    "bfloat16",
    "float64",
)

#: Elementwise ops with one tensor argument: ``op(x)``.
UNARY_OPS = (
    "abs", "negative", "sign", "exp", "log", "log1p", "expm1", "sqrt", "square",
    "reciprocal", "floor", "ceil", "round", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf", "sigmoid",
    "relu", "isnan", "isinf", "isfinite", "logical_not",
)

#: Elementwise ops with two tensor-like arguments (broadcasting): ``op(x1, x2)``.
BINARY_OPS = (
    "add", "subtract", "multiply", "divide", "floor_divide", "mod", "power", "maximum",
    "minimum", "arctan2", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_xor",
)

#: Reductions: ``op(x, axis=None, keepdims=False)``.
REDUCTION_OPS = ("sum", "mean", "max", "min", "prod", "all", "any")

#: Methods an adapter may omit; :mod:`polykeras.ops` composes them when absent.
OPTIONAL_OPS = (
    "softmax", "log_softmax", "logsumexp", "gelu", "silu", "softplus", "elu", "selu",
    "leaky_relu", "relu6", "hard_sigmoid", "softsign", "one_hot", "var", "std", "moments",
    "batch_normalization", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_crossentropy", "norm", "dot", "tensordot", "average_pool", "cumprod",
    "conv_transpose", "depthwise_conv",
)

#: Loops and sequence ops an adapter may implement natively (``lax.scan``,
#: ``tf.while_loop``, fused attention). They take the arguments already normalised by
#: :mod:`polykeras.ops.control_flow` / :mod:`polykeras.ops.sequence` (see each adapter's
#: ``control_flow_ops`` and ``attention_ops``) and may return ``NotImplemented`` to let
#: the frontend run its composed version for a call (e.g. an eager call on jax).
OPTIONAL_SEQUENCE_OPS = (
    "scan", "fori_loop", "while_loop", "cond", "switch", "associative_scan",
    "vectorized_map", "dot_product_attention",
)

#: Fused kernels an adapter may define (contracts in :class:`FusedKernels`).
OPTIONAL_KERNELS = ("dense", "dropout", "sgd_update", "adam_update", "rnn")

#: Optional conversion hooks: ``from_dlpack(x)`` turns any object with ``__dlpack__``
#: (another framework's tensor) into this backend's tensor without a copy; input
#: pipelines use it to hand accelerator batches across frameworks.
OPTIONAL_CONVERSIONS = ("from_dlpack",)

@runtime_checkable
class Backend(Protocol):
    """One framework adapter. See the module docstring for shared conventions."""

    #: The name users select the backend by ("numpy", "torch", ...).
    name: str

    # ----------------------------------------------------------------- capabilities
    def supports(self, capability: str) -> bool:
        """Whether this adapter has a capability from :data:`CAPABILITIES`."""

    @property
    def device(self) -> str:
        """Where new tensors live, e.g. ``"cpu"`` or ``"cuda:0"``."""

    # -------------------------------------------------------------------- conversion
    def is_tensor(self, x: Any) -> bool:
        """True for this backend's own tensor type (never a frontend Variable). NumPy
        arrays are tensors only on the NumPy backend."""

    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Tensor:
        """Tensor from a tensor-like. ``dtype=None`` keeps a tensor's dtype; NumPy
        float64 arrays and Python floats become ``floatx()``, ints become int32/int64
        as NumPy gives them, bools bool."""

    def convert_to_numpy(self, x: Any) -> Any:
        """A NumPy array holding the value (a copy where the framework needs one)."""

    def shape(self, x: Tensor) -> Shape:
        """Static shape as a tuple of ints (inside ``jit`` every dim is known)."""

    def dtype(self, x: Tensor) -> str:
        """Standard dtype name of a tensor, e.g. ``"float32"``."""

    def cast(self, x: Tensor, dtype: str) -> Tensor:
        """``x`` converted to ``dtype``; returns ``x`` itself when it already is."""

    # ---------------------------------------------------------------------- creation
    def zeros(self, shape: Shape, dtype: str) -> Tensor: ...
    def ones(self, shape: Shape, dtype: str) -> Tensor: ...
    def full(self, shape: Shape, fill_value: Any, dtype: str) -> Tensor: ...
    def arange(self, start: Any, stop: Any, step: Any, dtype: str) -> Tensor: ...
    def eye(self, N: int, M: int, k: int, dtype: str) -> Tensor: ...
    def linspace(self, start: Any, stop: Any, num: int, endpoint: bool, dtype: str) -> Tensor: ...

    # ---------------------------------------------------------- elementwise and math
    # Each name in UNARY_OPS is a method ``op(x)``; each in BINARY_OPS ``op(x1, x2)``.
    def clip(self, x: Tensor, x_min: Any, x_max: Any) -> Tensor: ...
    def where(self, condition: Tensor, x1: Tensor, x2: Tensor) -> Tensor: ...
    def matmul(self, x1: Tensor, x2: Tensor) -> Tensor:
        """NumPy ``matmul`` semantics, batched, any float/int dtype."""

    def einsum(self, subscripts: str, *operands: Tensor) -> Tensor: ...

    # ------------------------------------------------------------------- reductions
    # Each name in REDUCTION_OPS is ``op(x, axis=None, keepdims=False)``.
    def cumsum(self, x: Tensor, axis: int | None) -> Tensor: ...
    def argmax(self, x: Tensor, axis: int | None, keepdims: bool) -> Tensor:
        """int32 indices (int64 on backends without int32 indices is a bug)."""

    def argmin(self, x: Tensor, axis: int | None, keepdims: bool) -> Tensor: ...
    def argsort(self, x: Tensor, axis: int) -> Tensor:
        """Stable ascending sort indices, int32."""

    def sort(self, x: Tensor, axis: int) -> Tensor: ...
    def top_k(self, x: Tensor, k: int, sorted: bool) -> tuple[Tensor, Tensor]:
        """Largest ``k`` along the last axis: (values, int32 indices)."""

    # ------------------------------------------------------------------ shape ops
    def reshape(self, x: Tensor, newshape: Shape) -> Tensor:
        """At most one ``-1`` in ``newshape``."""

    def transpose(self, x: Tensor, axes: tuple[int, ...] | None) -> Tensor: ...
    def expand_dims(self, x: Tensor, axis: int) -> Tensor: ...
    def squeeze(self, x: Tensor, axis: Axis) -> Tensor: ...
    def concatenate(self, xs: Sequence[Tensor], axis: int) -> Tensor: ...
    def stack(self, xs: Sequence[Tensor], axis: int) -> Tensor: ...
    def split(self, x: Tensor, indices_or_sections: int | list[int], axis: int) -> list[Tensor]:
        """NumPy ``split`` semantics (sections must divide evenly)."""

    def tile(self, x: Tensor, repeats: tuple[int, ...]) -> Tensor: ...
    def repeat(self, x: Tensor, repeats: int, axis: int | None) -> Tensor: ...
    def broadcast_to(self, x: Tensor, shape: Shape) -> Tensor: ...
    def pad(self, x: Tensor, pad_width: tuple[tuple[int, int], ...], mode: str,
            constant_values: Any) -> Tensor:
        """``mode`` is "constant", "reflect" or "symmetric"; pad_width one pair per axis."""

    def flip(self, x: Tensor, axis: Axis) -> Tensor: ...
    def slice(self, x: Tensor, start_indices: tuple[int, ...], shape: Shape) -> Tensor:
        """Static slice; ``shape`` has no -1 (the frontend resolves it)."""

    def getitem(self, x: Tensor, key: Any) -> Tensor:
        """Basic indexing (ints, slices, None, Ellipsis) and integer-array indexing."""

    # ------------------------------------------------------------------ indexing
    def take(self, x: Tensor, indices: Tensor, axis: int | None) -> Tensor:
        """Gather; differentiable in ``x`` (this is the Embedding lookup)."""

    def take_along_axis(self, x: Tensor, indices: Tensor, axis: int) -> Tensor: ...
    def scatter(self, indices: Tensor, values: Tensor, shape: Shape) -> Tensor:
        """Zeros of ``shape`` with ``values`` added at ``indices`` (shape (N, rank))."""

    # --------------------------------------------------------------------- nn ops
    def conv(self, inputs: Tensor, kernel: Tensor, strides: tuple[int, ...], padding: str,
             dilation_rate: tuple[int, ...]) -> Tensor:
        """N-d convolution (N = 1, 2 or 3), channels_last: inputs (batch, *spatial, in),
        kernel (*spatial, in // groups, out). ``padding`` is "valid" or "same" (TF
        semantics). Grouped when ``in`` is ``groups`` times the kernel's input channels:
        group ``g`` of the inputs feeds output channels ``[g * out // groups, (g + 1) *
        out // groups)``."""

    def max_pool(self, inputs: Tensor, pool_size: tuple[int, ...], strides: tuple[int, ...],
                 padding: str) -> Tensor:
        """Channels_last max pooling, N = 1, 2 or 3."""

    def average_pool(self, inputs: Tensor, pool_size: tuple[int, ...],
                     strides: tuple[int, ...], padding: str) -> Tensor:
        """Channels_last average pooling; with "same", pads are excluded from the mean."""

    def stop_gradient(self, x: Tensor) -> Tensor: ...

    # --------------------------------------------------------------------- autodiff
    def value_and_grad(self, fn: Callable[..., Any], has_aux: bool = False) -> Callable[..., Any]:
        """Like ``jax.value_and_grad`` with ``argnums=0``.

        Returns ``g`` with ``g(params, *args) -> (value, grads)``, or
        ``((value, aux), grads)`` when ``has_aux``. ``params`` is a pytree (nested
        lists/tuples/dicts) of float tensors; ``grads`` has the same structure, zeros
        where ``value`` does not depend on a leaf. ``value`` and ``aux`` carry no
        gradient history.
        """

    def jit(self, fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        """A compiled ``fn`` (``jax.jit``, ``tf.function``); eager backends return ``fn``.

        The compiled function accepts NumPy arrays wherever it takes tensors (the
        framework moves them to the device while dispatching the call).
        Options: ``donate_argnums`` (hint, may be ignored), ``compile=True`` asks an eager
        backend to compile anyway (torch.compile).
        """

    # -------------------------------------------------------------------------- RNG
    def rng_key(self, seed: int) -> Any:
        """A key for the stateless random ops below, from a Python int seed."""

    def rng_split(self, key: Any) -> tuple[Any, Any]:
        """``(next_key, subkey)``: pure, usable inside ``jit``. The stream of keys from
        a seed is the same run to run."""

    def random_uniform(self, shape: Shape, minval: float, maxval: float, dtype: str,
                       key: Any) -> Tensor: ...
    def random_normal(self, shape: Shape, mean: float, stddev: float, dtype: str,
                      key: Any) -> Tensor: ...
    def random_truncated_normal(self, shape: Shape, mean: float, stddev: float, dtype: str,
                                key: Any) -> Tensor:
        """Normal values, resampled (or folded) to within two stddevs of the mean."""

    def random_randint(self, shape: Shape, minval: int, maxval: int, dtype: str,
                       key: Any) -> Tensor: ...
    def random_shuffle(self, x: Tensor, axis: int, key: Any) -> Tensor: ...


class FusedKernels(Protocol):
    """The optional fused kernels of :data:`OPTIONAL_KERNELS`.

    Each has the signature and result of the function of the same name in
    :mod:`polykeras.ops.fused`, which states the formulas and composes them from ops
    when the adapter lacks the kernel. Kernels are pure (inputs are never changed in
    place), so the frontend calls them the same way on eager and compiled backends;
    results equal the composed ops up to float rounding (``tests/test_fused_kernels.py``).

    Example:
        >>> import polykeras
        >>> b = polykeras.backend.current()
        >>> fused = getattr(b, "sgd_update", None)   # None: the frontend composes it
    """

    def dense(self, x: Tensor, kernel: Tensor, bias: Tensor | None) -> Tensor:
        """``matmul(x, kernel) + bias``, with the promotion and gradients of those ops."""

    def dropout(self, x: Tensor, rate: float, key: Any) -> Tensor:
        """Inverted dropout (``0 <= rate < 1``) masked by the draw
        ``random_uniform(shape(x), 0.0, 1.0, dtype(x), key) < 1 - rate``; see
        :func:`polykeras.random.dropout`."""

    def sgd_update(self, variables: Sequence[Tensor], gradients: Sequence[Tensor],
                   momentums: Sequence[Tensor] | None, learning_rate: Tensor,
                   momentum: float, nesterov: bool
                   ) -> tuple[list[Tensor], list[Tensor] | None]:
        """See :func:`polykeras.ops.fused.sgd_update`."""

    def adam_update(self, variables: Sequence[Tensor], gradients: Sequence[Tensor],
                    momentums: Sequence[Tensor], velocities: Sequence[Tensor],
                    step_size: Tensor, beta_1: float, beta_2: float, epsilon: float
                    ) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """See :func:`polykeras.ops.fused.adam_update`."""

    def rnn(self, kind: str, inputs: Tensor, initial_state: list[Tensor], kernel: Tensor,
            recurrent_kernel: Tensor, bias: Tensor | None, go_backwards: bool
            ) -> tuple[Tensor, Tensor, list[Tensor]] | Any:
        """See :func:`polykeras.ops.fused.rnn`; may return ``NotImplemented`` for a
        ``kind`` it has no kernel for."""


def check_backend(obj: object) -> list[str]:
    """Names of required methods ``obj`` lacks (empty when it implements the protocol)."""
    required = [
        n for n in dir(Backend)
        if not n.startswith("_") and n not in ("name",)
    ]
    required += list(UNARY_OPS) + list(BINARY_OPS) + list(REDUCTION_OPS)
    missing = [n for n in required if not hasattr(obj, n)]
    if not isinstance(getattr(obj, "name", None), str):
        missing.insert(0, "name")
    return missing
