"""Datasets read from a folder with one subfolder per class, as
``keras.utils.image_dataset_from_directory`` and ``text_dataset_from_directory``.

The result is a backend-neutral :class:`polykeras.utils.dataset_utils.Dataset` that
``fit`` takes on every backend (files are read batch by batch, in the background while
the step runs); ``format="tf"`` returns a ``tf.data.Dataset`` instead.

Example:
    >>> train, val = image_dataset_from_directory(  # doctest: +SKIP
    ...     "photos/", image_size=(64, 64), validation_split=0.2, subset="both", seed=1)
    >>> train.class_names  # doctest: +SKIP
    ['cats', 'dogs']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from polykeras.utils.dataset_utils import Dataset, _wants_tf
from polykeras.utils.image_utils import _centre_crop, _resample, img_to_array, load_img

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
LABEL_MODES = ("int", "categorical", "binary", None)


def _files_under(folder: str, formats: Sequence[str], follow_links: bool) -> list[str]:
    out = []
    for root, dirs, files in os.walk(folder, followlinks=follow_links):
        dirs.sort()
        out += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(tuple(formats))]
    return out


def index_directory(directory: str, labels: Any, formats: Sequence[str],
                    class_names: Sequence[str] | None = None, follow_links: bool = False
                    ) -> tuple[list[str], np.ndarray | None, list[str]]:
    """``(file paths, int labels or None, class names)`` of the files in ``directory``."""
    if not os.path.isdir(directory):
        raise ValueError(f"{directory!r} is not a folder. Pass the folder holding the data.")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            if sorted(class_names) != sorted(set(class_names)) or set(class_names) != set(subdirs):
                raise ValueError(
                    f"class_names {list(class_names)} must name the subfolders of "
                    f"{directory!r} exactly once each; found {subdirs}."
                )
            subdirs = list(class_names)
        paths, ints = [], []
        for i, name in enumerate(subdirs):
            found = _files_under(os.path.join(directory, name), formats, follow_links)
            paths += found
            ints += [i] * len(found)
        return paths, np.asarray(ints, dtype="int32"), list(subdirs)
    paths = _files_under(directory, formats, follow_links)
    if labels is None:
        return paths, None, []
    if isinstance(labels, (list, tuple, np.ndarray)):
        if len(labels) != len(paths):
            raise ValueError(
                f"labels has {len(labels)} entries but {directory!r} holds {len(paths)} "
                f"matching files ({', '.join(formats)}); pass one label per file, in the "
                "alphanumeric order of their paths."
            )
        return paths, np.asarray(labels), list(class_names or [])
    raise ValueError(
        f"labels must be 'inferred', None or a list of labels; received {labels!r}."
    )


def _split(n: int, validation_split: float | None, subset: str | None,
           seed: int | None, shuffle: bool) -> list[tuple[str, np.ndarray]]:
    if validation_split is None and subset is None:
        return [("all", np.arange(n))]
    if validation_split is None or not 0 < validation_split < 1:
        raise ValueError(
            f"validation_split must be a float in (0, 1) when subset is given; received "
            f"{validation_split!r}."
        )
    if subset not in ("training", "validation", "both"):
        raise ValueError(
            f"subset must be 'training', 'validation' or 'both' with validation_split; "
            f"received {subset!r}."
        )
    if shuffle and seed is None:
        raise ValueError(
            "With validation_split and shuffle=True, pass a seed so that the training and "
            "validation subsets do not overlap, e.g. seed=1337."
        )
    num_val = int(validation_split * n)
    parts = {"training": ("training", np.arange(n - num_val)),
             "validation": ("validation", np.arange(n - num_val, n))}
    return [parts["training"], parts["validation"]] if subset == "both" else [parts[subset]]


def _labels_for(ints: np.ndarray | None, label_mode: str | None, num_classes: int) -> Any:
    if ints is None or label_mode is None:
        return None
    if label_mode == "int":
        return ints.astype("int32")
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(
                f"label_mode='binary' needs exactly 2 classes, found {num_classes}. Use "
                "label_mode='int' or 'categorical'."
            )
        return ints.astype("float32")[:, None]
    from polykeras.utils.numerical import to_categorical

    return to_categorical(ints, num_classes)


def _from_directory(directory: str, labels: Any, label_mode: str | None, class_names: Any,
                    formats: Sequence[str], batch_size: int | None, shuffle: bool,
                    seed: int | None, validation_split: float | None, subset: str | None,
                    follow_links: bool, verbose: bool, read: Any, format: str) -> Any:
    if label_mode not in LABEL_MODES:
        raise ValueError(f"label_mode must be one of {LABEL_MODES}; received {label_mode!r}.")
    paths, ints, names = index_directory(directory, labels, formats, class_names,
                                         follow_links)
    if not paths:
        raise ValueError(
            f"No files found in {directory!r} with extension {', '.join(formats)}. Put them "
            "in one subfolder per class."
        )
    if labels == "inferred" and label_mode is not None and not names:
        raise ValueError(f"{directory!r} has no class subfolders.")
    if verbose:
        tail = f" belonging to {len(names)} classes." if names else "."
        print(f"Found {len(paths)} files{tail}")
    splits = _split(len(paths), validation_split, subset, seed, shuffle)
    if shuffle:
        if seed is None:
            seed = int(np.random.default_rng().integers(1 << 31))
        order = np.random.default_rng(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        ints = ints[order] if ints is not None else None
    num_classes = len(names) if names else (int(ints.max()) + 1 if ints is not None and
                                            ints.size else 0)
    targets = _labels_for(ints, label_mode, num_classes)
    results = []
    for name, idx in splits:
        if verbose and name != "all":
            print(f"Using {len(idx)} files for {name}.")
        part_paths = [paths[i] for i in idx]
        part_targets = targets[idx] if targets is not None else None

        def load(sel: np.ndarray, part_paths: list[str] = part_paths,
                 part_targets: Any = part_targets) -> Any:
            x = read([part_paths[i] for i in sel])
            return x if part_targets is None else (x, part_targets[sel])

        ds = Dataset(load, len(part_paths), batch_size, shuffle, seed)
        ds.class_names, ds.file_paths = names, part_paths
        results.append(ds.as_tf_dataset() if _wants_tf(format) else ds)
    return results[0] if len(results) == 1 else results


def image_dataset_from_directory(
        directory: str, labels: Any = "inferred", label_mode: str | None = "int",
        class_names: Sequence[str] | None = None, color_mode: str = "rgb",
        batch_size: int | None = 32, image_size: tuple[int, int] = (256, 256),
        shuffle: bool = True, seed: int | None = None, validation_split: float | None = None,
        subset: str | None = None, interpolation: str = "bilinear", follow_links: bool = False,
        crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
        data_format: str | None = None, format: str = "polykeras", verbose: bool = True) -> Any:
    """Batches ``(images, labels)`` from ``directory/<class>/<image file>``.

    Images are float32 ``(batch, height, width, channels)`` with values 0-255 (1, 3 or 4
    channels for ``color_mode`` "grayscale", "rgb", "rgba"), resized to ``image_size``;
    labels follow ``label_mode``: int32 class indices, one-hot ("categorical"), float32
    ``(batch, 1)`` ("binary") or none (``None``). With ``validation_split`` and
    ``subset`` ("training", "validation" or "both") the files are split (after a
    shuffle by ``seed``). ``format="tf"`` returns ``tf.data.Dataset``\\ s.

    Example:
        >>> ds = image_dataset_from_directory("photos/", image_size=(32, 32))  # doctest: +SKIP
    """
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Pass at most one of crop_to_aspect_ratio and pad_to_aspect_ratio.")
    height, width = image_size
    _resample(interpolation)

    def read_one(path: str) -> np.ndarray:
        img = load_img(path, color_mode=color_mode)
        if pad_to_aspect_ratio:
            img = _pad_to_ratio(img, width, height)
        elif crop_to_aspect_ratio:
            img = img.crop(_centre_crop(img.size[0], img.size[1], width, height))
        if img.size != (width, height):
            img = img.resize((width, height), _resample(interpolation))
        return img_to_array(img, data_format=data_format)

    def read(paths: list[str]) -> np.ndarray:
        return np.stack([read_one(p) for p in paths])

    return _from_directory(directory, labels, label_mode, class_names, IMAGE_FORMATS,
                           batch_size, shuffle, seed, validation_split, subset, follow_links,
                           verbose, read, format)


def _pad_to_ratio(img: Any, target_w: int, target_h: int) -> Any:
    w, h = img.size
    pad_w = max(w, round(h * target_w / target_h))
    pad_h = max(h, round(w * target_h / target_w))
    from polykeras.utils.image_utils import pil

    canvas = pil().new(img.mode, (pad_w, pad_h))
    canvas.paste(img, ((pad_w - w) // 2, (pad_h - h) // 2))
    return canvas


def text_dataset_from_directory(
        directory: str, labels: Any = "inferred", label_mode: str | None = "int",
        class_names: Sequence[str] | None = None, batch_size: int | None = 32,
        max_length: int | None = None, shuffle: bool = True, seed: int | None = None,
        validation_split: float | None = None, subset: str | None = None,
        follow_links: bool = False, format: str = "polykeras", verbose: bool = True) -> Any:
    """Batches ``(texts, labels)`` from ``directory/<class>/<file>.txt``: texts are NumPy
    arrays of Python strings (cut to ``max_length`` characters); other arguments as in
    :func:`image_dataset_from_directory`.

    Example:
        >>> ds = text_dataset_from_directory("reviews/", batch_size=8)  # doctest: +SKIP
    """
    def read(paths: list[str]) -> np.ndarray:
        texts = []
        for p in paths:
            with open(p, encoding="utf-8") as f:
                text = f.read()
            texts.append(text[:max_length] if max_length is not None else text)
        out = np.empty(len(texts), dtype=object)
        out[:] = texts
        return out

    return _from_directory(directory, labels, label_mode, class_names, TEXT_FORMATS,
                           batch_size, shuffle, seed, validation_split, subset, follow_links,
                           verbose, read, format)
