"""Tests of polykeras.datasets on small IDX files written here; never the network."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import struct
import subprocess
import sys
import urllib.error

import numpy as np
import pytest

from polykeras.datasets import download, fashion_mnist, idx, mnist
from polykeras.datasets.errors import (
    ChecksumError,
    DatasetFormatError,
    DatasetUnavailableError,
    DatasetWriteError,
)

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


# ---------------------------------------------------------------- file builders


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Uncompressed IDX encoding of a uint8 array (magic from its number of dims)."""
    array = np.asarray(array, dtype=np.uint8)
    magic = (0x0800 | array.ndim) if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def sample_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, (5,), dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, (3,), dtype=np.uint8),
    }


def gz_files(arrays: dict[str, np.ndarray]) -> dict[str, bytes]:
    return {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}


def digests(files: dict[str, bytes], algorithm: str = "sha256") -> dict[str, str]:
    return {n: f"{algorithm}:{hashlib.new(algorithm, b).hexdigest()}" for n, b in files.items()}


def write_files(folder, files: dict[str, bytes]) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes, length: int | None = None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data) if length is None else length)}


class FakeWeb:
    """Stands in for ``download.open_url``: serves ``files`` (url -> bytes) from memory."""

    def __init__(self, files: dict[str, bytes] | None = None, offline: bool = False):
        self.files, self.offline, self.calls = dict(files or {}), offline, []

    def __call__(self, url: str, timeout: float) -> FakeResponse:
        self.calls.append(url)
        assert timeout <= 30, "the network timeout must stay short"
        if self.offline:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        if url not in self.files:
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
        return FakeResponse(self.files[url])


def served(mirror: str, files: dict[str, bytes]) -> dict[str, str]:
    return {mirror + name: data for name, data in files.items()}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _keeps_global_state():
    """The dataset loaders need no backend: replaces the conftest check, which would
    instantiate the active backend adapter."""
    yield


@pytest.fixture(autouse=True)
def offline(monkeypatch) -> FakeWeb:
    """Every test starts offline and with an empty digest memo."""
    web = FakeWeb(offline=True)
    monkeypatch.setattr(download, "open_url", web)
    monkeypatch.setattr(download, "_digest_memo", {})
    return web


@pytest.fixture
def root(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "datasets")
    monkeypatch.setenv("POLYKERAS_DATASETS", path)
    return path


@pytest.fixture
def sample(monkeypatch) -> tuple[dict[str, np.ndarray], dict[str, bytes]]:
    """Small MNIST-like files, with mnist.CHECKSUMS set to their sha256."""
    arrays = sample_arrays()
    files = gz_files(arrays)
    monkeypatch.setattr(mnist, "CHECKSUMS", digests(files))
    monkeypatch.setattr(mnist, "MIRRORS", ["https://a.example/mnist/", "https://b.example/m/"])
    return arrays, files


def assert_loaded(result, arrays: dict[str, np.ndarray]) -> None:
    (x_train, y_train), (x_test, y_test) = result
    for got, name in zip((x_train, y_train, x_test, y_test), IDX_FILES, strict=True):
        assert got.dtype == np.uint8
        assert got.shape == arrays[name].shape
        np.testing.assert_array_equal(got, arrays[name])
    assert x_train.flags.writeable


# ---------------------------------------------------------------- IDX reader


def test_parse_idx_images_and_labels():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    out = idx.parse_idx(idx_bytes(images), "images", idx.IMAGES_MAGIC)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4) and out.flags.writeable
    np.testing.assert_array_equal(out, images)
    labels = idx.parse_idx(struct.pack(">II", 0x801, 3) + bytes([7, 2, 1]), "l")
    assert labels.tolist() == [7, 2, 1]


def test_parse_idx_big_endian_types_become_native():
    values = np.array([[1, -2], [300, -40000]], dtype=">i4")
    data = struct.pack(">III", 0x0C02, 2, 2) + values.tobytes()
    out = idx.parse_idx(data, "int32")
    assert out.dtype == np.dtype("int32") and out.dtype.isnative
    assert out.tolist() == [[1, -2], [300, -40000]]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x00\x00", "fewer than the 4-byte magic"),
        (b"PK\x03\x04" + bytes(20), "bad magic number 0x504B0304"),
        (struct.pack(">II", 0x0801, 4) + bytes(3), "size mismatch"),
        (struct.pack(">II", 0x0801, 2) + bytes(3), "size mismatch"),
        (struct.pack(">I", 0x0801) + bytes(2), "truncated IDX header"),
        (struct.pack(">II", 0x0803, 1) + bytes(1), "magic number 0x00000803"),
    ],
)
def test_parse_idx_rejects_bad_content(data, message):
    with pytest.raises(DatasetFormatError, match=message) as info:
        idx.parse_idx(data, "some-file.gz", idx.LABELS_MAGIC)
    assert "some-file.gz" in str(info.value)


# ---------------------------------------------------------------- MNIST from files


def test_mnist_loads_idx_files(root, sample):
    arrays, files = sample
    write_files(os.path.join(root, "mnist"), files)
    assert_loaded(mnist.load_data(), arrays)


def test_present_files_are_hashed_once_per_process(root, sample, monkeypatch):
    arrays, files = sample
    write_files(os.path.join(root, "mnist"), files)
    hashed = []
    real_new = hashlib.new

    def counting_new(name, *args, **kwargs):
        hashed.append(name)
        return real_new(name, *args, **kwargs)

    monkeypatch.setattr(hashlib, "new", counting_new)
    mnist.load_data()
    assert hashed == ["sha256"] * 4
    assert_loaded(mnist.load_data(), arrays)
    assert len(hashed) == 4


def test_mnist_default_folder_is_under_home(monkeypatch, tmp_path):
    monkeypatch.delenv("POLYKERAS_DATASETS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = os.path.join(str(tmp_path), ".polykeras", "datasets", "mnist")
    assert download.dataset_dir("mnist") == expected
    with pytest.raises(DatasetUnavailableError) as info:
        mnist.load_data()
    assert expected in str(info.value)
    assert not os.path.exists(expected), "a failed load must not create the folder"


def save_npz(file: str, arrays: dict[str, np.ndarray]) -> None:
    x_train, y_train, x_test, y_test = (arrays[name] for name in IDX_FILES)
    np.savez(file, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


@pytest.fixture
def unchecked_npz(monkeypatch):
    """Lets load_data read the small npz files the tests write (their sha256 is not the
    published one)."""
    monkeypatch.setattr(mnist, "NPZ_CHECKSUM", None)


def test_tampered_npz_is_refused(root, tmp_path):
    arrays = sample_arrays(1)
    os.makedirs(os.path.join(root, "mnist"))
    file = os.path.join(root, "mnist", "mnist.npz")
    save_npz(file, arrays)
    for call in (lambda: mnist.load_data(), lambda: mnist.load_data(path="mnist.npz"),
                 lambda: mnist.load_data(path=file)):
        with pytest.raises(DatasetFormatError, match="sha256 checksum mismatch") as info:
            call()
        message = str(info.value)
        assert file in message and mnist.NPZ_CHECKSUM.split(":")[1] in message
        assert "load_npz" in message
    assert os.path.exists(file), "the user's file is kept"
    assert_loaded(mnist.load_npz(file), arrays)


def test_mnist_loads_npz_from_data_folder_and_path(root, tmp_path, unchecked_npz):
    arrays = sample_arrays(1)
    os.makedirs(os.path.join(root, "mnist"))
    save_npz(os.path.join(root, "mnist", "mnist.npz"), arrays)
    assert_loaded(mnist.load_data(), arrays)
    assert_loaded(mnist.load_data(path="mnist.npz"), arrays)
    other = str(tmp_path / "elsewhere.npz")
    save_npz(other, sample_arrays(2))
    assert_loaded(mnist.load_data(path=other), sample_arrays(2))


def test_idx_files_take_precedence_over_npz(root, sample):
    arrays, files = sample
    folder = os.path.join(root, "mnist")
    write_files(folder, files)
    save_npz(os.path.join(folder, "mnist.npz"), sample_arrays(5))
    assert_loaded(mnist.load_data(), arrays)


def test_npz_with_missing_array_is_a_clear_error(root, unchecked_npz):
    os.makedirs(os.path.join(root, "mnist"))
    file = os.path.join(root, "mnist", "mnist.npz")
    np.savez(file, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8))
    with pytest.raises(DatasetFormatError, match="missing the arrays x_test, y_test") as info:
        mnist.load_data()
    assert file in str(info.value)


def test_npz_that_is_not_an_archive_is_a_clear_error(root, unchecked_npz):
    os.makedirs(os.path.join(root, "mnist"))
    file = os.path.join(root, "mnist", "mnist.npz")
    with open(file, "wb") as f:
        f.write(b"definitely not a zip archive")
    with pytest.raises(DatasetFormatError, match="not a valid .npz file"):
        mnist.load_data()


def test_npz_with_wrong_image_shape_is_a_clear_error(root, tmp_path, unchecked_npz):
    arrays = sample_arrays()
    arrays["train-images-idx3-ubyte.gz"] = np.zeros((5, 32, 32), np.uint8)
    file = str(tmp_path / "wrong.npz")
    save_npz(file, arrays)
    with pytest.raises(DatasetFormatError, match=r"\(n, 28, 28\), received \(5, 32, 32\)"):
        mnist.load_data(path=file)


def test_npz_path_missing_offline_names_the_file(root, offline):
    with pytest.raises(DatasetUnavailableError) as info:
        mnist.load_data(path="mnist.npz")
    message = str(info.value)
    assert os.path.join(root, "mnist", "mnist.npz") in message
    assert "POLYKERAS_DATASETS" in message and "x_train" in message
    assert offline.calls == [
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    ]


def test_npz_path_is_downloaded_and_verified(root, monkeypatch, tmp_path):
    arrays = sample_arrays(3)
    save_npz(str(tmp_path / "source.npz"), arrays)
    data = (tmp_path / "source.npz").read_bytes()
    web = FakeWeb({"https://mirror.example/mnist.npz": data})
    monkeypatch.setattr(download, "open_url", web)
    monkeypatch.setattr(mnist, "NPZ_MIRRORS", ["https://mirror.example/"])
    monkeypatch.setattr(mnist, "NPZ_CHECKSUM", "sha256:" + hashlib.sha256(data).hexdigest())
    assert_loaded(mnist.load_data(path="mnist.npz"), arrays)
    assert os.listdir(os.path.join(root, "mnist")) == ["mnist.npz"]


# ---------------------------------------------------------------- bad files


def test_bad_checksum_of_present_file_is_an_error_and_file_removed(root, sample, offline):
    _, files = sample
    folder = os.path.join(root, "mnist")
    write_files(folder, {**files, "t10k-labels-idx1-ubyte.gz": gzip.compress(idx_bytes([1, 2, 3]))})
    with pytest.raises(DatasetUnavailableError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "sha256 checksum mismatch" in message and "It was removed" in message
    assert sorted(os.listdir(folder)) == sorted(IDX_FILES[:3])


def test_bad_checksum_that_cannot_be_removed_is_a_checksum_error(root, sample, monkeypatch):
    _, files = sample
    folder = os.path.join(root, "mnist")
    write_files(folder, {**files, "train-labels-idx1-ubyte.gz": b"corrupt"})
    monkeypatch.setattr(download, "remove_quietly", lambda path: "PermissionError: read-only")
    with pytest.raises(ChecksumError, match="train-labels-idx1-ubyte.gz: sha256 checksum") as info:
        mnist.load_data()
    assert "replace it with a good copy" in str(info.value)


def test_bad_present_file_is_downloaded_again(root, sample, monkeypatch, capsys):
    arrays, files = sample
    folder = os.path.join(root, "mnist")
    write_files(folder, {**files, "train-images-idx3-ubyte.gz": b"stale"})
    web = FakeWeb(served("https://a.example/mnist/", files))
    monkeypatch.setattr(download, "open_url", web)
    assert_loaded(mnist.load_data(), arrays)
    assert web.calls == ["https://a.example/mnist/train-images-idx3-ubyte.gz"]
    assert "checksum mismatch" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message",
    [
        (lambda good: good[: len(good) // 2], "truncated gzip file"),
        (lambda good: b"<html>404 Not Found</html>", "not a valid gzip file"),
        (lambda good: gzip.compress(b"\x12\x34\x56\x78" + bytes(100)), "bad magic number"),
        (
            lambda good: gzip.compress(idx_bytes(np.zeros((5, 28, 28), np.uint8))),
            "magic number 0x00000803",
        ),
        (
            lambda good: gzip.compress(idx_bytes(np.zeros(5, np.uint8))[:-2]),
            "size mismatch",
        ),
    ],
    ids=["truncated-gz", "not-gzip", "not-idx", "wrong-dims", "size-mismatch"],
)
def test_corrupt_labels_file_is_a_clear_error_and_removed(
    root, sample, monkeypatch, content, message
):
    _, files = sample
    folder = os.path.join(root, "mnist")
    name = "train-labels-idx1-ubyte.gz"
    bad = content(files[name])
    write_files(folder, {**files, name: bad})
    monkeypatch.setitem(mnist.CHECKSUMS, name, "sha256:" + hashlib.sha256(bad).hexdigest())
    with pytest.raises(DatasetFormatError, match=message) as info:
        mnist.load_data()
    assert os.path.join(folder, name) in str(info.value)
    assert "removed" in str(info.value)
    assert not os.path.exists(os.path.join(folder, name))


def test_wrong_image_size_is_a_clear_error(root, sample, monkeypatch):
    _, files = sample
    folder = os.path.join(root, "mnist")
    name = "t10k-images-idx3-ubyte.gz"
    bad = gzip.compress(idx_bytes(np.zeros((3, 32, 32), np.uint8)))
    write_files(folder, {**files, name: bad})
    monkeypatch.setitem(mnist.CHECKSUMS, name, None)
    with pytest.raises(DatasetFormatError, match=r"wrong image size.*\(32, 32\)"):
        mnist.load_data()
    assert not os.path.exists(os.path.join(folder, name))


def test_images_and_labels_count_mismatch_names_both_files(root, sample, monkeypatch):
    _, files = sample
    name = "t10k-labels-idx1-ubyte.gz"
    bad = gzip.compress(idx_bytes(np.zeros(4, np.uint8)))
    write_files(os.path.join(root, "mnist"), {**files, name: bad})
    monkeypatch.setitem(mnist.CHECKSUMS, name, None)
    with pytest.raises(DatasetFormatError, match="holds 3 images but .* holds 4 labels"):
        mnist.load_data()


# ---------------------------------------------------------------- downloads


def test_missing_files_offline_names_files_and_folder(root, sample, offline):
    with pytest.raises(DatasetUnavailableError) as info:
        mnist.load_data()
    message = str(info.value)
    folder = os.path.join(root, "mnist")
    assert f"put these files in {folder}" in message
    for name in IDX_FILES:
        assert f"\n  {name}" in message
    assert "POLYKERAS_DATASETS" in message and "mnist.npz" in message
    assert "cannot connect" in message
    # each unreachable mirror is tried once, not once per file
    assert offline.calls == [
        "https://a.example/mnist/train-images-idx3-ubyte.gz",
        "https://b.example/m/train-images-idx3-ubyte.gz",
    ]
    assert not os.path.exists(folder)


def test_download_writes_atomically_and_is_cached(root, sample, monkeypatch, capsys):
    arrays, files = sample
    web = FakeWeb(served("https://a.example/mnist/", files))
    monkeypatch.setattr(download, "open_url", web)
    assert_loaded(mnist.load_data(), arrays)
    folder = os.path.join(root, "mnist")
    assert sorted(os.listdir(folder)) == sorted(IDX_FILES), "no temporary file may remain"
    for name, data in files.items():
        with open(os.path.join(folder, name), "rb") as f:
            assert f.read() == data
    err = capsys.readouterr().err
    size = len(files["train-images-idx3-ubyte.gz"])
    assert f"{size:,} / {size:,} bytes 100%" in err
    assert "https://a.example/mnist/train-images-idx3-ubyte.gz" in err
    assert len(web.calls) == 4
    assert_loaded(mnist.load_data(), arrays)
    assert len(web.calls) == 4, "a second load must not download again"


def test_download_tries_the_next_mirror(root, sample, monkeypatch):
    arrays, files = sample
    web = FakeWeb(served("https://b.example/m/", files))
    monkeypatch.setattr(download, "open_url", web)
    assert_loaded(mnist.load_data(), arrays)
    assert web.calls[:2] == [
        "https://a.example/mnist/train-images-idx3-ubyte.gz",
        "https://b.example/m/train-images-idx3-ubyte.gz",
    ]


def test_download_with_wrong_bytes_leaves_no_file(root, sample, monkeypatch):
    _, files = sample
    tampered = {**files, "train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes([9] * 5))}
    web = FakeWeb(served("https://a.example/mnist/", tampered))
    monkeypatch.setattr(download, "open_url", web)
    with pytest.raises(DatasetUnavailableError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "https://a.example/mnist/train-labels-idx1-ubyte.gz: sha256 checksum mismatch" in message
    assert "HTTP error 404" in message  # the second mirror has nothing
    folder = os.path.join(root, "mnist")
    assert "train-labels-idx1-ubyte.gz" not in os.listdir(folder)
    assert not [name for name in os.listdir(folder) if name.startswith(".")]
    assert sorted(os.listdir(folder)) == sorted(set(IDX_FILES) - {"train-labels-idx1-ubyte.gz"})


def test_unwritable_data_folder_is_a_clear_error(tmp_path, sample, monkeypatch):
    _, files = sample
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_bytes(b"")
    monkeypatch.setenv("POLYKERAS_DATASETS", str(not_a_folder))
    monkeypatch.setattr(download, "open_url", FakeWeb(served("https://a.example/mnist/", files)))
    with pytest.raises(DatasetWriteError, match="Cannot create a file in .*POLYKERAS_DATASETS"):
        mnist.load_data()


class BrokenResponse(FakeResponse):
    def read(self, n=-1):
        if self.tell() > 100:
            raise ConnectionResetError("connection reset by peer")
        return super().read(50)


def test_interrupted_download_leaves_no_file(root, sample, monkeypatch):
    _, files = sample
    monkeypatch.setattr(
        download, "open_url", lambda url, timeout: BrokenResponse(files[url.rsplit("/", 1)[1]])
    )
    with pytest.raises(DatasetUnavailableError, match="connection reset by peer") as info:
        mnist.load_data()
    assert "train-images-idx3-ubyte.gz" in str(info.value)
    # the label files are small enough to arrive whole; the image files never appear
    left = sorted(os.listdir(os.path.join(root, "mnist")))
    assert left == ["t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"]


def test_short_download_is_detected(root, sample, monkeypatch):
    _, files = sample
    monkeypatch.setitem(mnist.CHECKSUMS, "train-images-idx3-ubyte.gz", None)

    def short(url, timeout):
        data = files[url.rsplit("/", 1)[1]]
        return FakeResponse(data[:-10], length=len(data))

    monkeypatch.setattr(download, "open_url", short)
    with pytest.raises(DatasetUnavailableError, match="incomplete download"):
        mnist.load_data()
    assert os.listdir(os.path.join(root, "mnist")) == []


# ---------------------------------------------------------------- Fashion-MNIST


def test_fashion_mnist_downloads_and_verifies_md5(root, monkeypatch):
    arrays = sample_arrays(7)
    files = gz_files(arrays)
    monkeypatch.setattr(fashion_mnist, "CHECKSUMS", digests(files, "md5"))
    web = FakeWeb(served(fashion_mnist.MIRRORS[0], files))
    monkeypatch.setattr(download, "open_url", web)
    assert_loaded(fashion_mnist.load_data(), arrays)
    assert sorted(os.listdir(os.path.join(root, "fashion-mnist"))) == sorted(IDX_FILES)
    assert_loaded(fashion_mnist.load_data(), arrays)
    assert len(web.calls) == 4


def test_fashion_mnist_offline_error_names_its_folder(root, offline):
    with pytest.raises(DatasetUnavailableError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert os.path.join(root, "fashion-mnist") in message
    assert all(name in message for name in IDX_FILES)
    assert "POLYKERAS_DATASETS" in message


def test_published_checksum_tables_are_well_formed():
    for table, algorithm, length in (
        (mnist.CHECKSUMS, "sha256", 64),
        (fashion_mnist.CHECKSUMS, "md5", 32),
    ):
        assert sorted(table) == sorted(IDX_FILES)
        for value in table.values():
            alg, digest = download.split_checksum(value)
            assert alg == algorithm and len(digest) == length
            int(digest, 16)
    alg, digest = download.split_checksum(mnist.NPZ_CHECKSUM)
    assert alg == "sha256" and len(digest) == 64
    with pytest.raises(ValueError, match="expected '<algorithm>:<hex digest>'"):
        download.split_checksum("8d422c7b")


def test_importing_datasets_imports_no_loader():
    code = (
        "import sys, polykeras.datasets as d\n"
        "assert 'polykeras.datasets.mnist' not in sys.modules\n"
        "assert 'polykeras.datasets.download' not in sys.modules\n"
        "assert d.mnist.load_data and 'polykeras.datasets.mnist' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
