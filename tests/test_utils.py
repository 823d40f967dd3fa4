"""polykeras.utils: array helpers, backend-neutral datasets (which feed fit on the active
backend), images, get_file on local URLs only, model plots, serialization names."""

from __future__ import annotations

import hashlib
import http.server
import importlib.util
import io
import os
import shutil
import socket
import tarfile
import threading
import zipfile

import numpy as np
import pytest

import polykeras
from polykeras import layers, utils
from polykeras.datasets.errors import ChecksumError, DatasetUnavailableError


# ------------------------------------------------------------------ arrays
def test_to_categorical_and_normalize():
    assert utils.to_categorical([[2], [0]]).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        utils.to_categorical([3], 2)
    out = utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(utils.normalize([[1.0, -3.0]], order=1), [[0.25, -0.75]])


def test_pad_sequences_like_keras():
    seqs = [[1, 2, 3], [4], []]
    assert utils.pad_sequences(seqs).tolist() == [[1, 2, 3], [0, 0, 4], [0, 0, 0]]
    assert utils.pad_sequences(seqs, maxlen=2, padding="post", truncating="post",
                               value=-1).tolist() == [[1, 2], [4, -1], [-1, -1]]
    assert utils.pad_sequences(seqs, maxlen=2).tolist() == [[2, 3], [0, 4], [0, 0]]
    assert utils.pad_sequences([["a"], ["b", "c"]], dtype=object, value="").tolist() == [
        ["", "a"], ["b", "c"]]
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'"):
        utils.pad_sequences(seqs, padding="left")


# ------------------------------------------------------------------ datasets
def test_timeseries_windows_and_fit():
    data = np.arange(40, dtype="float32").reshape(20, 2)
    ds = utils.timeseries_dataset_from_array(data, np.arange(20), sequence_length=4,
                                             sampling_rate=2, sequence_stride=3, batch_size=2)
    x, y = ds[0]
    assert x.shape == (2, 4, 2) and y.tolist() == [0, 3]
    np.testing.assert_array_equal(x[1, :, 0], [6, 10, 14, 18])
    assert sum(len(b[1]) for b in ds) == len(range(0, 20 - 6, 3))
    model = polykeras.Sequential([layers.Input((4, 2)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.fit(ds, epochs=1, verbose=0).history["loss"]) == 1
    with pytest.raises(ValueError, match="No window fits"):
        utils.timeseries_dataset_from_array(data[:3], None, sequence_length=4)


def test_split_dataset_and_batching():
    x, y = np.arange(10.0), np.arange(10)
    left, right = utils.split_dataset((x, y), left_size=0.7)
    assert (len(left), len(right)) == (7, 3)
    assert right[0][1] == 7
    lb = left.batch(4)
    assert [len(b[0]) for b in lb] == [4, 3]
    a, b = utils.split_dataset(x, right_size=2, shuffle=True, seed=1)
    assert sorted(a.as_numpy().tolist() + b.as_numpy().tolist()) == x.tolist()
    with pytest.raises(ValueError, match="do not split 10 samples"):
        utils.split_dataset(x, left_size=8, right_size=5)


# ------------------------------------------------------------------ images
def write_images(root, classes=("cats", "dogs"), per_class=3, size=(6, 5)):
    rng = np.random.default_rng(0)
    for c in classes:
        os.makedirs(root / c, exist_ok=True)
        for i in range(per_class):
            img = rng.integers(0, 256, (size[1], size[0], 3)).astype("uint8")
            utils.save_img(str(root / c / f"{i}.png"), img, scale=False)
    return root


def test_image_round_trip(tmp_path):
    img = np.random.default_rng(1).integers(0, 256, (4, 6, 3)).astype("float32")
    utils.save_img(str(tmp_path / "a.png"), img, scale=False)
    back = utils.img_to_array(utils.load_img(str(tmp_path / "a.png")))
    np.testing.assert_array_equal(back, img)
    gray = utils.img_to_array(utils.load_img(str(tmp_path / "a.png"), color_mode="grayscale",
                                             target_size=(2, 3)))
    assert gray.shape == (2, 3, 1)
    assert utils.img_to_array(utils.array_to_img(img), data_format="channels_first").shape == (
        3, 4, 6)
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_image_dataset_from_directory_feeds_fit(tmp_path):
    root = write_images(tmp_path / "photos")
    train, val = utils.image_dataset_from_directory(
        str(root), image_size=(4, 4), batch_size=2, validation_split=0.34, subset="both",
        seed=3, verbose=False)
    assert train.class_names == ["cats", "dogs"]
    assert (train.num_samples, val.num_samples) == (4, 2)
    assert not set(train.file_paths) & set(val.file_paths)
    x, y = train[0]
    assert x.shape == (2, 4, 4, 3) and x.dtype == np.float32 and y.dtype == np.int32
    model = polykeras.Sequential([layers.Input((4, 4, 3)),
                                  layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    cat = utils.image_dataset_from_directory(str(root), label_mode="categorical",
                                             image_size=(3, 3), color_mode="grayscale",
                                             shuffle=False, verbose=False)
    x, y = cat[0]
    assert x.shape == (6, 3, 3, 1) and y.tolist()[0] == [1.0, 0.0]
    with pytest.raises(ValueError, match="pass a seed"):
        utils.image_dataset_from_directory(str(root), validation_split=0.5,
                                           subset="training", verbose=False)


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                    reason="tensorflow is not installed in this environment")
def test_image_dataset_as_tf_data_when_asked(tmp_path):
    root = write_images(tmp_path / "photos")
    ds = utils.image_dataset_from_directory(str(root), image_size=(4, 4), batch_size=4,
                                            shuffle=False, format="tf", verbose=False)
    assert type(ds).__module__.startswith("tensorflow")
    shapes = [tuple(x.shape) for x, _ in ds]
    assert shapes == [(4, 4, 4, 3), (2, 4, 4, 3)]


def test_text_dataset_from_directory(tmp_path):
    for label, texts in {"neg": ["bad", "awful film"], "pos": ["good", "great fun!"]}.items():
        os.makedirs(tmp_path / label)
        for i, t in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(t, encoding="utf-8")
    ds = utils.text_dataset_from_directory(str(tmp_path), batch_size=8, shuffle=False,
                                           max_length=5, verbose=False)
    x, y = ds[0]
    assert x.tolist() == ["bad", "awful", "good", "great"] and y.tolist() == [0, 0, 1, 1]


# ------------------------------------------------------------------ get_file
def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_get_file_caches_and_checks_hashes(tmp_path):
    src = tmp_path / "src" / "data.bin"
    src.parent.mkdir()
    src.write_bytes(b"hello polykeras")
    url = src.as_uri()
    cache = tmp_path / "cache"
    path = utils.get_file(origin=url, cache_dir=str(cache), file_hash=sha256(src.read_bytes()))
    assert path == str(cache / "datasets" / "data.bin")
    assert open(path, "rb").read() == b"hello polykeras"
    src.unlink()  # cached: no second download
    assert utils.get_file(origin=url, cache_dir=str(cache)) == path
    md5 = hashlib.md5(b"hello polykeras").hexdigest()
    assert utils.get_file(origin=url, cache_dir=str(cache), file_hash=md5) == path


def test_get_file_hash_mismatch_removes_the_download(tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(b"tampered")
    with pytest.raises(ChecksumError, match="checksum mismatch.*removed"):
        utils.get_file("data.bin", src.as_uri(), file_hash="0" * 64, cache_dir=str(tmp_path / "c"))
    folder = tmp_path / "c" / "datasets"
    assert not folder.exists() or os.listdir(folder) == []


def test_get_file_offline_error_names_url_and_place(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}/weights.h5"
    with pytest.raises(DatasetUnavailableError) as err:
        utils.get_file(origin=url, cache_dir=str(tmp_path))
    message = str(err.value)
    assert url in message and str(tmp_path / "datasets" / "weights.h5") in message


def test_get_file_from_a_local_http_server_extracts_archives(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "pack.tar.gz", "w:gz") as tar:
        data = b"inside"
        info = tarfile.TarInfo("pack/readme.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(served / "pack.zip", "w") as z:
        z.writestr("a/b.txt", "zipped")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        out = utils.get_file("pack.tar.gz", f"{base}/pack.tar.gz", extract=True,
                             cache_dir=str(tmp_path / "c"))
        assert out.endswith("pack_extracted")
        assert open(os.path.join(out, "pack", "readme.txt"), "rb").read() == b"inside"
        out = utils.get_file(origin=f"{base}/pack.zip", extract=True,
                             cache_dir=str(tmp_path / "c"))
        assert open(os.path.join(out, "a", "b.txt")).read() == "zipped"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("member", ["../escape.txt", "/abs.txt", "link"])
def test_get_file_refuses_archives_escaping_the_folder(tmp_path, member):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo(member)
        if member == "link":
            info.type, info.linkname = tarfile.SYMTYPE, "../../outside"
            tar.addfile(info)
        else:
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="outside the extraction folder"):
        utils.get_file("evil.tar", archive.as_uri(), extract=True, cache_dir=str(tmp_path / "c"))
    assert not (tmp_path / "escape.txt").exists()
    assert not os.path.exists(tmp_path / "c" / "datasets" / "evil_extracted")


# ------------------------------------------------------------------ plots, names
@pytest.mark.skipif(importlib.util.find_spec("pydot") is None,
                    reason="pydot is not installed in this environment")
def test_model_to_dot_and_plot_model(tmp_path):
    inner = polykeras.Sequential([layers.Input((4,)), layers.Dense(3, name="inner_dense")],
                                 name="block")
    a = layers.Input((4,), name="features")
    out = layers.Dense(2, name="head")(inner(a))
    model = polykeras.Model(a, out)
    text = utils.model_to_dot(model, show_shapes=True).to_string()
    assert "head (Dense)" in text and "block (Sequential)" in text and "(None, 2)" in text
    nested = utils.model_to_dot(model, expand_nested=True).to_string()
    assert "inner_dense (Dense)" in nested and "cluster" in nested
    utils.plot_model(model, str(tmp_path / "m.dot"), show_layer_names=True)
    assert "head" in (tmp_path / "m.dot").read_text()
    if shutil.which("dot"):
        utils.plot_model(model, str(tmp_path / "m.png"))
        assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    else:
        with pytest.raises(ImportError, match="apt-get install graphviz"):
            utils.plot_model(model, str(tmp_path / "m.png"))


def test_serialization_names_are_the_saving_ones():
    from polykeras import saving

    assert utils.serialize_keras_object is saving.serialization.serialize_keras_object
    assert utils.get_registered_object is saving.registration.get_registered_object
    with utils.custom_object_scope({"Thing": int}):
        assert utils.get_registered_object("Thing") is int
    config = utils.serialize_keras_object(layers.Dense(3))
    assert utils.deserialize_keras_object(config).units == 3
    from polykeras.callbacks.progbar import Progbar

    assert utils.Progbar is Progbar


def test_images_from_directory_example_runs(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "examples" / "images_from_directory.py"
    env = dict(os.environ, POLYKERAS_BACKEND=polykeras.config.backend())
    proc = subprocess.run([sys.executable, str(script), "--folder", str(tmp_path / "images"),
                           "--per-class", "8", "--epochs", "1"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "classes: ['horizontal', 'vertical']" in proc.stdout
    assert "validation accuracy=" in proc.stdout
