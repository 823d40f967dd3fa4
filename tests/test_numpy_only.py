"""polykeras trains on NumPy with no deep-learning framework importable."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    for name in ("torch", "jax", "jaxlib", "tensorflow", "keras"):
        sys.modules[name] = None  # any import of these now raises ImportError
    import numpy as np
    import polykeras
    from polykeras import layers
    assert polykeras.config.backend() == "numpy"
    polykeras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    model = polykeras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                                  layers.Dense(2, activation="softmax")])
    model.compile(optimizer=polykeras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=20, verbose=0)
    acc = history.history["accuracy"][-1]
    assert acc > 0.9, acc
    print("trained", acc)
""")


def test_numpy_backend_trains_with_no_framework_importable(tmp_path):
    env = dict(os.environ, POLYKERAS_BACKEND="numpy", POLYKERAS_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "trained" in proc.stdout
