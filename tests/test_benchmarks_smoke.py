"""The benchmark runner in smoke mode, on the active backend, end to end.

Runs ``python -m benchmarks --smoke`` in a subprocess (as tox does) and checks that the
report files exist and hold one row per benchmark; timings are never checked.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

import polykeras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMED = {"mlp_epoch": "(a)", "step": "(b)", "predict": "(c)", "cnn_epoch": "(d) MNIST CNN",
         "decoder_epoch": "(d) Conv2DTranspose"}
STARTUP = {"import": "(e) import", "peak_memory": "(e) peak RSS"}
PIPELINES = {"pydataset_epoch": "(h) seed MLP fed by a PyDataset",
             "dataloader_epoch": "(h) seed MLP fed by a torch DataLoader"}
IMPLEMENTATIONS = ("polykeras", "hand", "keras")


def _tail(proc: subprocess.CompletedProcess) -> str:
    return (proc.stdout[-3000:] + "\n--- stderr ---\n" + proc.stderr[-3000:]).strip()


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, subprocess.CompletedProcess]:
    backend = polykeras.config.backend()
    out = str(tmp_path_factory.mktemp("bench"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--backends", backend, "--out", out],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    return backend, out, proc


def _expected(backend: str) -> dict[str, str]:
    return {**TIMED, **PIPELINES, **(STARTUP if backend == "numpy" else {})}


def _measured(bench: str, impl: str, backend: str) -> bool:
    """Whether the cell is measured in every run (pipelines: polykeras only; the
    DataLoader on torch only)."""
    if bench in PIPELINES:
        return impl == "polykeras" and (bench == "pydataset_epoch" or backend == "torch")
    return impl != "keras"


def test_smoke_run_succeeds(smoke_run):
    _, _, proc = smoke_run
    assert proc.returncode == 0, _tail(proc)
    assert "| benchmark | backend |" in proc.stdout, "the table is printed at the end"


def test_markdown_has_one_row_per_benchmark(smoke_run):
    backend, out, proc = smoke_run
    path = os.path.join(out, "results.md")
    assert os.path.isfile(path), _tail(proc)
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if line.startswith("| (")]
    for bench, label in _expected(backend).items():
        matching = [r for r in rows if r.startswith(f"| {label}")]
        assert len(matching) == 1, f"expected one {label} row for {bench}, got {matching}"
        columns = [c.strip() for c in matching[0].strip().strip("|").split("|")]
        assert columns[1] == backend
        assert len(columns) == 7, matching[0]
    assert len(rows) == len(_expected(backend))


def test_json_has_every_cell(smoke_run):
    backend, out, proc = smoke_run
    path = os.path.join(out, "results.json")
    assert os.path.isfile(path), _tail(proc)
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    assert report["meta"]["smoke"] is True
    cells = {(c["bench"], c["backend"], c["impl"]): c for c in report["cells"]}
    for bench in _expected(backend):
        for impl in IMPLEMENTATIONS:
            cell = cells.get((bench, backend, impl))
            assert cell is not None, f"no cell for {bench}/{backend}/{impl}"
            if _measured(bench, impl, backend):
                assert cell["status"] == "ok", cell
                assert len(cell["raw"]) == report["meta"]["repeats"] == 1
            elif impl != "keras":
                assert cell["status"] == "n/a", cell
            if cell["status"] == "ok" and bench in TIMED:
                assert all(c is not None for c in cell["checks"]), f"non-finite loss: {cell}"
    ratios = {(r["bench"], r["ratio"]) for r in report["ratios"]}
    assert ("mlp_epoch", "polykeras/hand") in ratios


def test_pipeline_targets_are_reported(smoke_run):
    backend, out, proc = smoke_run
    with open(os.path.join(out, "results.md"), encoding="utf-8") as f:
        text = f.read()
    assert "## (h) input pipelines against arrays" in text, _tail(proc)
    assert f"- {backend}: PyDataset epoch / max(arrays epoch" in text


def test_chart_written_when_matplotlib_is_installed(smoke_run):
    _, out, proc = smoke_run
    has_png = os.path.isfile(os.path.join(out, "results.png"))
    assert has_png == (importlib.util.find_spec("matplotlib") is not None), _tail(proc)


def test_runs_as_a_file():
    proc = subprocess.run([sys.executable, os.path.join("benchmarks", "run.py"), "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, _tail(proc)
    assert "--cnn-samples" in proc.stdout
