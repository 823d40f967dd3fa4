"""MNIST handwritten digits, as ``keras.datasets.mnist``.

Example:
    >>> from polykeras.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), (10000,))
"""

from __future__ import annotations

import os

import numpy as np

from polykeras.datasets import download as _download
from polykeras.datasets.errors import ChecksumError, DatasetFormatError, DatasetUnavailableError
from polykeras.datasets.idx_dataset import IDX_FILES, Split, check_split, load_idx_dataset

FOLDER_NAME = "mnist"
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
# Published sha256 of the canonical gzip IDX files.
CHECKSUMS: dict[str, str | None] = {
    "train-images-idx3-ubyte.gz": (
        "sha256:440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": (
        "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}
NPZ_NAME = "mnist.npz"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
NPZ_MIRRORS: list[str] = ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/"]
# Published sha256 of the Keras mnist.npz.
NPZ_CHECKSUM: str | None = "sha256:731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_npz(file: str) -> tuple[Split, Split]:
    """Read a Keras-style MNIST npz (arrays ``x_train, y_train, x_test, y_test``).

    Raises:
        DatasetFormatError: the file is not an npz, lacks one of the arrays, or the
            arrays are not uint8 ``(n, 28, 28)`` images and ``(n,)`` labels.

    Example:
        >>> (x_train, y_train), _ = load_npz("/data/mnist/mnist.npz")  # doctest: +SKIP
    """
    import zipfile

    try:
        archive = np.load(file, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DatasetFormatError(
            f"{file}: not a valid .npz file ({err}). Expected a Keras-style mnist.npz "
            f"holding the arrays {', '.join(NPZ_KEYS)}."
        ) from None
    if not hasattr(archive, "files"):
        raise DatasetFormatError(
            f"{file}: holds a single array, expected an .npz archive with the arrays "
            f"{', '.join(NPZ_KEYS)}. Save it with np.savez(file, x_train=..., ...)."
        )
    with archive:
        missing = [key for key in NPZ_KEYS if key not in archive.files]
        if missing:
            raise DatasetFormatError(
                f"{file}: missing the arrays {', '.join(missing)} (found: "
                f"{', '.join(archive.files) or 'none'}). Expected {', '.join(NPZ_KEYS)}."
            )
        try:
            x_train, y_train, x_test, y_test = (np.asarray(archive[key]) for key in NPZ_KEYS)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
            raise DatasetFormatError(f"{file}: cannot read its arrays ({err}).") from None
    check_split(x_train, y_train, f"{file}[x_train]", f"{file}[y_train]")
    check_split(x_test, y_test, f"{file}[x_test]", f"{file}[y_test]")
    return (x_train, y_train), (x_test, y_test)


def _load_checked_npz(file: str) -> tuple[Split, Split]:
    """:func:`load_npz` after checking the file against Keras' published sha256."""
    try:
        _download.verify_file(file, NPZ_CHECKSUM)
    except ChecksumError as err:
        raise ChecksumError(
            f"{err} load_data() reads only the published {NPZ_NAME}; delete or replace "
            f"the file (it is downloaded again when missing), or read your own npz with "
            f"polykeras.datasets.mnist.load_npz({file!r})."
        ) from None
    return load_npz(file)


def _npz_file(folder: str, path: str | os.PathLike) -> str:
    file = os.path.expanduser(os.fspath(path))
    file = file if os.path.isabs(file) else os.path.join(folder, file)
    if os.path.isfile(file):
        return file
    try:
        return _download.download(NPZ_NAME, file, NPZ_MIRRORS, NPZ_CHECKSUM)
    except DatasetUnavailableError as err:
        reasons = "\n".join(f"  {reason}" for reason in getattr(err, "reasons", []))
        raise DatasetUnavailableError(
            f"{file} does not exist and could not be downloaded.\n{reasons}\n"
            f"Put a Keras-style {NPZ_NAME} (arrays {', '.join(NPZ_KEYS)}) at {file}, or "
            f"call load_data() without path= to read the four IDX files "
            f"({', '.join(IDX_FILES)}) from {folder}. Set {_download.DATASETS_ENV} to use "
            "another data folder."
        ) from None


def load_data(path: str | os.PathLike | None = None) -> tuple[Split, Split]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    The data folder is ``$POLYKERAS_DATASETS/mnist``, else ``~/.polykeras/datasets/mnist``.
    It is read from the four canonical gzip IDX files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``), each checked against its published sha256, or, when
    those are not all there, from a Keras-style ``mnist.npz`` in the same folder. Missing
    IDX files are downloaded from the mirrors in ``MIRRORS``.

    Args:
        path: as in Keras, an npz file to use instead (relative to the data folder, or
            absolute); downloaded from the Keras mirror when it does not exist.

    Returns:
        uint8 NumPy arrays of shapes ``(60000, 28, 28)``, ``(60000,)``,
        ``(10000, 28, 28)``, ``(10000,)``; labels are digits 0-9.

    Raises:
        DatasetUnavailableError: files are missing and the download failed; the message
            says which files to put in which folder.
        DatasetFormatError: a file is corrupt (checksum, gzip, IDX or npz content); a bad
            IDX file is removed from the data folder.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape  # doctest: +SKIP
        (60000, 28, 28)
    """
    folder = _download.dataset_dir(FOLDER_NAME)
    if path is not None:
        return _load_checked_npz(_npz_file(folder, path))
    npz = os.path.join(folder, NPZ_NAME)
    idx_complete = all(os.path.isfile(os.path.join(folder, name)) for name in IDX_FILES)
    if not idx_complete and os.path.isfile(npz):
        return _load_checked_npz(npz)
    return load_idx_dataset(
        "MNIST",
        folder,
        MIRRORS,
        CHECKSUMS,
        extra_hint=f"  (or a Keras-style {NPZ_NAME} holding {', '.join(NPZ_KEYS)})",
    )
