"""Train the same MNIST MLP on every installed backend and plot the learning curves.

Writes a PNG (needs matplotlib: ``pip install ".[plot]"``) with validation accuracy
per epoch for each backend and the time per epoch in the legend.

Run:
    POLYKERAS_DATASETS=../shared/datasets python examples/compare_backends.py --epochs 5
"""

from __future__ import annotations

import os

# NumPy's BLAS (OpenBLAS) with one thread, unless you chose a number: its threads spin
# while they wait, and two of them on a busy machine made an epoch 6-7x slower (README,
# "BLAS threads"). Set before NumPy loads; only this program is affected.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import tempfile
import time

import polykeras
from polykeras.backend.registry import BackendUnavailableError


def train_on(backend: str, data, epochs: int, batch_size: int, seed: int) -> dict:
    """Fit the seed MLP on ``backend``; returns its history and seconds per epoch."""
    import mnist_mlp  # the example next to this file

    (x_train, y_train), (x_test, y_test) = data
    with polykeras.backend.use(backend):
        polykeras.utils.set_random_seed(seed)
        model = mnist_mlp.build_model()
        start = time.perf_counter()
        history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                            validation_split=0.3, verbose=0)
        seconds = (time.perf_counter() - start) / epochs
        _, accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    return {"history": history.history, "seconds_per_epoch": seconds, "test_accuracy": accuracy}


def plot(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, r in results.items():
        curve = r["history"]["val_accuracy"]
        ax.plot(range(1, len(curve) + 1), curve, marker="o",
                label=f"{name}: {r['seconds_per_epoch']:.2f} s/epoch, test {r['test_accuracy']:.4f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title("polykeras: the same MLP on every backend")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv: list[str] | None = None) -> dict:
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import mnist_mlp

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default=",".join(polykeras.backend.available()))
    parser.add_argument("--out", default="compare_backends.png")
    args = parser.parse_args(argv)

    data = mnist_mlp.load(args.limit)
    results = {}
    for name in args.backends.split(","):
        try:
            results[name] = train_on(name, data, args.epochs, args.batch_size, args.seed)
        except BackendUnavailableError as exc:
            print(f"{name}: skipped ({exc})")
            continue
        r = results[name]
        print(f"{name:>10}: {r['seconds_per_epoch']:.2f} s/epoch, test accuracy "
              f"{r['test_accuracy']:.4f}")
    try:
        plot(results, args.out)
        print(f"wrote {args.out}")
    except ImportError:
        print('matplotlib is not installed; no plot written (pip install ".[plot]").')
    return results


if __name__ == "__main__":
    main()
