"""How much of Keras 3's public surface polykeras offers under the same names.

The names come from tests/data/keras_public_names.json (extracted from keras 3.15.1 by
tests/data/extract_keras_names.py), so this runs without keras. Each namespace has a floor
(the coverage when it was last raised): coverage may grow, never shrink. The target is
95% everywhere; README.md lists what is missing and why.

    python tests/test_public_names.py        # the coverage table and the missing names
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

DATA = Path(__file__).with_name("data") / "keras_public_names.json"

#: Minimum fraction of each namespace's Keras names that polykeras must have.
FLOORS = {
    "layers": 0.66, "ops": 0.43, "ops.image": 0.0, "ops.linalg": 0.0, "losses": 1.0,
    "metrics": 1.0, "optimizers": 0.78, "optimizers.schedules": 1.0, "callbacks": 0.75,
    "activations": 1.0, "initializers": 1.0, "regularizers": 0.83, "constraints": 1.0,
    "models": 1.0, "utils": 0.65, "random": 0.72, "saving": 0.92, "datasets": 1.0,
    "config": 0.40, "backend": 0.78, "Layer": 0.44, "Model": 0.46,
}


def keras_names() -> dict[str, list[str]]:
    return json.loads(DATA.read_text())["namespaces"]


def polykeras_object(namespace: str) -> object | None:
    """The polykeras module or class that mirrors a Keras namespace (None if absent)."""
    import polykeras

    if namespace == "Layer":
        return polykeras.layers.Layer
    if namespace == "Model":
        return polykeras.Model
    try:
        return importlib.import_module(f"polykeras.{namespace}")
    except ImportError:
        obj: object | None = polykeras
        for part in namespace.split("."):
            obj = getattr(obj, part, None)
        return obj


def missing_names(namespace: str, names: list[str]) -> list[str]:
    obj = polykeras_object(namespace)
    return [n for n in names if obj is None or not hasattr(obj, n)]


def coverage() -> dict[str, tuple[int, int, list[str]]]:
    """``{namespace: (present, total, missing names)}``."""
    out = {}
    for ns, names in keras_names().items():
        missing = missing_names(ns, names)
        out[ns] = (len(names) - len(missing), len(names), missing)
    return out


def test_every_namespace_has_a_floor():
    assert set(FLOORS) == set(keras_names())


@pytest.mark.parametrize("namespace", sorted(FLOORS))
def test_coverage_stays_above_its_floor(namespace):
    names = keras_names()[namespace]
    missing = missing_names(namespace, names)
    present = 1 - len(missing) / len(names)
    assert present + 1e-9 >= FLOORS[namespace], (
        f"polykeras.{namespace} has {present:.0%} of Keras' names, below its floor "
        f"{FLOORS[namespace]:.0%}. Missing: {', '.join(missing)}"
    )


if __name__ == "__main__":
    total_present = total = 0
    for ns, (present, n, _) in coverage().items():
        total_present, total = total_present + present, total + n
        print(f"{ns:22s} {present:4d}/{n:<4d} {present / n:6.1%}")
    print(f"{'all':22s} {total_present:4d}/{total:<4d} {total_present / total:6.1%}")
    for ns, (_, _, missing) in coverage().items():
        if missing:
            print(f"\n{ns}: {', '.join(missing)}")
