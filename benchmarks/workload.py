"""What every implementation must compute: models, hyperparameters, sizes, start weights.

Each implementation (polykeras, Keras 3, hand-written NumPy/torch/JAX/TensorFlow) builds
the same models from these numbers, starts from the same weights where it owns its
initialisation, sees the same float32 data and shuffles it every epoch.

Example:
    >>> sizes = Sizes.smoke()
    >>> sizes.mlp_samples, sizes.mlp_batch
    (400, 200)
    >>> [w.shape for w, _ in init_mlp(SMALL_MLP, seed=1)]
    [(784, 32), (32, 32), (32, 10)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np

#: Layer widths of the seed's MLP (tanh, dropout 0.5 after each hidden layer, softmax).
SEED_MLP: tuple[int, ...] = (784, 500, 500, 10)
#: The same architecture shrunk so that the fixed cost of a step dominates.
SMALL_MLP: tuple[int, ...] = (784, 32, 32, 10)
DROPOUT = 0.5
#: Dropout after the convnet's hidden Dense layer (examples/mnist_cnn.py).
CNN_DROPOUT = 0.25
#: SGD with Nesterov momentum, as in the seed.
LEARNING_RATE = 0.01
MOMENTUM = 0.9
#: The convnet of examples/mnist_cnn.py: conv3x3(16)-relu-maxpool2-conv3x3(32)-relu-
#: maxpool2-flatten-dense(128, relu)-dropout(0.5)-dense(10, softmax); Adam.
CNN_FILTERS: tuple[int, int] = (16, 32)
CNN_KERNEL = 3
CNN_POOL = 2
CNN_IMAGE: tuple[int, int, int] = (28, 28, 1)
CNN_HIDDEN = 128
ADAM_LEARNING_RATE = 1e-3
ADAM_BETA_1 = 0.9
ADAM_BETA_2 = 0.999
ADAM_EPSILON = 1e-7  # the Keras default, also passed to torch/optax

#: The Conv2DTranspose decoder of (d): each image's 4x4 block means (7x7x1) decoded back
#: to 28x28 by two Conv2DTranspose(4x4, stride 2, "same", relu) layers and a 3x3 "same"
#: Conv2D with a sigmoid; mean squared error against the image; Adam.
DECODER_INPUT: tuple[int, int, int] = (7, 7, 1)
DECODER_FILTERS: tuple[int, int] = (32, 16)
DECODER_KERNEL = 4
DECODER_STRIDE = 2
DECODER_OUT_KERNEL = 3

#: The measured workloads, in run order.
TIMED_BENCHES: tuple[str, ...] = ("mlp_epoch", "step", "predict", "cnn_epoch",
                                   "decoder_epoch", "pydataset_epoch", "dataloader_epoch")
#: Benchmarks that train (Keras 3 cannot train on its NumPy backend).
TRAINING_BENCHES: frozenset[str] = frozenset({"mlp_epoch", "step", "cnn_epoch", "decoder_epoch",
                                              "pydataset_epoch", "dataloader_epoch"})


class NotApplicable(Exception):
    """An implementation cannot run a benchmark by design (e.g. Keras 3 fit on NumPy)."""


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Sample counts and batch sizes of the timed workloads."""

    mlp_samples: int = 42_000
    mlp_batch: int = 200
    step_steps: int = 500
    step_batch: int = 32
    predict_samples: int = 10_000
    predict_batch: int = 1_000
    cnn_samples: int = 4_096
    cnn_batch: int = 128

    @classmethod
    def smoke(cls) -> Sizes:
        """Tiny sizes that keep every code path running in seconds."""
        return cls(mlp_samples=400, step_steps=10, predict_samples=400, cnn_samples=64,
                   cnn_batch=32)

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, int]) -> Sizes:
        return cls(**{k: int(v) for k, v in values.items()})

    def step_samples(self) -> int:
        return self.step_steps * self.step_batch

    def work_units(self, bench: str) -> int:
        """What one repeat processes: samples (predict), steps (step) or 1 (an epoch)."""
        if bench == "predict":
            return self.predict_samples
        if bench == "step":
            return self.step_steps
        return 1


def bench_title(bench: str, sizes: Sizes) -> str:
    """The table label of a benchmark, with its sizes."""
    if bench == "mlp_epoch":
        return (f"(a) seed MLP 784-500-500-10, 1 epoch of {sizes.mlp_samples:,} samples, "
                f"batch {sizes.mlp_batch} [s/epoch]")
    if bench == "step":
        return (f"(b) small MLP 784-32-32-10, batch {sizes.step_batch}, "
                f"{sizes.step_steps} steps [ms/step]")
    if bench == "predict":
        return (f"(c) seed MLP predict, {sizes.predict_samples:,} samples, "
                f"batch {sizes.predict_batch:,} [samples/s]")
    if bench == "cnn_epoch":
        return (f"(d) MNIST CNN, 1 epoch of {sizes.cnn_samples:,} samples (--cnn-samples), "
                f"batch {sizes.cnn_batch} [s/epoch]")
    if bench == "decoder_epoch":
        return (f"(d) Conv2DTranspose decoder 7x7 -> 28x28, 1 epoch of {sizes.cnn_samples:,} "
                f"samples, batch {sizes.cnn_batch} [s/epoch]")
    if bench == "pydataset_epoch":
        return (f"(h) seed MLP fed by a PyDataset (5 ms sleep per batch, workers=2), 1 epoch "
                f"of {sizes.mlp_samples:,} samples, batch {sizes.mlp_batch} [s/epoch]")
    if bench == "dataloader_epoch":
        return (f"(h) seed MLP fed by a torch DataLoader, 1 epoch of {sizes.mlp_samples:,} "
                f"samples, batch {sizes.mlp_batch} [s/epoch]")
    if bench == "import":
        return "(e) import polykeras, fresh process, NumPy backend [s]"
    if bench == "peak_memory":
        return "(e) peak RSS of (a) in a fresh process, NumPy backend [MiB]"
    raise ValueError(f"Unknown benchmark {bench!r}; expected one of {TIMED_BENCHES}.")


def glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int,
                   fan_out: int) -> np.ndarray:
    """Glorot/Xavier uniform weights in float32."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def init_mlp(widths: tuple[int, ...], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(kernel (in, out), bias (out,)), ...]``: Glorot uniform kernels, zero biases."""
    rng = np.random.default_rng(seed)
    return [(glorot_uniform(rng, (n_in, n_out), n_in, n_out), np.zeros(n_out, np.float32))
            for n_in, n_out in zip(widths[:-1], widths[1:], strict=True)]


def cnn_pooled_shape() -> tuple[int, int, int]:
    """(h, w, c) after the second pooling ((5, 5, 32) for 28x28 inputs)."""
    h, w, _ = CNN_IMAGE
    for _ in CNN_FILTERS:
        h, w = (h - CNN_KERNEL + 1) // CNN_POOL, (w - CNN_KERNEL + 1) // CNN_POOL
    return h, w, CNN_FILTERS[-1]


def cnn_flat_features() -> int:
    """Features after the second pooling and Flatten (800 for 28x28 inputs)."""
    h, w, c = cnn_pooled_shape()
    return h * w * c


def init_cnn(seed: int) -> dict[str, np.ndarray]:
    """Start weights of the convnet, in layer order (the order of Keras ``get_weights``).

    ``k1``/``b1`` and ``k2``/``b2``: the convolutions, kernels in HWIO layout
    (kh, kw, in, out); ``w3``/``b3``: the hidden Dense (flat, 128); ``w4``/``b4``: the
    output Dense (128, 10). Glorot uniform kernels, zero biases.

    Example:
        >>> {k: v.shape for k, v in init_cnn(seed=1).items()}  # doctest: +NORMALIZE_WHITESPACE
        {'k1': (3, 3, 1, 16), 'b1': (16,), 'k2': (3, 3, 16, 32), 'b2': (32,),
         'w3': (800, 128), 'b3': (128,), 'w4': (128, 10), 'b4': (10,)}
    """
    rng = np.random.default_rng(seed)
    k = CNN_KERNEL
    c_in, (f1, f2) = CNN_IMAGE[-1], CNN_FILTERS
    flat = cnn_flat_features()
    return {
        "k1": glorot_uniform(rng, (k, k, c_in, f1), k * k * c_in, k * k * f1),
        "b1": np.zeros(f1, np.float32),
        "k2": glorot_uniform(rng, (k, k, f1, f2), k * k * f1, k * k * f2),
        "b2": np.zeros(f2, np.float32),
        "w3": glorot_uniform(rng, (flat, CNN_HIDDEN), flat, CNN_HIDDEN),
        "b3": np.zeros(CNN_HIDDEN, np.float32),
        "w4": glorot_uniform(rng, (CNN_HIDDEN, 10), CNN_HIDDEN, 10),
        "b4": np.zeros(10, np.float32),
    }


def init_decoder(seed: int) -> dict[str, np.ndarray]:
    """Start weights of the decoder, in layer order (Keras ``get_weights`` order).

    ``k1``/``b1`` and ``k2``/``b2``: the Conv2DTranspose layers, kernels in the Keras
    layout (kh, kw, out, in); ``k3``/``b3``: the output Conv2D, HWIO. Glorot uniform
    kernels, zero biases.

    Example:
        >>> {k: v.shape for k, v in init_decoder(seed=1).items()}  # doctest: +NORMALIZE_WHITESPACE
        {'k1': (4, 4, 32, 1), 'b1': (32,), 'k2': (4, 4, 16, 32), 'b2': (16,),
         'k3': (3, 3, 16, 1), 'b3': (1,)}
    """
    rng = np.random.default_rng(seed)
    k, c_in, (f1, f2) = DECODER_KERNEL, DECODER_INPUT[-1], DECODER_FILTERS
    r = DECODER_OUT_KERNEL
    return {
        "k1": glorot_uniform(rng, (k, k, f1, c_in), k * k * f1, k * k * c_in),
        "b1": np.zeros(f1, np.float32),
        "k2": glorot_uniform(rng, (k, k, f2, f1), k * k * f2, k * k * f1),
        "b2": np.zeros(f2, np.float32),
        "k3": glorot_uniform(rng, (r, r, f2, 1), r * r * f2, r * r),
        "b3": np.zeros(1, np.float32),
    }


def epoch_batches(n: int, batch: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index arrays of one shuffled epoch (the last batch may be smaller)."""
    order = rng.permutation(n)
    for start in range(0, n, batch):
        yield order[start:start + batch]


def ordered_batches(n: int, batch: int) -> Iterator[slice]:
    """Slices of one pass in order (prediction)."""
    for start in range(0, n, batch):
        yield slice(start, start + batch)
