"""MNIST convnet with preprocessing inside the model: Rescaling from raw 0-255 pixels and
random augmentation (RandomTranslation, RandomRotation, RandomZoom) that acts only while
training, so evaluate and predict see the images as they are.

Run on any backend, unchanged:
    POLYKERAS_DATASETS=../shared/datasets POLYKERAS_BACKEND=jax python examples/augmented_cnn.py
"""

from __future__ import annotations

import argparse
import time

import polykeras
from polykeras import layers
from polykeras.datasets import mnist


def build_model(seed: int = 1) -> polykeras.Sequential:
    model = polykeras.Sequential([
        polykeras.Input(shape=(28, 28, 1)),
        layers.Rescaling(1.0 / 255),
        layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed),
        layers.RandomRotation(0.04, fill_mode="constant", seed=seed + 1),
        layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=polykeras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N samples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    # Raw uint8 pixels go in; the model rescales them itself.
    x_train, x_test = x_train[..., None], x_test[..., None]
    model = build_model(args.seed)
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    print(f"test loss {loss:.4f} - test accuracy {accuracy:.4f} - {per_epoch:.2f} s/epoch")
    return accuracy


if __name__ == "__main__":
    main()
