"""A variational autoencoder on MNIST digits: the KL term is added with ``add_loss``
and one custom ``train_step`` trains it on every backend.

Run on any backend, unchanged:
    POLYKERAS_DATASETS=../shared/datasets POLYKERAS_BACKEND=torch python examples/vae.py
"""

from __future__ import annotations

import argparse

import polykeras
from polykeras import layers, ops
from polykeras.datasets import mnist

LATENT_DIM = 2


class Sampling(layers.Layer):
    """Draws z from N(z_mean, exp(z_log_var)) and adds the KL divergence to the losses."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = polykeras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        kl = -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        self.add_loss(ops.mean(ops.sum(kl, axis=1)))
        epsilon = polykeras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]


class VAE(polykeras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = polykeras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = polykeras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = polykeras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                self.kl_loss_tracker]

    def train_step(self, data):
        def loss_fn():
            z_mean, z_log_var, z = self.encoder(data, training=True)
            reconstruction = self.decoder(z, training=True)
            # Summed over the 784 pixels (the loss averages them), averaged over the batch.
            reconstruction_loss = 784.0 * ops.mean(
                polykeras.losses.binary_crossentropy(data, reconstruction))
            kl_loss = ops.sum(ops.stack(self.encoder.losses))  # the term Sampling added
            return reconstruction_loss + kl_loss, (reconstruction_loss, kl_loss)

        (total, (reconstruction_loss, kl_loss)), grads = ops.value_and_grad(
            loss_fn, self.trainable_variables, has_aux=True)()
        self.optimizer.apply(grads, self.trainable_variables)
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def build_vae(latent_dim: int = LATENT_DIM) -> VAE:
    inputs = polykeras.Input(shape=(784,))
    x = layers.Dense(128, activation="relu")(inputs)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = polykeras.Model(inputs, [z_mean, z_log_var, z], name="encoder")
    decoder = polykeras.Sequential([
        polykeras.Input(shape=(latent_dim,)), layers.Dense(128, activation="relu"),
        layers.Dense(784, activation="sigmoid"),
    ], name="decoder")
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=polykeras.optimizers.Adam(learning_rate=1e-3))
    return vae


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, default=20000, help="use only the first N digits")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args(argv)

    polykeras.utils.set_random_seed(args.seed)
    print(f"polykeras backend: {polykeras.config.backend()}")
    (x_train, _), _ = mnist.load_data()
    digits = x_train[:args.limit].reshape(-1, 784).astype("float32") / 255.0
    vae = build_vae()
    history = vae.fit(digits, epochs=args.epochs, batch_size=args.batch_size,
                      verbose=args.verbose)
    print("total_loss " + " ".join(f"{v:.4f}" for v in history.history["total_loss"]))
    return history.history


if __name__ == "__main__":
    main()
