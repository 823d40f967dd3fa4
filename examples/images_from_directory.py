"""Images from a folder: write a small folder of PNG images in two classes, read it with
``polykeras.utils.image_dataset_from_directory`` and train a small CNN with data
augmentation (Rescaling, RandomFlip), on the active backend. The dataset is backend-neutral: the same code
trains on numpy, torch, jax or tensorflow, reading the files in the background.

Run: POLYKERAS_BACKEND=torch python examples/images_from_directory.py --epochs 5
"""

import argparse
import os
import tempfile

import numpy as np

import polykeras
from polykeras import layers

parser = argparse.ArgumentParser()
parser.add_argument("--folder", default=None, help="where to write the images (default: a temp folder)")
parser.add_argument("--per-class", type=int, default=60)
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()


def write_images(folder, per_class, size=24, seed=0):
    """Horizontal stripes ("horizontal") or vertical stripes ("vertical"), with noise."""
    rng = np.random.default_rng(seed)
    for label in ("horizontal", "vertical"):
        os.makedirs(os.path.join(folder, label), exist_ok=True)
        for i in range(per_class):
            period = rng.integers(3, 7)
            stripes = (np.arange(size) // period % 2 * 200)[:, None] * np.ones((1, size))
            image = stripes if label == "horizontal" else stripes.T
            image = np.clip(image[..., None] + rng.normal(0, 40, (size, size, 3)), 0, 255)
            polykeras.utils.save_img(os.path.join(folder, label, f"{i}.png"), image, scale=False)


folder = args.folder or tempfile.mkdtemp(prefix="polykeras-images-")
write_images(folder, args.per_class)
train, val = polykeras.utils.image_dataset_from_directory(
    folder, image_size=(24, 24), batch_size=16, validation_split=0.25, subset="both", seed=42)
print("classes:", train.class_names)

polykeras.utils.set_random_seed(1)
model = polykeras.Sequential([
    layers.Input((24, 24, 3)),
    layers.Rescaling(1 / 255),
    layers.RandomFlip("horizontal"),  # augmentation: active in fit, not in predict
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(16, 3, activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(2, activation="softmax"),
])
model.compile(optimizer=polykeras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(train, validation_data=val, epochs=args.epochs, verbose=2)
print(f"backend={polykeras.config.backend()} "
      f"validation accuracy={history.history['val_accuracy'][-1]:.3f}")
