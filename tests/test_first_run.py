"""What a new user meets first: the install commands, the extras, the README's promises."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _extras() -> dict[str, list[str]]:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["optional-dependencies"]


def test_tensorflow_cpu_has_an_extra_that_does_not_pull_tensorflow():
    extras = _extras()
    assert [r.split(">")[0] for r in extras["tensorflow-cpu"]] == ["tensorflow-cpu"]
    assert [r.split(">")[0] for r in extras["tensorflow"]] == ["tensorflow"]


def test_readme_installs_from_a_checkout():
    assert not re.search(r"pip install polykeras\b(?!\[)", README), \
        "polykeras is not on the package index: the README must install from a checkout"
    for command in ('pip install ".[torch]"', 'pip install ".[tensorflow-cpu]"',
                    "--index-url https://download.pytorch.org/whl/cpu"):
        assert command in README


def test_readme_lists_every_example_and_states_times():
    for example in sorted(p.name for p in (ROOT / "examples").glob("*.py")):
        assert f"examples/{example}" in README, f"{example} is not in the README"
    assert "--epochs 5" in README and "tox -e numpy" in README
    assert "OPENBLAS_NUM_THREADS" in README and "TF_CPP_MIN_LOG_LEVEL" in README


def test_install_hints_name_commands_that_work_from_a_checkout():
    from polykeras.backend import registry

    for name in ("torch", "jax", "tensorflow"):
        hint = registry._install_hint(name)
        assert f'pip install ".[{name}' in hint and "polykeras[" not in hint


@pytest.mark.parametrize("example", ["mnist_mlp.py", "mnist_cnn.py", "seed_mnist.py",
                                     "compare_backends.py"])
def test_mnist_examples_choose_blas_threads_before_numpy_loads(example):
    text = (ROOT / "examples" / example).read_text(encoding="utf-8")
    setting = text.index('os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")')
    first_import = min(text.index(m) for m in ("\nimport numpy", "\nimport polykeras",
                                               "\nfrom polykeras") if m in text)
    assert setting < first_import
