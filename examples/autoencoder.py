"""MNIST denoising autoencoder: Conv2D encoder, Conv2DTranspose decoder; Adam.

Gaussian noise is added to the images and the model learns to recover the clean ones.
Run on any backend, unchanged:
    POLYKERAS_DATASETS=../shared/datasets POLYKERAS_BACKEND=torch python examples/autoencoder.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import polykeras
from polykeras import layers
from polykeras.datasets import mnist


def build_model() -> polykeras.Sequential:
    model = polykeras.Sequential([
        polykeras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),    # 14x14
        layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),    # 7x7
        layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu"),  # 14x14
        layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),  # 28x28
        layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer=polykeras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def add_noise(x: np.ndarray, factor: float, seed: int) -> np.ndarray:
    noisy = x + factor * np.random.default_rng(seed).normal(size=x.shape).astype("float32")
    return np.clip(noisy, 0.0, 1.0)


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N samples")
    parser.add_argument("--noise", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    (x_train, _), (x_test, _) = mnist.load_data()
    if args.limit:
        x_train, x_test = x_train[:args.limit], x_test[:args.limit]
    x_train = x_train[..., None].astype("float32") / 255.0
    x_test = x_test[..., None].astype("float32") / 255.0
    noisy_train = add_noise(x_train, args.noise, args.seed)
    noisy_test = add_noise(x_test, args.noise, args.seed + 1)
    model = build_model()
    start = time.perf_counter()
    model.fit(noisy_train, x_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    denoised = model.predict(noisy_test, batch_size=512, verbose=0)
    noisy_mse = float(np.mean((noisy_test - x_test) ** 2))
    denoised_mse = float(np.mean((denoised - x_test) ** 2))
    print(f"test mse noisy {noisy_mse:.4f} - denoised {denoised_mse:.4f} - "
          f"{per_epoch:.2f} s/epoch")
    return denoised_mse


if __name__ == "__main__":
    main()
