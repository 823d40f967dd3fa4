"""CIFAR-10: 60,000 32x32 colour images in 10 classes, as ``keras.datasets.cifar10``.

The data folder (``$POLYKERAS_DATASETS/cifar10``) holds the original
``cifar-10-python.tar.gz``, checked against its sha256 and downloaded when missing.

Example:
    >>> from polykeras.datasets import cifar10
    >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
"""

from __future__ import annotations

from polykeras.datasets.cifar import Split, load_cifar

FOLDER_NAME = "cifar10"
ARCHIVE = "cifar-10-python.tar.gz"
MIRRORS: list[str] = ["https://www.cs.toronto.edu/~kriz/"]
CHECKSUM: str | None = "sha256:6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck")
TRAIN_BATCHES = tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "cifar-10-batches-py/test_batch"


def load_data() -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` and uint8
    labels ``(n, 1)`` in 0-9 (``CLASS_NAMES``); 50,000 training and 10,000 test images.

    Raises:
        DatasetUnavailableError: the archive is missing and could not be downloaded; the
            message says where to put it.
        DatasetFormatError: the archive is corrupt (a bad checksum removes it).
    """
    return load_cifar("CIFAR-10", FOLDER_NAME, ARCHIVE, MIRRORS, CHECKSUM, TRAIN_BATCHES,
                      TEST_BATCH, "labels", "uint8")
