"""MNIST with the seed's MLP (784-500-500-10, tanh, dropout 0.5, SGD + Nesterov momentum).

Run on any backend, unchanged:
    POLYKERAS_DATASETS=../shared/datasets POLYKERAS_BACKEND=torch python examples/mnist_mlp.py
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


def build_model() -> polykeras.Sequential:
    model = polykeras.Sequential([
        layers.Dense(500, input_shape=(784,)), layers.Activation("tanh"), layers.Dropout(0.5),
        layers.Dense(500), layers.Activation("tanh"), layers.Dropout(0.5),
        layers.Dense(10), layers.Activation("softmax"),
    ])
    model.compile(
        optimizer=polykeras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def load(limit: int | None = None):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255.0
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255.0
    one_hot = polykeras.utils.to_categorical
    return (x_train, one_hot(y_train, 10)), (x_test, one_hot(y_test, 10))


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N samples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    (x_train, y_train), (x_test, y_test) = load(args.limit)
    model = build_model()
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.3, shuffle=True, verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    print(f"test loss {loss:.4f} - test accuracy {accuracy:.4f} - {per_epoch:.2f} s/epoch")
    return accuracy


if __name__ == "__main__":
    main()
