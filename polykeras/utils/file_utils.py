"""``get_file``: download a file once into a cache folder, check its hash, and extract
archives safely (as ``keras.utils.get_file``).

Downloads stream into a temporary file that replaces the target only once complete and
verified, so a failed or corrupt download leaves nothing under the final name. Tar and
zip members that would land outside the extraction folder (absolute paths, ``..``,
links pointing out) are refused.

Example:
    >>> path = get_file(origin="https://example.com/data.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import urllib.parse
import zipfile
from typing import Any

from polykeras.datasets import download as _download
from polykeras.datasets.errors import ChecksumError, DatasetUnavailableError

ARCHIVE_FORMATS = ("tar", "zip")


def polykeras_home() -> str:
    """``$POLYKERAS_HOME``, else ``~/.polykeras``."""
    return os.environ.get("POLYKERAS_HOME") or os.path.join(os.path.expanduser("~"),
                                                             ".polykeras")


def _checksum(file_hash: str | None, hash_algorithm: str) -> str | None:
    if file_hash is None:
        return None
    algorithm = hash_algorithm.lower()
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(
            f"hash_algorithm must be 'auto', 'sha256' or 'md5', received {hash_algorithm!r}."
        )
    return f"{algorithm}:{file_hash}"


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto") -> bool:
    """Whether the file's sha256 or md5 (``"auto"``: by the hash's length) is ``file_hash``."""
    checksum = _checksum(file_hash, algorithm)
    try:
        _download.verify_file(fpath, checksum)
    except ChecksumError:
        return False
    return True


def _inside(root: str, path: str) -> bool:
    """Whether ``path`` (relative to ``root``, or absolute) resolves inside ``root``."""
    target = os.path.realpath(os.path.join(root, path))
    return os.path.commonpath([root, target]) == root


def _check_tar(archive: tarfile.TarFile, root: str, source: str) -> None:
    for member in archive.getmembers():
        bad = os.path.isabs(member.name) or not _inside(root, member.name) or member.isdev()
        if member.issym():
            where = os.path.dirname(os.path.join(root, member.name))
            bad = bad or os.path.isabs(member.linkname) or not _inside(
                root, os.path.join(where, member.linkname))
        elif member.islnk():
            bad = bad or os.path.isabs(member.linkname) or not _inside(root, member.linkname)
        if bad:
            raise ValueError(
                f"Refusing to extract {source}: member {member.name!r} would be written "
                f"outside the extraction folder (or is a device, or a link pointing out)."
            )


def extract_archive(file_path: str, path: str, archive_format: Any = "auto") -> bool:
    """Extract a tar (``.tar``, ``.tar.gz``, ``.tar.bz2`` ...) or zip archive into ``path``;
    True if ``file_path`` was one of the allowed formats."""
    if archive_format is None:
        return False
    formats = ARCHIVE_FORMATS if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for fmt in formats:
        if fmt not in ARCHIVE_FORMATS:
            raise ValueError(f"archive_format must be 'tar', 'zip' or 'auto', received {fmt!r}.")
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            opener: Any = tarfile.open
        elif fmt == "zip" and zipfile.is_zipfile(file_path):
            opener = zipfile.ZipFile
        else:
            continue
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", dir=parent)
        root = os.path.realpath(tmp)
        try:
            with opener(file_path) as archive:
                if fmt == "tar":
                    _check_tar(archive, root, file_path)
                    if hasattr(tarfile, "data_filter"):
                        archive.extractall(tmp, filter="data")
                    else:  # pragma: no cover - Python without extraction filters
                        archive.extractall(tmp)
                else:
                    for name in archive.namelist():
                        if os.path.isabs(name) or not _inside(root, name):
                            raise ValueError(
                                f"Refusing to extract {file_path}: member {name!r} would be "
                                f"written outside the extraction folder."
                            )
                    archive.extractall(tmp)
            if os.path.isdir(path):
                shutil.rmtree(path)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return True
    return False


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: Any = "auto", cache_dir: str | None = None,
             force_download: bool = False) -> str:
    """Path of ``origin`` downloaded into ``cache_dir/cache_subdir`` (default
    ``$POLYKERAS_HOME/datasets``, ``~/.polykeras/datasets``), downloaded only when missing,
    outdated (hash mismatch) or ``force_download``.

    Args:
        fname: the file's name in the cache (default: the URL's last path part).
        origin: the URL (``https://``, ``http://`` or ``file://``).
        file_hash: the expected sha256 or md5 hex digest (``md5_hash`` is the older name).
        hash_algorithm: "sha256", "md5" or "auto" (chosen by the digest's length).
        extract: extract a tar or zip archive and return the extracted folder
            (``untar`` is the older name for tar archives).

    Raises:
        ChecksumError: the downloaded file does not match ``file_hash`` (it is removed).
        DatasetUnavailableError: the download failed; the message names the URL and where
            to put the file by hand.

    Example:
        >>> get_file("data.zip", "https://example.com/data.zip", extract=True)  # doctest: +SKIP
        '/home/me/.polykeras/datasets/data_extracted'
    """
    if origin is None:
        raise ValueError('get_file needs `origin`, the URL of the file to download.')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    checksum = _checksum(file_hash, hash_algorithm)
    base = os.path.expanduser(cache_dir or polykeras_home())
    datadir = os.path.join(base, cache_subdir)
    given = fname
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Cannot take a file name from origin {origin!r}; pass `fname`.")
    if os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            f"fname must be a file name, not a path (received {fname!r}); use cache_dir and "
            "cache_subdir to choose the folder."
        )
    if extract or untar:
        if given and "." in fname:
            target = os.path.join(datadir, fname)
            extracted = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            target = os.path.join(datadir, f"{fname}_archive")
            extracted = os.path.join(datadir, fname)
    else:
        target = os.path.join(datadir, fname)
    fetch = force_download or not os.path.exists(target)
    if not fetch and checksum is not None:
        try:
            _download.verify_file(target, checksum)
        except ChecksumError:
            print(f"{target} exists but its hash differs from {file_hash}; downloading it "
                  "again.")
            fetch = True
    if fetch:
        _fetch(origin, target, checksum)
    if extract or untar:
        if fetch or not os.path.isdir(extracted):
            if not extract_archive(target, extracted, "tar" if untar else archive_format):
                raise ValueError(
                    f"{target} is not a {'tar' if untar else 'tar or zip'} archive; cannot "
                    "extract it. Pass extract=False to keep the file as is."
                )
        return extracted
    return target


def _fetch(origin: str, target: str, checksum: str | None) -> None:
    import http.client
    import urllib.error

    try:
        _download._download_once(origin, target, checksum)
    except ChecksumError as err:
        raise ChecksumError(f"{err} The download was removed.") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        if isinstance(err, _download.DatasetWriteError):
            raise
        reason = getattr(err, "reason", None) or err
        raise DatasetUnavailableError(
            f"Could not download {origin}: {reason}. If this machine is offline, fetch the "
            f"file elsewhere and put it at {target}"
            + (f" (its {checksum.split(':')[0]} must be {checksum.split(':')[1]})."
               if checksum else ".")
        ) from None
