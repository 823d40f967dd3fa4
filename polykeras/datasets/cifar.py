"""CIFAR archives as Keras reads them: a ``.tar.gz`` of pickled batches (dicts with
``b"data"``, ``(n, 3072)`` uint8 rows of channel-first 32x32 images, and label lists),
read straight from the verified archive, without extracting it.

Example:
    >>> (x, y), _ = load_cifar("CIFAR-10", "cifar10", ...)  # doctest: +SKIP
"""

from __future__ import annotations

import pickle
import tarfile
from collections.abc import Sequence

import numpy as np

from polykeras import config
from polykeras.datasets.errors import DatasetFormatError
from polykeras.datasets.keras_files import fetch_file, restricted_load

Split = tuple[np.ndarray, np.ndarray]


def read_batch(archive: tarfile.TarFile, member: str, label_key: str, path: str) -> Split:
    """``(images (n, 3, 32, 32) uint8, labels (n,))`` of one pickled batch."""
    try:
        f = archive.extractfile(member)
        if f is None:
            raise KeyError(member)
        with f:
            batch = restricted_load(f, encoding="bytes")
        batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
        data = np.asarray(batch["data"], dtype="uint8")
        labels = np.asarray(batch[label_key])
        return data.reshape(data.shape[0], 3, 32, 32), labels
    except (KeyError, ValueError, EOFError, AttributeError, tarfile.TarError,
            pickle.UnpicklingError) as err:
        raise DatasetFormatError(
            f"{path}: cannot read {member} ({type(err).__name__}: {err}). Expected the "
            "original CIFAR python archive."
        ) from None


def load_cifar(title: str, folder_name: str, archive_name: str, mirrors: Sequence[str],
               checksum: str | None, train: Sequence[str], test: str, label_key: str,
               label_dtype: str | None) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)`` from a CIFAR archive in the data folder:
    images ``(n, 32, 32, 3)`` uint8 (channels_last) and labels ``(n, 1)``."""
    path = fetch_file(title, folder_name, archive_name, archive_name, mirrors, checksum)
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as err:
        raise DatasetFormatError(f"{path}: not a readable tar archive ({err}).") from None
    with archive:
        parts = [read_batch(archive, m, label_key, path) for m in train]
        x_test, y_test = read_batch(archive, test, label_key, path)
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    if label_dtype is not None:
        y_train, y_test = y_train.astype(label_dtype), y_test.astype(label_dtype)
    y_train, y_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
