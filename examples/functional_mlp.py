"""The functional API: a small model from ``Input`` to outputs, on the active backend.

Run: POLYKERAS_BACKEND=jax python examples/functional_mlp.py
"""

import argparse

import numpy as np

import polykeras

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()

inputs = polykeras.Input(shape=(3,))
x = polykeras.layers.Dense(4, activation=polykeras.activations.relu)(inputs)
outputs = polykeras.layers.Dense(5, activation=polykeras.activations.softmax)(x)
model = polykeras.Model(inputs=inputs, outputs=outputs)

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
rng = np.random.default_rng(0)
x_train = rng.normal(size=(256, 3)).astype("float32")
y_train = (x_train[:, 0] > 0).astype("int32") + 2 * (x_train[:, 1] > 0).astype("int32")
model.fit(x_train, y_train, epochs=args.epochs, batch_size=32, verbose=0)
print(f"backend={polykeras.config.backend()} output shape={model.predict(x_train[:2], verbose=0).shape}")
