"""Vocabulary lookups: IntegerLookup, StringLookup and Hashing.

Strings are handled on the host with NumPy, so these layers work on every backend
(including numpy): call them on NumPy arrays or lists and they return tensors of the
layer's backend. ``IntegerLookup`` in "int" mode also runs inside a model on tensors
(written with :mod:`polykeras.ops`).

Index layout, as in Keras: ``[mask_token] + [OOV] * num_oov_indices + vocabulary``.
``adapt`` orders tokens by frequency (ties: the larger token first). Several OOV
indices take ``x mod num_oov_indices`` for integers and a stable hash of the string
otherwise (Keras hashes strings with FarmHash, so multi-OOV string buckets differ from
Keras; everything else matches).

Example:
    >>> import numpy as np
    >>> from polykeras import layers, ops
    >>> lookup = layers.StringLookup(vocabulary=["a", "b"])
    >>> ops.convert_to_numpy(lookup(np.array(["b", "z", "a"])))
    array([2, 0, 1], dtype=int32)
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import Any

import numpy as np

from polykeras import ops
from polykeras.layers import graph
from polykeras.layers.layer import Layer
from polykeras.layers.preprocessing.numeric_layers import encode_categories, encoded_shape

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def stable_hash(token: Any, buckets: int, salt: Any = None) -> int:
    """A hash of ``str(token)`` that is the same in every process and on every backend."""
    key = b"" if salt is None else str(salt).encode("utf-8")
    data = token if isinstance(token, bytes) else str(token).encode("utf-8")
    digest = hashlib.blake2b(data, digest_size=8, key=key).digest()
    return int.from_bytes(digest, "little") % buckets


def _host(values: Any) -> np.ndarray:
    if ops.is_tensor(values):
        return np.asarray(ops.convert_to_numpy(values))
    return np.asarray(values)


def _is_host_data(x: Any) -> bool:
    return isinstance(x, (np.ndarray, list, tuple, str, bytes)) and not graph.is_symbolic(x)


def rows_to_encoding(ids: np.ndarray, depth: int, output_mode: str,
                     idf: np.ndarray | None) -> np.ndarray:
    """Host version of the multi_hot / count / one_hot / tf_idf encodings of ``ids``."""
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        return np.eye(depth, dtype="float32")[ids]
    if ids.ndim <= 1:
        ids = ids.reshape(-1, 1)
    lead = ids.shape[:-1]
    flat = ids.reshape(-1, ids.shape[-1])
    counts = np.zeros((flat.shape[0], depth), "float32")
    np.add.at(counts, (np.repeat(np.arange(flat.shape[0]), flat.shape[1]), flat.reshape(-1)), 1)
    if output_mode == "multi_hot":
        counts = np.minimum(counts, 1.0)
    elif output_mode == "tf_idf":
        assert idf is not None
        counts = counts * idf[None, :depth].astype("float32")
    return counts.reshape(*lead, depth)


class IndexLookup(Layer):
    """The shared machinery of IntegerLookup and StringLookup (see the module doc)."""

    token_kind = "string"

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: Any = None, oov_token: Any = None, vocabulary: Any = None,
                 idf_weights: Any = None, invert: bool = False, output_mode: str = "int",
                 sparse: bool = False, pad_to_max_tokens: bool = False, salt: Any = None,
                 **kwargs: Any) -> None:
        kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        cls = type(self).__name__
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{cls}: output_mode must be one of "
                             f"{', '.join(map(repr, OUTPUT_MODES))}, received {output_mode!r}.")
        if invert and output_mode != "int":
            raise ValueError(f"{cls}: invert=True needs output_mode='int', received "
                             f"{output_mode!r}.")
        if sparse:
            raise ValueError(f"{cls}: sparse=True is not supported.")
        if num_oov_indices < 0:
            raise ValueError(f"{cls}: num_oov_indices must be >= 0, received "
                             f"{num_oov_indices}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{cls}: max_tokens must be > 1, received {max_tokens}.")
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.salt = salt
        self._vocab: list[Any] = []
        self._index: dict[Any, int] = {}
        self.idf_weights: np.ndarray | None = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError(f"{cls}: idf_weights needs a vocabulary.")
        self.built = True

    # ------------------------------------------------------------------ vocabulary
    def _token(self, t: Any) -> Any:
        return t

    @property
    def _offset(self) -> int:
        return (0 if self.mask_token is None else 1) + self.num_oov_indices

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Use ``vocabulary`` (without the mask and OOV tokens) and, for "tf_idf", its
        ``idf_weights``."""
        tokens = [self._token(t) for t in _host(vocabulary).reshape(-1).tolist()]
        specials = {self.mask_token, self.oov_token} - {None}
        tokens = [t for t in tokens if t not in specials]
        if len(set(tokens)) != len(tokens):
            raise ValueError(f"{type(self).__name__}: the vocabulary has repeated tokens.")
        if self.max_tokens is not None and len(tokens) + self._offset > self.max_tokens:
            tokens = tokens[:self.max_tokens - self._offset]
        self._vocab = tokens
        self._index = {t: i + self._offset for i, t in enumerate(tokens)}
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{type(self).__name__}: output_mode='tf_idf' needs "
                                 "idf_weights with a given vocabulary (or use adapt()).")
            weights = np.asarray(idf_weights, "float32").reshape(-1)[:len(tokens)]
            oov = float(weights.mean()) if weights.size else 0.0
            self.idf_weights = np.concatenate(
                [np.full(self._offset, oov, "float32"), weights]).astype("float32")
            if self.mask_token is not None:
                self.idf_weights[0] = 0.0

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """The tokens by index (with the mask and OOV tokens first, by default)."""
        if not include_special_tokens:
            return list(self._vocab)
        head = [] if self.mask_token is None else [self.mask_token]
        return head + [self.oov_token] * self.num_oov_indices + list(self._vocab)

    def vocabulary_size(self) -> int:
        """Number of indices, special tokens included."""
        return self._offset + len(self._vocab)

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Build the vocabulary from ``data`` (tokens by frequency; for "tf_idf" also
        the inverse document frequencies)."""
        from polykeras.layers.preprocessing.numeric_layers import host_batches

        counts: Counter[Any] = Counter()
        doc_counts: Counter[Any] = Counter()
        docs = 0
        for batch in host_batches(data):
            rows = batch.reshape(batch.shape[0], -1) if batch.ndim > 1 else batch.reshape(-1, 1)
            for row in rows.tolist():
                row = [self._token(t) for t in row]
                counts.update(row)
                doc_counts.update(set(row))
                docs += 1
        self._adapt_counts(counts, doc_counts, docs)

    def _adapt_counts(self, counts: Counter[Any], doc_counts: Counter[Any], docs: int) -> None:
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]),
                                        reverse=True)]
        if self.max_tokens is not None:
            ordered = ordered[:max(self.max_tokens - self._offset, 0)]
        idf = None
        if self.output_mode == "tf_idf":
            idf = [math.log(1 + docs / (1 + doc_counts[t])) for t in ordered]
        self.set_vocabulary(np.asarray(ordered, dtype=object), idf)

    # ------------------------------------------------------------------ lookup
    def _oov_index(self, token: Any) -> int:
        if self.num_oov_indices == 0:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: {token!r} is not in "
                             "the vocabulary and num_oov_indices=0.")
        bucket = 0 if self.num_oov_indices == 1 else self._oov_bucket(token)
        return (0 if self.mask_token is None else 1) + bucket

    def _oov_bucket(self, token: Any) -> int:
        return stable_hash(token, self.num_oov_indices, self.salt)

    def lookup_host(self, values: np.ndarray) -> np.ndarray:
        """Indices of ``values`` (a NumPy array), int32."""
        if values.size == 0:
            return np.zeros(values.shape, "int32")
        uniq, inverse = np.unique(values.reshape(-1), return_inverse=True)
        mapped = np.empty(len(uniq), "int32")
        for i, raw in enumerate(uniq.tolist()):
            token = self._token(raw)
            if self.mask_token is not None and token == self.mask_token:
                mapped[i] = 0
            else:
                found = self._index.get(token)
                mapped[i] = self._oov_index(token) if found is None else found
        return mapped[inverse].reshape(values.shape)

    def _depth(self) -> int:
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size()

    def _idf(self) -> np.ndarray | None:
        if self.idf_weights is None:
            return None
        idf = np.zeros(self._depth(), "float32")
        idf[:len(self.idf_weights)] = self.idf_weights
        return idf

    def weigh_counts(self, counts: np.ndarray) -> np.ndarray:
        """Token counts per row as this layer's output mode (multi_hot, count, tf_idf)."""
        if self.output_mode == "multi_hot":
            return np.minimum(counts, 1.0)
        if self.output_mode == "tf_idf":
            idf = self._idf()
            assert idf is not None
            return counts * idf
        return counts

    def _encode_host(self, ids: np.ndarray) -> Any:
        if self.output_mode == "int":
            return ops.convert_to_tensor(ids)
        return ops.convert_to_tensor(rows_to_encoding(ids, self._depth(), self.output_mode,
                                                      self._idf()))

    def _invert_host(self, ids: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        out = np.empty(ids.shape, dtype=object)
        for pos, i in np.ndenumerate(ids):
            out[pos] = vocab[i] if 0 <= i < len(vocab) else self.oov_token
        return out

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_host_data(inputs) and not self._host_only(inputs):
            return super().__call__(inputs, *args, **kwargs)
        values = _host(inputs)
        from polykeras.backend import selection

        with selection.use(self._backend):
            if self.invert:
                return self._invert_result(self._invert_host(values.astype("int64")))
            return self._encode_host(self.lookup_host(values))

    def _host_only(self, inputs: Any) -> bool:
        return True

    def _invert_result(self, tokens: np.ndarray) -> Any:
        return tokens.astype(str)

    def call(self, inputs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} layer {self.name!r} runs on host data "
                         "(NumPy arrays or lists): call it on the data before the model.")

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self) -> dict[str, Any]:
        idf = None
        if self.idf_weights is not None:
            idf = self.idf_weights[self._offset:].tolist()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": False, "pad_to_max_tokens": self.pad_to_max_tokens,
                "idf_weights": idf, "vocabulary": list(self._vocab) or None,
                "vocabulary_size": self.vocabulary_size(), "salt": self.salt}


class StringLookup(IndexLookup):
    """Maps strings to integer indices (or one_hot / multi_hot / count / tf_idf vectors);
    ``invert=True`` maps indices back to strings."""

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]",
                 vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False,
                 sparse: bool = False, encoding: str = "utf-8", name: str | None = None,
                 salt: Any = None, **kwargs: Any) -> None:
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, sparse, pad_to_max_tokens, salt,
                         name=name, **kwargs)

    def _token(self, t: Any) -> Any:
        return t.decode(self.encoding) if isinstance(t, bytes) else str(t)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoding": self.encoding}


class IntegerLookup(IndexLookup):
    """Maps integers to indices (or one_hot / multi_hot / count / tf_idf vectors). In
    "int" mode it also runs on tensors inside a model, on every backend."""

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1, vocabulary: Any = None,
                 vocabulary_dtype: str = "int64", idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", sparse: bool = False, pad_to_max_tokens: bool = False,
                 oov_method: str = "floormod", salt: Any = None, name: str | None = None,
                 **kwargs: Any) -> None:
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, sparse, pad_to_max_tokens, salt,
                         name=name, **kwargs)

    def _token(self, t: Any) -> Any:
        return int(t)

    def _oov_bucket(self, token: Any) -> int:
        if self.oov_method == "floormod":
            return int(token) % self.num_oov_indices
        return stable_hash(token, self.num_oov_indices, self.salt)

    def _host_only(self, inputs: Any) -> bool:
        return self.invert or self.output_mode == "tf_idf" or self.oov_method != "floormod"

    def _invert_result(self, tokens: np.ndarray) -> Any:
        return ops.convert_to_tensor(tokens.astype("int64"))

    def call(self, inputs: Any) -> Any:
        """Lookup written with ops: equality against the vocabulary."""
        x = ops.cast(inputs, "int32")
        vocab = ops.convert_to_tensor(np.asarray(self._vocab, "int32"))
        hits = ops.equal(ops.expand_dims(x, -1), vocab)
        positions = ops.convert_to_tensor(np.arange(self._offset, self._offset + len(self._vocab),
                                                    dtype="int32"))
        found = ops.sum(ops.multiply(ops.cast(hits, "int32"), positions), axis=-1)
        mask_offset = 0 if self.mask_token is None else 1
        if self.num_oov_indices:
            oov = ops.add(ops.mod(x, self.num_oov_indices), mask_offset)
        else:
            oov = ops.zeros_like(x)
        ids = ops.where(ops.any(hits, axis=-1), found, oov)
        if self.mask_token is not None:
            ids = ops.where(ops.equal(x, int(self.mask_token)), 0, ids)
        return encode_categories(ids, self._depth(), self.output_mode, "float32")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype,
                "oov_method": self.oov_method}


class Hashing(Layer):
    """Hashes strings or integers into ``num_bins`` bins on the host (a stable hash,
    keyed by ``salt``); ``mask_value`` goes to bin 0 and the rest to bins 1+.

    Example:
        >>> from polykeras import ops
        >>> ids = ops.convert_to_numpy(Hashing(4)(["a", "b", "a"]))
        >>> bool(ids[0] == ids[2]) and bool((ids < 4).all())
        True
    """

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None,
                 output_mode: str = "int", sparse: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(num_bins, int) or num_bins < 1:
            raise ValueError(f"Hashing: num_bins must be a positive int, received {num_bins!r}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Hashing: output_mode must be 'int', 'one_hot', 'multi_hot' or "
                             f"'count', received {output_mode!r}.")
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported.")
        if mask_value is not None and num_bins < 2:
            raise ValueError("Hashing: with a mask_value, num_bins must be at least 2.")
        self.num_bins, self.mask_value, self.salt = num_bins, mask_value, salt
        self.output_mode = output_mode
        self.built = True

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if graph.is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        values = _host(inputs)
        ids = np.empty(values.shape, "int32")
        buckets = self.num_bins - (0 if self.mask_value is None else 1)
        for pos, v in np.ndenumerate(values):
            token = v.decode() if isinstance(v, bytes) else v
            if self.mask_value is not None and token == self.mask_value:
                ids[pos] = 0
            else:
                ids[pos] = stable_hash(token, buckets, self.salt) + (
                    0 if self.mask_value is None else 1)
        from polykeras.backend import selection

        with selection.use(self._backend):
            if self.output_mode == "int":
                return ops.convert_to_tensor(ids)
            return ops.convert_to_tensor(rows_to_encoding(ids, self.num_bins, self.output_mode,
                                                          None))

    def call(self, inputs: Any) -> Any:
        raise ValueError(f"Hashing layer {self.name!r} runs on host data: call it on NumPy "
                         "arrays or lists.")

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_bins": self.num_bins,
                "mask_value": self.mask_value, "salt": self.salt,
                "output_mode": self.output_mode, "sparse": False}
