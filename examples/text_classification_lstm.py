"""Text classification with ``Embedding(mask_zero=True)`` and a ``Bidirectional(LSTM)``
on generated variable-length sentences.

Sentences mix neutral words with positive and negative ones, some negated ("not
good"); the label says whether the positive words, after negation, outnumber the
negative ones. Sentences are zero-padded to a common length and the padding is
masked, so the LSTMs read each sentence only to its end (both directions).

Run on any backend, unchanged:
    POLYKERAS_BACKEND=tensorflow python examples/text_classification_lstm.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import polykeras
from polykeras import layers

# Word ids: 0 padding, 1 "not", then positive, negative and neutral words.
NOT = 1
POSITIVE = range(2, 12)
NEGATIVE = range(12, 22)
VOCAB = 200


def make_data(n: int, max_len: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(sentences (n, max_len) int32 zero-padded, labels (n,) int32)``."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, max_len), dtype="int32")
    y = np.zeros((n,), dtype="int32")
    for i in range(n):
        length = int(rng.integers(max_len // 4, max_len + 1))
        words = rng.integers(22, VOCAB, size=length)
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(1, length))
            words[at] = int(rng.choice(POSITIVE if rng.random() < 0.5 else NEGATIVE))
            if rng.random() < 0.3:
                words[at - 1] = NOT
        # Later words may overwrite earlier ones: score the sentence as written.
        score = 0
        for j, w in enumerate(words):
            sign = -1 if j > 0 and words[j - 1] == NOT else 1
            score += sign * ((w in POSITIVE) - (w in NEGATIVE))
        x[i, :length] = words
        y[i] = int(score > 0)
    return x, y


def build_model(max_len: int, dim: int, units: int) -> polykeras.Sequential:
    model = polykeras.Sequential([
        layers.Input(shape=(max_len,), dtype="int32"),
        layers.Embedding(VOCAB, dim, mask_zero=True),
        layers.Bidirectional(layers.LSTM(units)),
        layers.Dense(units, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=polykeras.optimizers.Adam(learning_rate=3e-3),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-len", type=int, default=40)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--train-size", type=int, default=8000)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    x_train, y_train = make_data(args.train_size, args.max_len, args.seed)
    x_test, y_test = make_data(args.test_size, args.max_len, args.seed + 1)
    model = build_model(args.max_len, args.dim, args.units)
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    print(f"test accuracy {accuracy:.4f} - {per_epoch:.2f} s/epoch")
    return float(accuracy)


if __name__ == "__main__":
    main()
