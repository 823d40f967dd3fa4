"""Backend selection, registration, the config file, and the frontend's import hygiene."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import polykeras
from polykeras import config, ops
from polykeras.backend import registry

FRAMEWORKS = ("torch", "jax", "jaxlib", "tensorflow")
BUILTIN = ("numpy", "torch", "jax", "tensorflow")
PACKAGE_DIR = Path(polykeras.__file__).resolve().parent


def run_python(code: str, tmp_path: Path, backend: str | None = None,
               home: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with a clean polykeras environment."""
    env = dict(os.environ)
    env.pop("POLYKERAS_BACKEND", None)
    if backend is not None:
        env["POLYKERAS_BACKEND"] = backend
    env["POLYKERAS_HOME"] = str(home if home is not None else tmp_path / "polykeras_home")
    env["HOME"] = str(tmp_path)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def isolated_registry(monkeypatch):
    """Registrations made by a test are dropped when it ends."""
    registry.available()
    monkeypatch.setattr(registry, "_factories", dict(registry._factories))
    monkeypatch.setattr(registry, "_instances", dict(registry._instances))


# ------------------------------------------------------------------ unknown names
def test_unknown_backend_names_it_and_lists_available():
    with pytest.raises(registry.BackendNotFoundError) as excinfo:
        registry.get("nope")
    msg = str(excinfo.value)
    assert "nope" in msg
    for name in BUILTIN:
        assert name in msg
    assert isinstance(excinfo.value, ValueError)


def test_unknown_backend_from_environment(tmp_path):
    code = "import polykeras\nfrom polykeras import ops\nops.zeros((2,))\n"
    proc = run_python(code, tmp_path, backend="nope")
    assert proc.returncode != 0
    assert "nope" in proc.stderr
    assert all(name in proc.stderr for name in BUILTIN), proc.stderr[-2000:]


@pytest.mark.parametrize("typed,expected", [
    ("NumPy", "numpy"), (" numpy ", "numpy"), ("np", "numpy"), ("PyTorch", "torch"),
    ("pytorch", "torch"), ("TF", "tensorflow"), ("Tensorflow", "tensorflow"), ("JAX", "jax")])
def test_backend_names_are_case_insensitive_with_aliases(typed, expected):
    if not registry.installed(expected):
        with pytest.raises(registry.BackendUnavailableError, match="pip install"):
            registry.resolve(typed)
        return
    assert registry.resolve(typed) == expected


def test_unknown_backend_suggests_the_closest_name():
    with pytest.raises(registry.BackendNotFoundError, match="Did you mean 'torch'"):
        registry.resolve("troch")
    with pytest.raises(registry.BackendNotFoundError, match="Did you mean 'tensorflow'"):
        registry.resolve("tensorflw")


def test_missing_frameworks_are_listed_with_their_install_command(monkeypatch):
    monkeypatch.setattr(registry, "installed", lambda name: name in ("numpy", "jax"))
    with pytest.raises(registry.BackendNotFoundError) as excinfo:
        registry.resolve("nope")
    msg = str(excinfo.value)
    assert "Installed backends: jax, numpy." in msg
    assert 'pip install ".[torch]"' in msg and "download.pytorch.org/whl/cpu" in msg
    assert 'pip install ".[tensorflow-cpu]"' in msg


def test_backend_name_is_checked_at_first_use(tmp_path):
    """A typo fails when polykeras is first used (here: asking for the backend's name,
    as the examples do before loading data), not after work was done."""
    proc = run_python("import polykeras\nprint('named', polykeras.config.backend())\n",
                      tmp_path, backend="numpi")
    assert proc.returncode != 0
    assert "named" not in proc.stdout
    assert "Did you mean 'numpy'" in proc.stderr, proc.stderr[-2000:]
    proc = run_python("import polykeras\nprint(polykeras.config.backend())\n",
                      tmp_path, backend="NumPy")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["numpy"]


def test_use_unknown_backend_raises():
    with pytest.raises(ValueError, match="nope"):
        with polykeras.backend.use("nope"):
            pass


# --------------------------------------------------------------- missing framework
def test_missing_framework_gives_install_hint(isolated_registry):
    polykeras.backend.register("fake", "polykeras_missing_framework_xyz:FakeBackend")
    with pytest.raises(registry.BackendUnavailableError) as excinfo:
        registry.get("fake")
    msg = str(excinfo.value)
    assert "pip install" in msg
    assert "fake" in msg
    assert isinstance(excinfo.value, ImportError)
    with pytest.raises(ImportError, match="pip install"):
        with polykeras.backend.use("fake"):
            pass


# --------------------------------------------------------------- third-party adapter
class WrappedNumpyBackend:
    """A third-party adapter: the NumPy adapter under another name."""

    name = "mynumpy"

    def __init__(self) -> None:
        from polykeras.backends.numpy import NumpyBackend

        self._inner = NumpyBackend()
        self.calls = 0

    def add(self, x1, x2):
        self.calls += 1
        return self._inner.add(x1, x2)

    def __getattr__(self, item):
        return getattr(self._inner, item)


def test_registered_adapter_is_selected_by_name(backend, isolated_registry):
    polykeras.backend.register("mynumpy", WrappedNumpyBackend)
    assert "mynumpy" in polykeras.backend.available()
    with polykeras.backend.use("mynumpy") as adapter:
        assert config.backend() == "mynumpy"
        assert polykeras.backend.current() is adapter
        assert adapter.name == "mynumpy"
        out = ops.add(ops.ones((2, 2)), 1.5)
        np.testing.assert_allclose(ops.convert_to_numpy(out), np.full((2, 2), 2.5))
        assert adapter.calls >= 1, "ops.add did not dispatch to the registered adapter"
        assert ops.dtype(ops.matmul(ops.ones((2, 3)), ops.ones((3, 1)))) == "float32"
    assert polykeras.backend.current() is backend
    assert config.backend() == backend.name


def test_registrations_do_not_leak():
    assert "mynumpy" not in polykeras.backend.available()
    assert "fake" not in polykeras.backend.available()


def test_config_backend_names_the_active_adapter(backend):
    assert config.backend() == backend.name
    expected = os.environ.get("POLYKERAS_BACKEND")
    if expected:
        assert config.backend() == expected.strip()
    with polykeras.backend.use("numpy"):
        assert config.backend() == "numpy"
    assert config.backend() == backend.name


# -------------------------------------------------------------------- config file
def test_config_file_is_honoured_when_env_is_unset(tmp_path):
    home = tmp_path / "home_with_config"
    home.mkdir()
    (home / "polykeras.json").write_text(json.dumps({"backend": "jax"}))
    code = "import polykeras\nprint(polykeras.config.backend())\n"
    proc = run_python(code, tmp_path, home=home)
    if importlib.util.find_spec("jax") is not None:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split()[0] == "jax"
    else:  # the file is read: its backend is named in the not-installed error
        assert proc.returncode != 0 and "'jax' backend needs 'jax'" in proc.stderr, proc.stderr
    proc = run_python(code, tmp_path, backend="numpy", home=home)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "numpy", "POLYKERAS_BACKEND must win over the config file"


def test_config_file_backend_is_used_by_ops(tmp_path):
    home = tmp_path / "home_nope"
    home.mkdir()
    (home / "polykeras.json").write_text(json.dumps({"backend": "nope"}))
    proc = run_python("from polykeras import ops\nops.zeros((1,))\n", tmp_path, home=home)
    assert proc.returncode != 0 and "nope" in proc.stderr


def test_config_file_is_never_written(tmp_path):
    home = tmp_path / "empty_home"
    home.mkdir()
    code = ("import polykeras\nfrom polykeras import ops\n"
            "ops.convert_to_numpy(ops.add(ops.ones((2,)), 1.0))\n"
            "polykeras.config.set_backend('numpy')\n")
    proc = run_python(code, tmp_path, backend="numpy", home=home)
    assert proc.returncode == 0, proc.stderr
    assert list(home.iterdir()) == []
    assert not (tmp_path / ".polykeras").exists()


# ---------------------------------------------------------------------- import cost
IMPORT_PROBE = f"""
import sys, time
t0 = time.process_time()
import polykeras
elapsed = time.process_time() - t0
from polykeras import ops
ops.convert_to_numpy(ops.add(ops.ones((2,)), 1.0))
loaded = sorted(m for m in {FRAMEWORKS!r} if m in sys.modules)
print(elapsed)
print(",".join(loaded) or "-")
"""


def test_import_is_framework_free_and_fast(tmp_path):
    """CPU time of the import, so that a busy machine does not fail the check."""
    timings = []
    for _ in range(3):
        proc = run_python(IMPORT_PROBE, tmp_path, backend="numpy")
        assert proc.returncode == 0, proc.stderr
        elapsed, loaded = proc.stdout.split()
        assert loaded == "-", f"importing polykeras on numpy loaded frameworks: {loaded}"
        timings.append(float(elapsed))
        if timings[-1] < 0.5:
            break
    assert min(timings) < 0.5, f"import polykeras took {min(timings):.3f}s (limit 0.5s)"


# -------------------------------------------------------------- source hygiene
FRAMEWORK_IMPORT = re.compile(
    r"^\s*(?:import|from)\s+(?:torch|jax|jaxlib|tensorflow)\b"
    r"|import_module\(\s*['\"](?:torch|jax|jaxlib|tensorflow)\b"
    r"|__import__\(\s*['\"](?:torch|jax|jaxlib|tensorflow)\b",
    re.MULTILINE,
)
_NAME = r"['\"](?:numpy|torch|jax|tensorflow)['\"]"
NAME_COMPARISON = re.compile(
    rf"(?:==|!=)\s*{_NAME}"
    rf"|{_NAME}\s*(?:==|!=)"
    rf"|\bin\s*[\(\[\{{]\s*{_NAME}"
    rf"|\.startswith\(\s*{_NAME}"
)


def _frontend_sources() -> list[Path]:
    # An installed polykeras also holds the adapters (polykeras.backends): not frontend.
    adapters = PACKAGE_DIR / "backends"
    files = sorted(p for p in PACKAGE_DIR.rglob("*.py") if adapters not in p.parents)
    assert files, f"no sources found under {PACKAGE_DIR}"
    return files


def test_frontend_never_imports_a_framework():
    offenders = []
    for path in _frontend_sources():
        for match in FRAMEWORK_IMPORT.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PACKAGE_DIR.parent)}: {match.group(0).strip()}")
    assert not offenders, "framework imports under polykeras/:\n" + "\n".join(offenders)


def test_frontend_never_compares_the_backend_name():
    offenders = []
    for path in _frontend_sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if NAME_COMPARISON.search(code):
                offenders.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{n}: {line.strip()}")
    assert not offenders, "backend-name branches under polykeras/:\n" + "\n".join(offenders)


# ------------------------------------------------------------- per thread and task
def _other_backend(backend) -> str:
    """A second installed backend to run beside the active one (numpy when the active
    one is a framework; otherwise numpy again, which still checks two threads)."""
    return "numpy" if backend.name != "numpy" else backend.name


def test_use_is_per_thread(backend):
    import threading

    other = _other_backend(backend)
    seen: dict[str, list[str]] = {"main": [], "thread": []}
    inside, done = threading.Event(), threading.Event()

    def worker():
        seen["thread"].append(config.backend())
        with polykeras.backend.use(other):
            inside.set()
            done.wait(10)
            seen["thread"].append(config.backend())
            seen["thread"].append(polykeras.backend.current().name)

    thread = threading.Thread(target=worker)
    with polykeras.backend.use(backend.name):
        thread.start()
        assert inside.wait(10)
        seen["main"].append(config.backend())
        seen["main"].append(ops.convert_to_numpy(ops.ones((1,))).dtype.name)
        done.set()
        thread.join(10)
    assert seen["main"][0] == backend.name
    assert seen["thread"] == [backend.name, other, other]


def test_use_is_per_asyncio_task(backend):
    import asyncio

    other = _other_backend(backend)

    async def task(name, gate):
        with polykeras.backend.use(name):
            await gate.wait()
            return config.backend()

    async def main():
        gate = asyncio.Event()
        tasks = [asyncio.create_task(task(other, gate)),
                 asyncio.create_task(task(backend.name, gate))]
        await asyncio.sleep(0)
        gate.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(main()) == [other, backend.name]


def test_set_backend_is_the_process_default_for_threads(backend):
    import threading

    from polykeras.backend import selection

    names = []
    thread = threading.Thread(target=lambda: names.append(config.backend()))
    previous = selection.default_name()
    polykeras.config.set_backend("numpy")
    try:
        thread.start()
        thread.join(10)
    finally:
        polykeras.config.set_backend(previous)
    assert names == ["numpy"]


def _threaded_model(name: str, seed: int):
    from polykeras import layers

    with polykeras.backend.use(name):
        polykeras.utils.set_random_seed(seed)
        model = polykeras.Sequential([
            layers.Input((6,)), layers.Dense(12, activation="tanh"), layers.Dropout(0.3),
            layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


def test_two_backends_train_concurrently_in_two_threads(backend):
    """Each model trains in its own thread, at the same time as the other, and ends with
    the same weights as when it trains alone."""
    import threading

    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = rng.integers(0, 3, size=(96,))
    names = [backend.name, _other_backend(backend)]

    def train(model):
        model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        return [np.asarray(w) for w in model.get_weights()]

    alone = [train(_threaded_model(n, 7 + i)) for i, n in enumerate(names)]
    models = [_threaded_model(n, 7 + i) for i, n in enumerate(names)]
    results: dict[int, object] = {}
    start = threading.Barrier(2)

    def worker(i):
        try:
            start.wait(10)
            results[i] = train(models[i])
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for i, name in enumerate(names):
        got = results.get(i)
        assert isinstance(got, list), f"training on {name} in a thread failed: {got!r}"
        for a, b in zip(alone[i], got, strict=True):
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-6)


def test_tensorflow_backend_leaves_the_log_level_variable_alone(tmp_path):
    """Loading the TensorFlow adapter quiets TensorFlow's import but does not change the
    user's environment (which child processes inherit)."""
    if not registry.installed("tensorflow"):
        pytest.skip("tensorflow is not installed in this environment")
    code = ("import os, polykeras\nfrom polykeras import ops\n"
            "with polykeras.backend.use('tensorflow'):\n"
            "    ops.convert_to_numpy(ops.add(ops.ones((2,)), 1.0))\n"
            "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL', 'unset'))\n")
    env_code = "import os; os.environ.pop('TF_CPP_MIN_LOG_LEVEL', None)\n"
    proc = run_python(env_code + code, tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-1] == "unset"
