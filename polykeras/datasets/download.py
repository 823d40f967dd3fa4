"""Data folders, checksums and downloads shared by the dataset loaders.

Files are fetched with ``urllib`` from a list of mirrors tried in turn, with a progress
bar on stderr, verified against a published digest and written atomically (temporary
file in the destination folder, fsync, ``os.replace``), so an interrupted or corrupt
download never appears under the final name. Every URL is opened through
``open_url``, which tests replace to serve bytes from memory.

A checksum is written ``"<algorithm>:<hex digest>"`` (``"sha256:..."`` or ``"md5:..."``);
``None`` means no published digest (the file is not checked).

Example:
    >>> dataset_dir("mnist")  # with POLYKERAS_DATASETS=/data  # doctest: +SKIP
    '/data/mnist'
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from typing import IO, Any

from polykeras.datasets.errors import ChecksumError, DatasetUnavailableError, DatasetWriteError
from polykeras.utils.files import fsync_folder

DATASETS_ENV = "POLYKERAS_DATASETS"
DEFAULT_ROOT = os.path.join("~", ".polykeras", "datasets")
TIMEOUT_S = 15.0
_CHUNK = 1 << 16

# (real path, inode, size, mtime_ns, algorithm) -> hex digest, so that each file is
# hashed at most once per process.
_digest_memo: dict[tuple[str, int, int, int, str], str] = {}


def datasets_root() -> str:
    """Folder holding one subfolder per dataset: ``$POLYKERAS_DATASETS`` or
    ``~/.polykeras/datasets``."""
    root = os.environ.get(DATASETS_ENV) or DEFAULT_ROOT
    return os.path.abspath(os.path.expanduser(root))


def dataset_dir(name: str) -> str:
    """The folder of one dataset, e.g. ``dataset_dir("mnist")``; nothing is created."""
    return os.path.join(datasets_root(), name)


def open_url(url: str, timeout: float) -> Any:
    """Open ``url`` for reading; the returned object has ``read(n)``, ``headers`` and is a
    context manager. Tests monkeypatch this function."""
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "polykeras-datasets"})
    return urllib.request.urlopen(request, timeout=timeout)


def split_checksum(checksum: str) -> tuple[str, str]:
    """``"sha256:ab..."`` -> ``("sha256", "ab...")``, validated."""
    algorithm, sep, digest = checksum.partition(":")
    algorithm = algorithm.lower()
    if not sep or algorithm not in hashlib.algorithms_available or not digest:
        raise ValueError(
            f"Invalid checksum {checksum!r}: expected '<algorithm>:<hex digest>', "
            "e.g. 'sha256:8d42...' or 'md5:bef4...'."
        )
    return algorithm, digest.lower()


def file_digest(path: str, algorithm: str) -> str:
    """Hex digest of a file, computed once per process per file version."""
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_ino, stat.st_size, stat.st_mtime_ns, algorithm)
    digest = _digest_memo.get(key)
    if digest is None:
        hasher = hashlib.new(algorithm)
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                hasher.update(chunk)
        digest = hasher.hexdigest()
        _digest_memo[key] = digest
    return digest


def _mismatch_message(source: str, algorithm: str, actual: str, expected: str) -> str:
    return (
        f"{source}: {algorithm} checksum mismatch: got {actual}, expected the published "
        f"{expected}. The file is corrupt, incomplete or not the original."
    )


def verify_file(path: str, checksum: str | None) -> None:
    """Raise ``ChecksumError`` when the file's digest differs from ``checksum``.

    Example:
        >>> verify_file("t10k-labels-idx1-ubyte.gz", "sha256:f7ae60f9...")  # doctest: +SKIP
    """
    if checksum is None:
        return
    algorithm, expected = split_checksum(checksum)
    actual = file_digest(path, algorithm)
    if actual != expected:
        raise ChecksumError(_mismatch_message(path, algorithm, actual, expected))


def remove_quietly(path: str) -> str | None:
    """Delete ``path``; return ``None`` on success or the reason it could not be deleted."""
    try:
        os.remove(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"{type(err).__name__}: {err}"
    return None


class _Progress:
    """One-line progress bar on stderr: bytes received, total and percent."""

    def __init__(self, label: str, total: int | None, stream: IO[str] | None = None):
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self._shown = -1

    def update(self, n: int) -> None:
        self.done += n
        if self.total:
            mark = min(100, self.done * 100 // self.total)
        else:
            mark = self.done >> 20  # once per MiB when the size is unknown
        if mark != self._shown:
            self._shown = mark
            self._write()

    def _write(self) -> None:
        if self.total:
            pct = min(100, self.done * 100 // self.total)
            text = f"{self.done:,} / {self.total:,} bytes {pct:3d}%"
        else:
            text = f"{self.done:,} bytes"
        self.stream.write(f"\r{self.label}: {text}")
        self.stream.flush()

    def close(self) -> None:
        if self._shown == -1:
            self._write()
        self.stream.write("\n")
        self.stream.flush()


def _content_length(response: Any) -> int | None:
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _download_once(url: str, dest: str, checksum: str | None) -> None:
    """Stream ``url`` into a temporary file next to ``dest``, verify it, then rename it.

    The folder is created only once the URL answers, so a failed attempt writes nothing.
    """
    import tempfile

    folder, name = os.path.split(os.path.abspath(dest))
    algorithm, expected = split_checksum(checksum) if checksum else ("sha256", None)
    with open_url(url, TIMEOUT_S) as response:
        try:
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        except OSError as err:
            raise DatasetWriteError(
                f"Cannot create a file in {folder}: {err}. Make the folder writable, or set "
                f"{DATASETS_ENV} to a writable folder."
            ) from None
        try:
            actual = _receive(response, fd, tmp, url, algorithm)
            if expected is not None and actual != expected:
                raise ChecksumError(_mismatch_message(url, algorithm, actual, expected))
            try:
                os.replace(tmp, dest)
            except OSError as err:
                raise DatasetWriteError(f"Cannot rename {tmp} to {dest}: {err}") from None
        except BaseException:
            remove_quietly(tmp)
            raise
    fsync_folder(folder)
    stat = os.stat(dest)
    key = (os.path.realpath(dest), stat.st_ino, stat.st_size, stat.st_mtime_ns, algorithm)
    _digest_memo[key] = actual


def _receive(response: Any, fd: int, tmp: str, url: str, algorithm: str) -> str:
    """Copy the response body into the open file ``fd`` (path ``tmp``) with a progress
    bar, check its length and fsync it; return its hex digest."""
    hasher = hashlib.new(algorithm)
    total = _content_length(response)
    progress = _Progress(f"Downloading {url}", total)
    with os.fdopen(fd, "wb") as out:
        try:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                try:
                    out.write(chunk)
                except OSError as err:
                    raise DatasetWriteError(f"Cannot write {tmp}: {err}") from None
                hasher.update(chunk)
                progress.update(len(chunk))
        finally:
            progress.close()
        if total is not None and progress.done != total:
            raise ConnectionError(
                f"incomplete download: received {progress.done:,} of {total:,} bytes"
            )
        try:
            out.flush()
            os.fsync(out.fileno())
        except OSError as err:
            raise DatasetWriteError(f"Cannot write {tmp}: {err}") from None
    return hasher.hexdigest()


def _join_url(base: str, filename: str) -> str:
    return base if base.endswith(filename) else base.rstrip("/") + "/" + filename


def download(
    filename: str,
    dest: str,
    mirrors: Sequence[str],
    checksum: str | None,
    unreachable: set[str] | None = None,
) -> str:
    """Download ``filename`` from the first mirror that serves a verified copy.

    Args:
        filename: the file's name on the mirrors.
        dest: where to store it; its folder is created when a mirror answers.
        mirrors: base URLs tried in turn (``filename`` is appended).
        checksum: ``"<algorithm>:<hex>"`` the download must match, or ``None``.
        unreachable: hosts that already failed to connect in this load; they are skipped
            (not listed in ``reasons``), and hosts that fail now are added, so an offline
            machine fails fast.

    Returns:
        ``dest``.

    Raises:
        DatasetUnavailableError: no mirror served a verified copy; ``reasons`` lists each
            mirror's failure (connection error, HTTP status, checksum mismatch).
        DatasetWriteError: the destination folder or file could not be written.

    Example:
        >>> download("t10k-labels-idx1-ubyte.gz", "/data/mnist/t10k-labels-idx1-ubyte.gz",
        ...          ["https://ossci-datasets.s3.amazonaws.com/mnist/"], None)  # doctest: +SKIP
        '/data/mnist/t10k-labels-idx1-ubyte.gz'
    """
    import http.client
    import urllib.error
    from urllib.parse import urlsplit

    unreachable = set() if unreachable is None else unreachable
    reasons: list[str] = []
    for base in mirrors:
        url = _join_url(base, filename)
        host = urlsplit(url).netloc
        if host in unreachable:
            continue
        try:
            _download_once(url, dest, checksum)
            return dest
        except DatasetWriteError:
            raise
        except ChecksumError as err:
            reasons.append(str(err))
        except urllib.error.HTTPError as err:
            reasons.append(f"{url}: HTTP error {err.code} {err.reason}")
        except urllib.error.URLError as err:
            unreachable.add(host)
            reasons.append(f"{url}: cannot connect ({err.reason})")
        except (OSError, http.client.HTTPException) as err:
            if isinstance(err, TimeoutError):
                unreachable.add(host)
            reasons.append(f"{url}: {type(err).__name__}: {err}")
    summary = "\n  ".join(reasons) if reasons else "every mirror was unreachable or none given"
    error = DatasetUnavailableError(f"Could not download {filename}:\n  {summary}")
    error.reasons = reasons  # type: ignore[attr-defined]
    raise error
