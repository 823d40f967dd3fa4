"""MNIST with a small convnet: two Conv2D + MaxPooling2D blocks, Dense, Dropout; Adam.

Run on any backend, unchanged:
    POLYKERAS_DATASETS=../shared/datasets POLYKERAS_BACKEND=jax python examples/mnist_cnn.py
"""

from __future__ import annotations

import os

# NumPy's BLAS (OpenBLAS) with one thread, unless you chose a number: its threads spin
# while they wait, and two of them on a busy machine made an epoch 6-7x slower (README,
# "BLAS threads"). Set before NumPy loads; only this program is affected.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time

import polykeras
from polykeras import layers
from polykeras.datasets import mnist


def build_model(filters: tuple[int, int] = (16, 32)) -> polykeras.Sequential:
    model = polykeras.Sequential([
        polykeras.Input(shape=(28, 28, 1)),
        layers.Conv2D(filters[0], 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(filters[1], 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.25),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=polykeras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
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
    x_train = x_train[..., None].astype("float32") / 255.0
    x_test = x_test[..., None].astype("float32") / 255.0
    model = build_model()
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    print(f"test loss {loss:.4f} - test accuracy {accuracy:.4f} - {per_epoch:.2f} s/epoch")
    return accuracy


if __name__ == "__main__":
    main()
