"""Sequence to sequence learning for addition: an LSTM encoder-decoder reads "345+78"
as characters and writes "423" (the keras.io addition_rnn example, on generated data).

Both numbers are written with the same number of digits ("007+345") and the question
is fed reversed (as in the Keras example); the encoder state is repeated once per answer
character and decoded by a second LSTM into one character per step.
Reports the exact-match accuracy (every answer character right) on held-out questions.

Run on any backend, unchanged:
    POLYKERAS_BACKEND=jax python examples/addition_rnn.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import polykeras
from polykeras import layers

CHARS = "0123456789+ "


def encode(strings: list[str], length: int) -> np.ndarray:
    """One-hot ``(len(strings), length, len(CHARS))`` float32 array."""
    index = {c: i for i, c in enumerate(CHARS)}
    out = np.zeros((len(strings), length, len(CHARS)), dtype="float32")
    for i, s in enumerate(strings):
        for j, c in enumerate(s):
            out[i, j, index[c]] = 1.0
    return out


def decode(probs: np.ndarray) -> list[str]:
    return ["".join(CHARS[k] for k in row) for row in probs.argmax(-1)]


def make_data(n: int, digits: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``n`` distinct questions "a+b" (a, b < 10**digits, written with ``digits`` digits
    each, so "007+345") reversed, and their answers padded to ``digits + 1`` characters."""
    rng = np.random.default_rng(seed)
    limit = 10 ** digits
    n = min(n, limit * limit)
    pairs = rng.choice(limit * limit, size=n, replace=False)
    a, b = pairs // limit, pairs % limit
    questions = [f"{x:0{digits}d}+{y:0{digits}d}"[::-1] for x, y in zip(a, b)]
    answers = [str(x + y).ljust(digits + 1) for x, y in zip(a, b)]
    return encode(questions, 2 * digits + 1), encode(answers, digits + 1), answers


def build_model(digits: int, hidden: int, steps_per_epoch: int) -> polykeras.Sequential:
    model = polykeras.Sequential([
        layers.Input(shape=(2 * digits + 1, len(CHARS))),
        layers.LSTM(hidden),
        layers.RepeatVector(digits + 1),
        layers.LSTM(hidden, return_sequences=True),
        layers.TimeDistributed(layers.Dense(len(CHARS), activation="softmax")),
    ])
    # A decaying step size settles the last errors that exact match counts.
    schedule = polykeras.optimizers.schedules.ExponentialDecay(
        3e-3, decay_steps=steps_per_epoch, decay_rate=0.85)
    model.compile(optimizer=polykeras.optimizers.Adam(learning_rate=schedule,
                                                      global_clipnorm=1.0),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=40000)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    x, y, answers = make_data(args.train_size + args.test_size, args.digits, args.seed)
    n_test = min(args.test_size, len(x) // 5)
    x_train, y_train = x[n_test:], y[n_test:]
    x_test, y_test, test_answers = x[:n_test], y[:n_test], answers[:n_test]
    model = build_model(args.digits, args.hidden, -(-len(x_train) // args.batch_size))
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              validation_data=(x_test, y_test), verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    guesses = decode(model.predict(x_test, batch_size=256, verbose=0))
    exact = float(np.mean([g == t for g, t in zip(guesses, test_answers)]))
    for q, g, t in list(zip(decode(x_test[:5]), guesses, test_answers))[:5]:
        print(f"{q[::-1].strip():>9} = {g.strip():<5} {'ok' if g == t else 'wrong, ' + t.strip()}")
    print(f"exact-match accuracy {exact:.4f} - {per_epoch:.2f} s/epoch")
    return exact


if __name__ == "__main__":
    main()
