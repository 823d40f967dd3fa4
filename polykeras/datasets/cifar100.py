"""CIFAR-100: 60,000 32x32 colour images in 100 fine classes grouped in 20 coarse ones,
as ``keras.datasets.cifar100``.

The data folder (``$POLYKERAS_DATASETS/cifar100``) holds the original
``cifar-100-python.tar.gz``, checked against its sha256 and downloaded when missing.

Example:
    >>> from polykeras.datasets import cifar100
    >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")  # doctest: +SKIP
"""

from __future__ import annotations

from polykeras.datasets.cifar import Split, load_cifar

FOLDER_NAME = "cifar100"
ARCHIVE = "cifar-100-python.tar.gz"
MIRRORS: list[str] = ["https://www.cs.toronto.edu/~kriz/"]
CHECKSUM: str | None = "sha256:85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine") -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` and int64
    labels ``(n, 1)``: 0-99 with ``label_mode="fine"``, 0-19 with ``"coarse"``."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"label_mode must be 'fine' or 'coarse', received {label_mode!r}.")
    return load_cifar("CIFAR-100", FOLDER_NAME, ARCHIVE, MIRRORS, CHECKSUM,
                      ("cifar-100-python/train",), "cifar-100-python/test",
                      f"{label_mode}_labels", None)
