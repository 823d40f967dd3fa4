"""A small transformer encoder on a generated sequence task: for every token of a
variable-length sequence, predict the largest token seen so far (its running maximum).

Each position may only look back (causal mask) and padding is masked out
(``Embedding(mask_zero=True)``, carried into ``MultiHeadAttention`` by the functional
model). Positions come from a learned ``PositionalEmbedding`` layer written here with
``polykeras.ops``, the keras.io recipe. Reports the per-token accuracy on held-out
sequences (padding excluded).

Run on any backend, unchanged:
    POLYKERAS_BACKEND=torch python examples/sequence_transformer.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import polykeras
from polykeras import layers, ops


class PositionalEmbedding(layers.Layer):
    """Token embedding plus a learned embedding of each position; keeps the padding mask."""

    supports_masking = True

    def __init__(self, sequence_length: int, vocab_size: int, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layers.Embedding(vocab_size, dim, mask_zero=True)
        self.positions = layers.Embedding(sequence_length, dim)

    def call(self, inputs):
        steps = ops.shape(inputs)[-1]
        return self.tokens(inputs) + self.positions(ops.arange(0, steps, dtype="int32"))

    def compute_mask(self, inputs, mask=None):
        return self.tokens.compute_mask(inputs)


def encoder_block(x, dim: int, heads: int, ff: int, dropout: float):
    attn = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads, dropout=dropout)
    x = layers.LayerNormalization()(layers.Add()([x, attn(x, x, use_causal_mask=True)]))
    h = layers.Dense(ff, activation="relu")(x)
    h = layers.Dropout(dropout)(layers.Dense(dim)(h))
    return layers.LayerNormalization()(layers.Add()([x, h]))


def build_model(length: int, vocab: int, dim: int, heads: int, ff: int, blocks: int,
                dropout: float) -> polykeras.Model:
    inputs = polykeras.Input(shape=(length,), dtype="int32")
    x = PositionalEmbedding(length, vocab, dim)(inputs)
    for _ in range(blocks):
        x = encoder_block(x, dim, heads, ff, dropout)
    outputs = layers.Dense(vocab, activation="softmax")(x)
    model = polykeras.Model(inputs, outputs)
    model.compile(optimizer=polykeras.optimizers.Adam(learning_rate=2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def make_data(n: int, length: int, vocab: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of tokens 1..vocab-1 with random lengths, zero-padded, and the running
    maximum of each (0 on padding)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, size=(n, length)).astype("int32")
    lengths = rng.integers(length // 2, length + 1, size=n)
    x[np.arange(length)[None, :] >= lengths[:, None]] = 0
    y = np.maximum.accumulate(x, axis=1) * (x > 0)
    return x, y.astype("int32")


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--vocab", type=int, default=16)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ff", type=int, default=128)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    x_train, y_train = make_data(args.train_size, args.length, args.vocab, args.seed)
    x_test, y_test = make_data(args.test_size, args.length, args.vocab, args.seed + 1)
    model = build_model(args.length, args.vocab, args.dim, args.heads, args.ff, args.blocks,
                        args.dropout)
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose)
    per_epoch = (time.perf_counter() - start) / max(args.epochs, 1)
    pred = model.predict(x_test, batch_size=256, verbose=0).argmax(-1)
    real = x_test > 0
    accuracy = float((pred == y_test)[real].mean())
    print(f"token accuracy {accuracy:.4f} - {per_epoch:.2f} s/epoch")
    return accuracy


if __name__ == "__main__":
    main()
