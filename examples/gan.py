"""A GAN on MNIST digits with one custom ``train_step`` that runs on every backend.

Two models, two optimizers and two loss trackers; the gradient part of the step uses
``polykeras.ops.value_and_grad`` and ``optimizer.apply`` only, so the same code trains on
NumPy, PyTorch, JAX and TensorFlow (compiled on the last two).

Run on any backend, unchanged:
    POLYKERAS_DATASETS=../shared/datasets POLYKERAS_BACKEND=jax python examples/gan.py
"""

from __future__ import annotations

import argparse

import polykeras
from polykeras import layers, ops
from polykeras.datasets import mnist

LATENT_DIM = 32


class GAN(polykeras.Model):
    """A discriminator and a generator trained against each other."""

    def __init__(self, discriminator: polykeras.Model, generator: polykeras.Model,
                 latent_dim: int) -> None:
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = polykeras.random.SeedGenerator(1337)
        self.d_loss_tracker = polykeras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = polykeras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):  # type: ignore[override]
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        noise = polykeras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake_images = self.generator(noise)
        images = ops.concatenate([fake_images, real_images], axis=0)
        # Label fakes 1 and real images 0.
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)

        def discriminator_loss():
            return self.loss_fn(labels, self.discriminator(images, training=True))

        d_vars = self.discriminator.trainable_variables
        d_loss, grads = ops.value_and_grad(discriminator_loss, d_vars)()
        self.d_optimizer.apply(grads, d_vars)

        noise = polykeras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = ops.zeros((batch_size, 1))  # "these are real"

        def generator_loss():
            fakes = self.generator(noise, training=True)
            return self.loss_fn(misleading_labels, self.discriminator(fakes))

        g_vars = self.generator.trainable_variables
        g_loss, grads = ops.value_and_grad(generator_loss, g_vars)()
        self.g_optimizer.apply(grads, g_vars)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def build_gan(latent_dim: int = LATENT_DIM) -> GAN:
    discriminator = polykeras.Sequential([
        layers.Input((784,)), layers.Dense(128), layers.Activation("leaky_relu"),
        layers.Dense(1),
    ], name="discriminator")
    generator = polykeras.Sequential([
        layers.Input((latent_dim,)), layers.Dense(128), layers.Activation("leaky_relu"),
        layers.Dense(784, activation="sigmoid"),
    ], name="generator")
    gan = GAN(discriminator, generator, latent_dim)
    gan.compile(d_optimizer=polykeras.optimizers.Adam(learning_rate=3e-4),
                g_optimizer=polykeras.optimizers.Adam(learning_rate=3e-4),
                loss_fn=polykeras.losses.BinaryCrossentropy(from_logits=True))
    return gan


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=10000, help="use only the first N digits")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    (x_train, _), _ = mnist.load_data()
    digits = x_train[:args.limit].reshape(-1, 784).astype("float32") / 255.0
    gan = build_gan()
    history = gan.fit(digits, epochs=args.epochs, batch_size=args.batch_size,
                      verbose=args.verbose)
    print("d_loss " + " ".join(f"{v:.4f}" for v in history.history["d_loss"]))
    print("g_loss " + " ".join(f"{v:.4f}" for v in history.history["g_loss"]))
    return history.history


if __name__ == "__main__":
    main()
