"""Exceptions raised by the dataset loaders.

Example:
    >>> from polykeras.datasets.errors import DatasetUnavailableError
    >>> issubclass(DatasetUnavailableError, FileNotFoundError)
    True
"""

from __future__ import annotations


class DatasetFormatError(ValueError):
    """A data file exists but its content is not what the loader expects."""


class ChecksumError(DatasetFormatError):
    """A data file's digest differs from the published one."""


class DatasetUnavailableError(FileNotFoundError):
    """Data files are missing locally and could not be downloaded."""


class DatasetWriteError(OSError):
    """The data folder or a file in it could not be created or written."""
