"""The benchmark data: real MNIST when ``POLYKERAS_DATASETS`` has it, else random data.

The driver writes every array once, as ``.npy`` files in a scratch folder, so that all
implementations read identical float32 inputs; a worker loads only what it uses.

Example:
    >>> import tempfile
    >>> from benchmarks.workload import Sizes
    >>> folder = tempfile.mkdtemp()
    >>> source = prepare(folder, Sizes.smoke(), seed=1, allow_real=False)
    >>> source.startswith("random")
    True
    >>> load(folder, "mlp_x").shape
    (400, 784)
"""

from __future__ import annotations

import os

import numpy as np

from benchmarks.workload import CNN_IMAGE, Sizes

DATASETS_ENV = "POLYKERAS_DATASETS"
_IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _mnist_folder() -> str | None:
    root = os.environ.get(DATASETS_ENV)
    if not root:
        return None
    folder = os.path.join(os.path.expanduser(root), "mnist")
    has_idx = all(os.path.isfile(os.path.join(folder, name)) for name in _IDX_FILES)
    has_npz = os.path.isfile(os.path.join(folder, "mnist.npz"))
    return folder if has_idx or has_npz else None


def _load_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images), uint8 images, without any download."""
    from polykeras.datasets import mnist

    (x_train, y_train), (x_test, _) = mnist.load_data()
    return x_train, y_train, x_test


def _take(arr: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` rows, cycling through ``arr`` when it has fewer."""
    if n <= len(arr):
        return arr[:n]
    return np.take(arr, np.arange(n) % len(arr), axis=0)


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[labels]


def prepare(folder: str, sizes: Sizes, seed: int, allow_real: bool = True) -> str:
    """Write the arrays of every benchmark into ``folder``; returns where they came from.

    Arrays: ``mlp_x`` (n, 784) float32 in [0, 1], ``mlp_y`` one-hot float32,
    ``step_x``/``step_y`` likewise, ``predict_x`` (n, 784), ``cnn_x`` (n, 28, 28, 1)
    float32 and ``cnn_y`` (n,) int32 labels, ``decoder_x`` (n, 7, 7, 1) the 4x4 block
    means of ``cnn_x`` (the decoder's targets are ``cnn_x`` itself).
    """
    mnist_folder = _mnist_folder() if allow_real else None
    source = ""
    if mnist_folder is not None:
        try:
            x_train, y_train, x_test = _load_mnist()
            source = f"real MNIST from {mnist_folder}"
        except Exception as err:  # a corrupt file must not stop the benchmarks
            source = f"random data (MNIST in {mnist_folder} could not be read: {err})"
            mnist_folder = None
    if mnist_folder is None:
        rng = np.random.default_rng(seed)
        h, w, _ = CNN_IMAGE
        x_train = rng.integers(0, 256, size=(60_000, h, w), dtype=np.uint8)
        y_train = rng.integers(0, 10, size=60_000).astype(np.uint8)
        x_test = rng.integers(0, 256, size=(10_000, h, w), dtype=np.uint8)
        if not source:
            reason = ("disabled by --random-data" if not allow_real else
                      f"set {DATASETS_ENV} to a folder holding mnist/ for real MNIST")
            source = f"random data of MNIST's shape ({reason})"

    def flat(images: np.ndarray, n: int) -> np.ndarray:
        return (_take(images, n).reshape(n, -1).astype(np.float32) / np.float32(255.0))

    step_n = sizes.step_samples()
    arrays = {
        "mlp_x": flat(x_train, sizes.mlp_samples),
        "mlp_y": _one_hot(_take(y_train, sizes.mlp_samples)),
        "step_x": flat(x_train, step_n),
        "step_y": _one_hot(_take(y_train, step_n)),
        "predict_x": flat(x_test, sizes.predict_samples),
        "cnn_x": flat(x_train, sizes.cnn_samples).reshape(sizes.cnn_samples, *CNN_IMAGE),
        "cnn_y": _take(y_train, sizes.cnn_samples).astype(np.int32),
    }
    n = sizes.cnn_samples
    arrays["decoder_x"] = arrays["cnn_x"].reshape(n, 7, 4, 7, 4, 1).mean(axis=(2, 4))
    os.makedirs(folder, exist_ok=True)
    for name, arr in arrays.items():
        np.save(os.path.join(folder, name + ".npy"), np.ascontiguousarray(arr))
    return source


def load(folder: str, name: str) -> np.ndarray:
    """One array written by :func:`prepare`."""
    path = os.path.join(folder, name + ".npy")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Benchmark data {path} is missing; run prepare() first.")
    return np.load(path)
