"""Loading of image-classification datasets shipped as four gzip IDX files.

MNIST and Fashion-MNIST share the layout: ``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
``t10k-labels-idx1-ubyte.gz``. Files already in the data folder are checked against
their published digest (hashed once per process), missing ones are downloaded, and a
file found bad is removed from the folder so that the next load fetches a good copy.

Example:
    >>> (x_train, y_train), (x_test, y_test) = load_idx_dataset(
    ...     "MNIST", "/data/mnist", mirrors, checksums)  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

import numpy as np

from polykeras.datasets import download as _download
from polykeras.datasets.errors import ChecksumError, DatasetFormatError, DatasetUnavailableError
from polykeras.datasets.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx_gz

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
IDX_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
IMAGE_SHAPE = (28, 28)

Split = tuple[np.ndarray, np.ndarray]


def check_split(
    images: np.ndarray, labels: np.ndarray, images_source: str, labels_source: str
) -> None:
    """Check that images are ``(n, 28, 28)`` uint8 and labels ``(n,)`` uint8.

    Raises:
        DatasetFormatError: naming the source of the offending array.
    """
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise DatasetFormatError(
            f"{images_source} / {labels_source}: expected uint8 images and labels, received "
            f"{images.dtype} and {labels.dtype}. Convert them with .astype('uint8')."
        )
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise DatasetFormatError(
            f"{images_source}: expected images of shape (n, 28, 28), received {images.shape}."
        )
    if labels.ndim != 1:
        raise DatasetFormatError(
            f"{labels_source}: expected labels of shape (n,), received {labels.shape}."
        )
    if images.shape[0] != labels.shape[0]:
        raise DatasetFormatError(
            f"{images_source} holds {images.shape[0]} images but {labels_source} holds "
            f"{labels.shape[0]} labels; they must match. One of the files is from another "
            "dataset or split."
        )


def _missing_files_message(
    title: str, folder: str, files: Sequence[str], reasons: Sequence[str], extra: str
) -> str:
    lines = [f"{title} files are missing from {folder} and could not be downloaded."]
    lines += reasons
    lines.append(f"To load {title} without network access, put these files in {folder}:")
    lines += [f"  {name}" for name in files]
    if extra:
        lines.append(extra)
    lines.append(
        f"or set {_download.DATASETS_ENV} to a folder whose "
        f"'{os.path.basename(folder)}' subfolder holds them "
        f"(default: {_download.DEFAULT_ROOT})."
    )
    return "\n".join(lines)


def ensure_files(
    title: str,
    folder: str,
    files: Sequence[str],
    mirrors: Sequence[str],
    checksums: Mapping[str, str | None],
    extra_hint: str = "",
) -> list[str]:
    """Return the paths of ``files`` in ``folder``, verified, downloading what is missing.

    A file present with a wrong digest is removed and downloaded again.

    Raises:
        DatasetUnavailableError: some files could not be obtained; the message lists
            the files to put in ``folder`` and mentions ``POLYKERAS_DATASETS``.
        ChecksumError: a bad file could not be removed (read-only folder).
    """
    paths = [os.path.join(folder, name) for name in files]
    needed: list[int] = []
    problems: dict[int, str] = {}
    for i, path in enumerate(paths):
        if not os.path.isfile(path):
            needed.append(i)
            continue
        try:
            _download.verify_file(path, checksums.get(files[i]))
        except ChecksumError as err:
            failure = _download.remove_quietly(path)
            if failure is not None:
                raise ChecksumError(
                    f"{err} It could not be removed ({failure}); replace it with a good copy."
                ) from None
            print(f"{err} Removed it; downloading it again.", file=sys.stderr)
            problems[i] = f"{err} It was removed."
            needed.append(i)
    if not needed:
        return paths
    unreachable: set[str] = set()
    reasons: list[str] = []
    failed: list[str] = []
    not_tried: list[str] = []
    for i in needed:
        try:
            _download.download(files[i], paths[i], mirrors, checksums.get(files[i]), unreachable)
        except DatasetUnavailableError as err:
            failed.append(files[i])
            if i in problems:
                reasons.append(f"  {problems[i]}")
            tried = getattr(err, "reasons", [])
            reasons += [f"  {files[i]}: {reason}" for reason in tried]
            if not tried:
                not_tried.append(files[i])
    if not_tried:
        reasons.append(f"  not tried, as no mirror could be reached: {', '.join(not_tried)}")
    if failed:
        raise DatasetUnavailableError(
            _missing_files_message(title, folder, failed, reasons, extra_hint)
        )
    return paths


def read_checked(path: str, magic: int) -> np.ndarray:
    """Read one IDX gz file (images must be 28x28); when it is not valid, remove it.

    Raises:
        DatasetFormatError: naming the file and what is wrong with it.
    """
    try:
        values = read_idx_gz(path, magic)
        if magic == IMAGES_MAGIC and values.shape[1:] != IMAGE_SHAPE:
            raise DatasetFormatError(
                f"{path}: wrong image size: the file holds images of shape "
                f"{values.shape[1:]}, expected {IMAGE_SHAPE}."
            )
        return values
    except DatasetFormatError as err:
        failure = _download.remove_quietly(path)
        note = (
            "It was removed from the data folder; load again to download a good copy."
            if failure is None
            else f"It could not be removed ({failure}); replace it with a good copy."
        )
        raise DatasetFormatError(f"{err} {note}") from None


def load_idx_dataset(
    title: str,
    folder: str,
    mirrors: Sequence[str],
    checksums: Mapping[str, str | None],
    extra_hint: str = "",
) -> tuple[Split, Split]:
    """Load the four IDX files of ``folder`` as ``(x_train, y_train), (x_test, y_test)``.

    Args:
        title: dataset name used in messages, e.g. ``"MNIST"``.
        folder: the data folder (see ``download.dataset_dir``).
        mirrors: base URLs tried in turn for missing files.
        checksums: file name -> ``"<algorithm>:<hex>"`` (or ``None`` to skip the check).
        extra_hint: an extra line for the missing-files message (e.g. an npz alternative).

    Returns:
        uint8 arrays shaped ``(n_train, 28, 28)``, ``(n_train,)``, ``(n_test, 28, 28)``,
        ``(n_test,)``.
    """
    paths = ensure_files(title, folder, IDX_FILES, mirrors, checksums, extra_hint)
    magics = (IMAGES_MAGIC, LABELS_MAGIC, IMAGES_MAGIC, LABELS_MAGIC)
    x_train, y_train, x_test, y_test = (
        read_checked(path, magic) for path, magic in zip(paths, magics, strict=True)
    )
    check_split(x_train, y_train, paths[0], paths[1])
    check_split(x_test, y_test, paths[2], paths[3])
    return (x_train, y_train), (x_test, y_test)
