"""cifar10, cifar100, imdb, reuters, boston_housing and california_housing on small files
written here in each dataset's real format (never the network): cache, digest checks,
downloads through the loader's mirrors (served from memory), the offline message."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest
from test_datasets import FakeWeb

from polykeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    download,
    imdb,
    reuters,
)
from polykeras.datasets.errors import DatasetFormatError, DatasetUnavailableError


@pytest.fixture(autouse=True)
def _keeps_global_state():
    """The loaders need no backend (replaces the conftest check)."""
    yield


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    web = FakeWeb(offline=True)
    monkeypatch.setattr(download, "open_url", web)
    monkeypatch.setattr(download, "_digest_memo", {})
    return web


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "datasets"
    monkeypatch.setenv("POLYKERAS_DATASETS", str(path))
    return path


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def put(root, module, name, data, monkeypatch, attr="CHECKSUM"):
    folder = root / module.FOLDER_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    monkeypatch.setattr(module, attr, sha256(data))
    return folder / name


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def ragged(seqs) -> np.ndarray:
    out = np.empty(len(seqs), dtype=object)
    out[:] = [list(s) for s in seqs]
    return out


# ------------------------------------------------------------------ CIFAR
def cifar_archive(members: dict[str, dict]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, batch in members.items():
            data = pickle.dumps({k.encode(): v for k, v in batch.items()}, protocol=2)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, 3072)).astype("uint8")


def test_cifar10_reads_the_python_archive(root, monkeypatch):
    batches = {f"cifar-10-batches-py/data_batch_{i}": {"data": images(2, i), "labels": [i, 9]}
               for i in range(1, 6)}
    batches["cifar-10-batches-py/test_batch"] = {"data": images(3, 0), "labels": [0, 1, 2]}
    put(root, cifar10, cifar10.ARCHIVE, cifar_archive(batches), monkeypatch)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert y_train.ravel().tolist() == [1, 9, 2, 9, 3, 9, 4, 9, 5, 9]
    first = batches["cifar-10-batches-py/data_batch_1"]["data"][0].reshape(3, 32, 32)
    np.testing.assert_array_equal(x_train[0], first.transpose(1, 2, 0))
    assert x_test.shape == (3, 32, 32, 3) and y_test.ravel().tolist() == [0, 1, 2]


def test_cifar100_label_modes(root, monkeypatch):
    part = {"data": images(2, 1), "fine_labels": [42, 7], "coarse_labels": [3, 19]}
    data = cifar_archive({"cifar-100-python/train": part, "cifar-100-python/test": part})
    put(root, cifar100, cifar100.ARCHIVE, data, monkeypatch)
    (_, fine), _ = cifar100.load_data()
    (_, coarse), (x_test, _) = cifar100.load_data(label_mode="coarse")
    assert fine.ravel().tolist() == [42, 7] and coarse.ravel().tolist() == [3, 19]
    assert fine.shape == (2, 1) and x_test.shape == (2, 32, 32, 3)
    with pytest.raises(ValueError, match="'fine' or 'coarse'"):
        cifar100.load_data("medium")


def test_cifar_download_is_verified_and_cached(root, monkeypatch):
    part = {"data": images(1, 2), "fine_labels": [5], "coarse_labels": [1]}
    data = cifar_archive({"cifar-100-python/train": part, "cifar-100-python/test": part})
    web = FakeWeb({cifar100.MIRRORS[0] + cifar100.ARCHIVE: data})
    monkeypatch.setattr(download, "open_url", web)
    monkeypatch.setattr(cifar100, "CHECKSUM", sha256(data))
    cifar100.load_data()
    cifar100.load_data()
    assert len(web.calls) == 1
    assert (root / "cifar100" / cifar100.ARCHIVE).read_bytes() == data


def test_offline_message_names_the_file_url_and_folder(root):
    with pytest.raises(DatasetUnavailableError) as err:
        cifar10.load_data()
    message = str(err.value)
    assert str(root / "cifar10" / cifar10.ARCHIVE) in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert "POLYKERAS_DATASETS" in message


def test_bad_checksum_removes_the_file(root, monkeypatch):
    path = put(root, boston_housing, "boston_housing.npz",
               npz_bytes(x=np.zeros((5, 13)), y=np.zeros(5)), monkeypatch)
    monkeypatch.setattr(boston_housing, "CHECKSUM", "sha256:" + "0" * 64)
    with pytest.raises(DatasetUnavailableError, match="checksum mismatch.*removed"):
        boston_housing.load_data()
    assert not path.exists()


# ------------------------------------------------------------------ IMDB, Reuters
SEQS = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [2], [3, 3, 3, 3]]


def test_imdb_sequences_like_keras(root, monkeypatch):
    labels = np.array([0, 1, 0, 1, 1])
    put(root, imdb, "imdb.npz", npz_bytes(x_train=ragged(SEQS), y_train=labels,
                                          x_test=ragged(SEQS[:2]), y_test=labels[:2]),
        monkeypatch)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(seed=113, num_words=100)
    order = np.arange(5)
    np.random.RandomState(113).shuffle(order)
    assert x_train.dtype == object and len(x_test) == 2
    assert [x[1:] for x in x_train] == [[w + 3 for w in SEQS[i]] for i in order]
    assert all(x[0] == 1 for x in x_train) and y_train.tolist() == labels[order].tolist()
    (x_train, _), _ = imdb.load_data(num_words=7, skip_top=4, maxlen=4)
    assert all(len(x) < 4 for x in x_train)
    assert all(w == 2 or 4 <= w < 7 for x in x_train for w in x)
    (x_train, _), _ = imdb.load_data(start_char=None, oov_char=None, index_from=0,
                                     num_words=4)
    assert sorted(map(sorted, x_train)) == sorted(
        sorted(w for w in s if w < 4) for s in SEQS)


def test_imdb_word_index(root, monkeypatch):
    data = json.dumps({"the": 1, "movie": 2}).encode()
    folder = root / "imdb"
    folder.mkdir(parents=True)
    (folder / "imdb_word_index.json").write_bytes(data)
    monkeypatch.setattr(imdb, "WORD_INDEX_CHECKSUM", "md5:" + hashlib.md5(data).hexdigest())
    assert imdb.get_word_index() == {"the": 1, "movie": 2}


def test_reuters_split_and_labels(root, monkeypatch):
    put(root, reuters, "reuters.npz", npz_bytes(x=ragged(SEQS), y=np.arange(5)), monkeypatch)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.4)
    assert (len(x_train), len(x_test)) == (3, 2)
    assert sorted(y_train.tolist() + y_test.tolist()) == [0, 1, 2, 3, 4]
    assert len(reuters.get_label_names()) == 46


def test_npz_with_code_in_a_pickle_is_refused(root, monkeypatch):
    evil = np.empty(1, dtype=object)
    evil[0] = datetime.date(2020, 1, 1)  # any non-array global must be refused
    put(root, reuters, "reuters.npz", npz_bytes(x=evil, y=np.zeros(1)), monkeypatch)
    with pytest.raises(DatasetFormatError, match="refusing to load datetime"):
        reuters.load_data()


# ------------------------------------------------------------------ housing
def test_housing_splits(root, monkeypatch):
    x = np.arange(50 * 13, dtype="float64").reshape(50, 13)
    put(root, boston_housing, "boston_housing.npz", npz_bytes(x=x, y=np.arange(50.0)),
        monkeypatch)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (40, 13) and x_test.shape == (10, 13)
    np.testing.assert_array_equal(x_train[:, 0] / 13, y_train)
    x = np.arange(700 * 8, dtype="float32").reshape(700, 8)
    put(root, california_housing, "california_housing.npz",
        npz_bytes(x=x, y=np.arange(700.0)), monkeypatch)
    (xs, ys), (xt, _) = california_housing.load_data(version="small", test_split=0.5)
    assert len(xs) + len(xt) == 600 and ys.max() < 600
    (xl, _), _ = california_housing.load_data()
    assert len(xl) == 560
    with pytest.raises(ValueError, match="test_split must be in"):
        california_housing.load_data(test_split=1.0)


def test_datasets_folder_listing():
    from polykeras import datasets

    assert {"cifar10", "imdb", "california_housing"} <= set(dir(datasets))
    assert os.path.basename(cifar10.__file__) == "cifar10.py"
