"""Files on disk: atomic writes, and reading ``.keras`` archives with clear errors.

A file is written to a temporary file in the same folder, flushed to disk, then renamed
over the target in one step, so a crash or an error mid-save leaves the previous file
intact and no temporary file behind.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> with atomic_write(path) as f:
    ...     _ = f.write(b"hello")
    >>> open(path, "rb").read()
    b'hello'
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from typing import Any

from polykeras.utils.files import atomic_write
from polykeras.utils.limits import ArchiveLimits

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"

__all__ = ["atomic_write", "check_exists", "parse_json", "read_archive", "write_archive"]

def write_archive(path: str, config: dict[str, Any], metadata: dict[str, Any],
                  weights: bytes) -> None:
    """Write a ``.keras`` zip (metadata.json, config.json, model.weights.h5) atomically."""
    config_text = json.dumps(config)
    metadata_text = json.dumps(metadata)
    with atomic_write(path) as f, zipfile.ZipFile(f, "w") as archive:
        archive.writestr(METADATA_NAME, metadata_text, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(CONFIG_NAME, config_text, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(WEIGHTS_NAME, weights, compress_type=zipfile.ZIP_STORED)


# ------------------------------------------------------------------------- read
def _sniff(path: str) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return ""
    if head.startswith(b"\x89HDF"):
        return (" It is an HDF5 file: load weights files with model.load_weights(); "
                "legacy Keras 2 .h5 models are not supported.")
    if head.lstrip()[:1] in (b"{", b"["):
        return " It looks like JSON: use polykeras.models.model_from_json() for a config."
    if head.startswith(b"PK"):
        return " It starts like a zip archive but is truncated or damaged."
    return ""


def check_exists(path: str) -> None:
    """Raise ``ValueError`` naming ``path`` when there is no such file."""
    if not os.path.exists(path):
        raise ValueError(f"File not found: {path}. Check the path of the .keras file.")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder, not a .keras file.")


def read_archive(path: str, limits: ArchiveLimits | None = None,
                 ) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """``(config, metadata, weights bytes)`` of a ``.keras`` file.

    Every member's declared sizes are checked against ``limits`` before anything is
    decompressed (and decompression stops at the declared size).

    Raises:
        ValueError: the file is missing, not a zip, truncated or corrupt, lacks
            config.json or model.weights.h5, its JSON is invalid, or a member exceeds
            a limit.
    """
    limits = limits or ArchiveLimits()
    check_exists(path)
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a .keras file: it is not a zip archive.{_sniff(path)}")
    try:
        with zipfile.ZipFile(path, "r") as archive:
            for info in archive.infolist():
                limits.check_member(path, info.filename, info.compress_size, info.file_size)
            names = set(archive.namelist())
            if CONFIG_NAME not in names:
                raise ValueError(
                    f"{path} is not a .keras file: the archive has no {CONFIG_NAME} (it "
                    f"holds {sorted(names)[:10]})."
                )
            if WEIGHTS_NAME not in names:
                sharded = " Sharded weights are not supported." if any(
                    n.endswith(".json") and "weights" in n for n in names) else ""
                raise ValueError(
                    f"{path} is not a complete .keras file: the archive has no "
                    f"{WEIGHTS_NAME}.{sharded}"
                )
            config_text = archive.read(CONFIG_NAME)
            metadata_text = archive.read(METADATA_NAME) if METADATA_NAME in names else b"{}"
            weights = archive.read(WEIGHTS_NAME)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
            NotImplementedError) as exc:
        raise ValueError(
            f"{path} is truncated or corrupt: cannot read the zip archive ({exc})."
        ) from None
    config = parse_json(config_text, f"{path} ({CONFIG_NAME})")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"{path}: {CONFIG_NAME} does not describe a model (expected an object with "
            f"'class_name' and 'config', received {type(config).__name__})."
        )
    try:
        metadata = parse_json(metadata_text, f"{path} ({METADATA_NAME})")
    except ValueError:
        metadata = {}
    return config, metadata if isinstance(metadata, dict) else {}, weights


def parse_json(text: Any, label: str) -> Any:
    """``json.loads`` with errors as ``ValueError`` naming ``label``."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{label} is not valid JSON: {exc}.") from None
