"""Fashion-MNIST (Zalando article images), as ``keras.datasets.fashion_mnist``.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot (see ``CLASS_NAMES``).

Example:
    >>> from polykeras.datasets import fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (10000, 28, 28))
"""

from __future__ import annotations

from polykeras.datasets import download as _download
from polykeras.datasets.idx_dataset import Split, load_idx_dataset

FOLDER_NAME = "fashion-mnist"
CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
MIRRORS: list[str] = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
]
# MD5 digests published in the Fashion-MNIST README (the project publishes no sha256).
CHECKSUMS: dict[str, str | None] = {
    "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
}


def load_data() -> tuple[Split, Split]:
    """Load Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``.

    The data folder is ``$POLYKERAS_DATASETS/fashion-mnist``, else
    ``~/.polykeras/datasets/fashion-mnist``; it holds the four gzip IDX files
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``). Missing files are
    downloaded from the mirrors in ``MIRRORS``. Each file is verified with ``hashlib.md5``
    against the MD5 published in the Fashion-MNIST README, since no sha256 is published
    for these files.

    Returns:
        uint8 NumPy arrays of shapes ``(60000, 28, 28)``, ``(60000,)``,
        ``(10000, 28, 28)``, ``(10000,)``; labels 0-9 index ``CLASS_NAMES``.

    Raises:
        DatasetUnavailableError: files are missing and the download failed; the message
            says which files to put in which folder.
        DatasetFormatError: a file is corrupt (checksum, gzip or IDX content); it is
            removed from the data folder.

    Example:
        >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
        >>> CLASS_NAMES[y_train[0]]  # doctest: +SKIP
        'Ankle boot'
    """
    folder = _download.dataset_dir(FOLDER_NAME)
    return load_idx_dataset("Fashion-MNIST", folder, MIRRORS, CHECKSUMS)
