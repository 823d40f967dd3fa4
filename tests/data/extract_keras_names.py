"""Write keras_public_names.json: the public names of Keras 3 per namespace.

Run with Keras installed (any backend):
    KERAS_BACKEND=numpy python tests/data/extract_keras_names.py

The file is checked in, so tests/test_public_names.py runs without keras.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

NAMESPACES = [
    "layers", "ops", "ops.image", "ops.linalg", "losses", "metrics", "optimizers",
    "optimizers.schedules", "callbacks", "activations", "initializers", "regularizers",
    "constraints", "models", "utils", "random", "saving", "datasets", "config", "backend",
]


def public(obj: object) -> list[str]:
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def main() -> None:
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras

    names: dict[str, list[str]] = {}
    for ns in NAMESPACES:
        obj = keras
        for part in ns.split("."):
            obj = getattr(obj, part)
        names[ns] = public(obj)
    names["Layer"] = public(keras.Layer)
    names["Model"] = public(keras.Model)
    out = {"keras_version": keras.__version__, "namespaces": names}
    path = Path(__file__).with_name("keras_public_names.json")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path} ({sum(map(len, names.values()))} names)")


if __name__ == "__main__":
    main()
