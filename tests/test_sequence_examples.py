"""The sequence examples run unchanged on the active backend (tiny sizes, one epoch)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, args", [
    ("addition_rnn", ["--digits", "2", "--train-size", "96", "--test-size", "24",
                      "--hidden", "16", "--epochs", "1", "--batch-size", "32"]),
    ("sequence_transformer", ["--length", "8", "--vocab", "6", "--dim", "8", "--heads", "2",
                              "--ff", "8", "--blocks", "1", "--dropout", "0.1",
                              "--train-size", "64", "--test-size", "16", "--epochs", "1",
                              "--batch-size", "32"]),
    ("text_classification_lstm", ["--max-len", "8", "--dim", "8", "--units", "4",
                                  "--train-size", "64", "--test-size", "16", "--epochs", "1",
                                  "--batch-size", "32"]),
])
def test_sequence_example_runs(name, args, capsys):
    accuracy = _load(name).main(args + ["--verbose", "0"])
    assert 0.0 <= accuracy <= 1.0
    assert "accuracy" in capsys.readouterr().out


def test_addition_data_round_trips():
    mod = _load("addition_rnn")
    x, y, answers = mod.make_data(50, 2, seed=0)
    questions = [q[::-1].split("+") for q in mod.decode(x)]
    assert all(len(a) == len(b) == 2 for a, b in questions)
    assert all(str(int(a) + int(b)).ljust(3) == s for (a, b), s in zip(questions, answers))
    assert mod.decode(y) == answers
