"""Mixed precision: dtype policies (global and per layer), 16-bit computation with float32
weights, float32 losses, and loss scaling for float16."""

from __future__ import annotations

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops, optimizers
from polykeras.dtype_policies import DTypePolicy


@pytest.fixture
def global_policy():
    yield polykeras.config.set_dtype_policy
    polykeras.config.set_dtype_policy(None)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("f4")
    return x, (x[:, :1] + x[:, 1:2] > 0).astype("f4")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_policy_computes_in_16_bits_with_float32_weights(global_policy, policy):
    global_policy(policy)
    assert polykeras.config.dtype_policy().name == policy
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"),
                                  layers.Dense(1, activation="sigmoid", dtype="float32")])
    hidden, head = model.layers
    assert hidden.compute_dtype == policy.split("_")[1] and hidden.variable_dtype == "float32"
    assert hidden.kernel.dtype == "float32" and head.compute_dtype == "float32"
    x, y = _data()
    assert ops.dtype(hidden(ops.convert_to_tensor(x))) == hidden.compute_dtype
    assert ops.dtype(model(ops.convert_to_tensor(x))) == "float32"
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, optimizers.LossScaleOptimizer)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0).history
    assert np.isfinite(history["loss"]).all() and history["loss"][-1] < history["loss"][0]
    assert hidden.kernel.dtype == "float32"


def test_per_layer_policy_and_config_round_trip(tmp_path):
    layer = layers.Dense(4, dtype="mixed_bfloat16")
    assert layer.dtype_policy == DTypePolicy("mixed_bfloat16")
    config = layer.get_config()
    assert config["dtype"]["class_name"] == "DTypePolicy"
    assert layers.Dense.from_config(config).compute_dtype == "bfloat16"
    assert layers.Dense(4, dtype="float32").get_config()["dtype"] == "float32"
    model = polykeras.Sequential([layers.Input((3,)), layers.Dense(2, dtype="mixed_float16")])
    model.save(tmp_path / "m.keras")
    loaded = polykeras.saving.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="dtype policy"):
        DTypePolicy("mixed_int8")
