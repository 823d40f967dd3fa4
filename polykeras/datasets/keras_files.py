"""Files in the formats Keras publishes its datasets in: one file fetched into the data
folder (cached, checked against its published digest, written atomically, with an
offline message saying where to put it), ``.npz`` archives whose object arrays are read
with a restricted unpickler (only NumPy arrays and Python lists/numbers, never code), and
the pickled batches of CIFAR.

Example:
    >>> path = fetch_file("IMDB", "imdb", "imdb.npz", "imdb.npz", MIRRORS,
    ...                   "sha256:6966...")  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import zipfile
from collections.abc import Sequence
from typing import IO, Any

import numpy as np

from polykeras.datasets import download as _download
from polykeras.datasets.errors import ChecksumError, DatasetFormatError, DatasetUnavailableError

#: Where Keras publishes its dataset files.
KERAS_MIRRORS: list[str] = ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/"]

_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("_codecs", "encode"),  # how Python 3 writes bytes in protocol-2 pickles
})


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: dataset files may hold only arrays, lists "
            "and numbers"
        )


def restricted_load(f: IO[bytes], encoding: str = "ASCII") -> Any:
    """Unpickle data (arrays, lists, dicts, numbers, strings) and nothing executable."""
    return _RestrictedUnpickler(f, encoding=encoding).load()


def load_npz(path: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file; object arrays (ragged sequences) are unpickled
    with :func:`restricted_load`.

    Raises:
        DatasetFormatError: the file is not a readable npz.
    """
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                buffer = io.BytesIO(archive.read(member))
                try:
                    arrays[member[:-4]] = np.lib.format.read_array(buffer, allow_pickle=False)
                except ValueError:
                    buffer.seek(0)
                    version = np.lib.format.read_magic(buffer)
                    if version[0] == 1:
                        np.lib.format.read_array_header_1_0(buffer)
                    else:
                        np.lib.format.read_array_header_2_0(buffer)
                    arrays[member[:-4]] = restricted_load(buffer, encoding="latin1")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as err:
        raise DatasetFormatError(f"{path}: not a valid .npz dataset file ({err}).") from None
    return arrays


def require(arrays: dict[str, np.ndarray], keys: Sequence[str], path: str) -> list[np.ndarray]:
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise DatasetFormatError(
            f"{path}: missing the arrays {', '.join(missing)} (found: "
            f"{', '.join(arrays) or 'none'}). Expected {', '.join(keys)}."
        )
    return [arrays[k] for k in keys]


def fetch_file(title: str, folder_name: str, local_name: str, remote_name: str,
               mirrors: Sequence[str], checksum: str | None) -> str:
    """Path of a verified copy of ``remote_name`` stored as ``local_name`` (relative to the
    data folder ``$POLYKERAS_DATASETS/<folder_name>``, or absolute), downloaded when
    missing; a present file with the wrong digest is removed and fetched again.

    Raises:
        DatasetUnavailableError: the file is missing and no mirror served it; the message
            names the file, its URL and the folder to put it in.
        ChecksumError: a bad file could not be removed.
    """
    folder = _download.dataset_dir(folder_name)
    local = os.path.expanduser(os.fspath(local_name))
    dest = local if os.path.isabs(local) else os.path.join(folder, local)
    problem = ""
    if os.path.isfile(dest):
        try:
            _download.verify_file(dest, checksum)
            return dest
        except ChecksumError as err:
            failure = _download.remove_quietly(dest)
            if failure is not None:
                raise ChecksumError(
                    f"{err} It could not be removed ({failure}); replace it with a good copy."
                ) from None
            print(f"{err} Removed it; downloading it again.", file=sys.stderr)
            problem = f"\n  {err} It was removed."
    try:
        return _download.download(remote_name, dest, mirrors, checksum)
    except DatasetUnavailableError as err:
        reasons = "".join(f"\n  {r}" for r in getattr(err, "reasons", [])) or (
            "\n  no mirror could be reached")
        urls = ", ".join(_download._join_url(m, remote_name) for m in mirrors)
        digest = f" ({checksum})" if checksum else ""
        raise DatasetUnavailableError(
            f"{title}: {dest} is missing and could not be downloaded.{problem}{reasons}\n"
            f"To load {title} without network access, download {remote_name}{digest} from "
            f"{urls} and put it at {dest}, or set {_download.DATASETS_ENV} to a folder whose "
            f"'{folder_name}' subfolder holds it (default: {_download.DEFAULT_ROOT})."
        ) from None


def shuffled(seed: int, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays in one random order drawn as Keras draws it (``RandomState(seed)``)."""
    indices = np.arange(len(arrays[0]))
    np.random.RandomState(seed).shuffle(indices)
    return [a[indices] for a in arrays]


def train_test(x: np.ndarray, y: np.ndarray, test_split: float, seed: int
               ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffle (Keras' order) and cut off the last ``test_split`` as the test set."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), received {test_split}.")
    x, y = shuffled(seed, x, y)
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
