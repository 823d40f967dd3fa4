"""TextVectorization: strings to token indices or bag-of-words vectors, on the host.

Standardization, splitting, n-grams and the vocabulary lookup run in Python and NumPy
(so the layer works on every backend, including numpy); the result is a tensor of the
layer's backend. The vocabulary and its order follow Keras: in "int" mode index 0 is
padding ("") and 1 the OOV token "[UNK]"; the other modes start at "[UNK]"; tokens are
ordered by frequency, ties broken by the larger token first.

Example:
    >>> import numpy as np
    >>> from polykeras import layers, ops
    >>> vectorize = layers.TextVectorization(output_sequence_length=4)
    >>> vectorize.adapt(["The cat sat.", "the dog"])
    >>> vectorize.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
    >>> ops.convert_to_numpy(vectorize(["the bird sat"]))
    array([[2, 1, 3, 0]], dtype=int32)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from polykeras import ops
from polykeras.layers import graph
from polykeras.layers.layer import Layer
from polykeras.layers.preprocessing.lookup import OUTPUT_MODES, StringLookup

#: The characters Keras strips in "strip_punctuation" standardization.
PUNCTUATION = re.compile(r'[!"#$%&()\*\+,\-\./:;<=>?@\[\\\]^_`{|}~\']')
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")


class TextVectorization(Layer):
    """Turns strings into integer sequences ("int") or vectors ("multi_hot", "count",
    "tf_idf") over a vocabulary given or learned with :meth:`adapt`.

    Args:
        max_tokens: vocabulary size cap, special tokens included.
        standardize: "lower_and_strip_punctuation", "lower", "strip_punctuation", None
            or a callable on one string.
        split: "whitespace", "character", None (the whole string is one token) or a
            callable returning a list of tokens.
        ngrams: None, an int n (all n-grams up to n) or a tuple of n-gram sizes.
        output_mode: "int", "multi_hot", "count" or "tf_idf".
        output_sequence_length: "int" mode pads or truncates every sequence to it
            (without it, to the longest sequence of the batch).
        pad_to_max_tokens: vector modes are ``max_tokens`` wide.
        vocabulary, idf_weights: a fixed vocabulary (and its idf weights for "tf_idf").
    """

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | Callable[[str], str] | None = "lower_and_strip_punctuation",
                 split: str | Callable[[str], list[str]] | None = "whitespace",
                 ngrams: Any = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary: Any = None, idf_weights: Any = None, sparse: bool = False,
                 ragged: bool = False, encoding: str = "utf-8", name: str | None = None,
                 **kwargs: Any) -> None:
        kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        if output_mode not in OUTPUT_MODES or output_mode == "one_hot":
            raise ValueError(f"TextVectorization: output_mode must be 'int', 'multi_hot', "
                             f"'count' or 'tf_idf', received {output_mode!r}.")
        if isinstance(standardize, str) and standardize not in STANDARDIZE:
            raise ValueError(f"TextVectorization: standardize must be one of "
                             f"{', '.join(map(repr, STANDARDIZE))}, None or a callable, "
                             f"received {standardize!r}.")
        if isinstance(split, str) and split not in SPLIT:
            raise ValueError(f"TextVectorization: split must be 'whitespace', 'character', "
                             f"None or a callable, received {split!r}.")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("TextVectorization: output_sequence_length needs "
                             f"output_mode='int', received {output_mode!r}.")
        if sparse or ragged:
            raise ValueError("TextVectorization: sparse and ragged outputs are not supported.")
        if isinstance(ngrams, int):
            self.ngrams: tuple[int, ...] | None = tuple(range(1, ngrams + 1))
        elif ngrams is None:
            self.ngrams = None
        else:
            self.ngrams = tuple(int(n) for n in ngrams)
        self._ngrams_arg = ngrams
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.encoding = encoding
        self._lookup = StringLookup(
            max_tokens=max_tokens, mask_token="" if output_mode == "int" else None,
            vocabulary=vocabulary, idf_weights=idf_weights, output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens, encoding=encoding,
            name=f"{self.name}_lookup")
        self.built = True

    # ---------------------------------------------------------------- tokenizing
    def _standardize(self, text: str) -> str:
        mode = self.standardize
        if mode is None:
            return text
        if callable(mode):
            return mode(text)
        if "lower" in mode:
            text = text.lower()
        if "strip_punctuation" in mode:
            text = PUNCTUATION.sub("", text)
        return text

    def _split(self, text: str) -> list[str]:
        if self.split is None:
            return [text]
        if callable(self.split):
            return list(self.split(text))
        if self.split == "character":
            return list(text)
        return text.split()

    def tokenize(self, text: Any) -> list[str]:
        """The tokens (and n-grams) of one string."""
        if isinstance(text, bytes):
            text = text.decode(self.encoding)
        words = self._split(self._standardize(str(text)))
        if not self.ngrams:
            return words
        out: list[str] = []
        for n in self.ngrams:
            out.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
        return out

    def _documents(self, data: Any) -> list[list[str]]:
        values = np.asarray(ops.convert_to_numpy(data) if ops.is_tensor(data) else data,
                            dtype=object)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim == 0:
            values = values.reshape(1)
        if values.ndim != 1:
            raise ValueError(f"TextVectorization expects a batch of strings (shape (batch,) "
                             f"or (batch, 1)), received shape {values.shape}.")
        return [self.tokenize(v) for v in values.tolist()]

    # ---------------------------------------------------------------- vocabulary
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary (and idf weights for "tf_idf") from strings or batches."""
        counts: Counter[str] = Counter()
        doc_counts: Counter[str] = Counter()
        docs = 0
        batches = [data] if isinstance(data, (str, np.ndarray)) or (
            isinstance(data, (list, tuple)) and data and isinstance(data[0], (str, bytes))
        ) else data
        for batch in batches:
            for tokens in self._documents(batch):
                counts.update(tokens)
                doc_counts.update(set(tokens))
                docs += 1
        counts.pop("", None)
        self._lookup._adapt_counts(counts, doc_counts, docs)

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup.vocabulary_size()

    # ---------------------------------------------------------------- calling
    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if graph.is_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        docs = self._documents(inputs)
        from polykeras.backend import selection

        with selection.use(self._backend):
            if self.output_mode != "int":
                counts = np.zeros((len(docs), self._lookup._depth()), "float32")
                for i, d in enumerate(docs):
                    if d:
                        np.add.at(counts[i], self._lookup.lookup_host(np.asarray(d, object)), 1)
                return ops.convert_to_tensor(self._lookup.weigh_counts(counts))
            length = self.output_sequence_length or max((len(d) for d in docs), default=0)
            out = np.zeros((len(docs), length), "int32")
            for i, d in enumerate(docs):
                if d:
                    ids = self._lookup.lookup_host(np.asarray(d[:length], dtype=object))
                    out[i, :len(ids)] = ids
            return ops.convert_to_tensor(out)

    def call(self, inputs: Any) -> Any:
        raise ValueError(f"TextVectorization layer {self.name!r} runs on host strings: call "
                         "it on the text (NumPy arrays or lists) before the model.")

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        return (input_shape[0], self._lookup._depth())

    def get_config(self) -> dict[str, Any]:
        if callable(self.standardize) or callable(self.split):
            raise ValueError("TextVectorization with a callable standardize or split cannot "
                             "be saved; register the function and rebuild the layer in code.")
        ngrams = self._ngrams_arg if not isinstance(self._ngrams_arg, tuple) else list(
            self._ngrams_arg)
        lookup = self._lookup.get_config()
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "standardize": self.standardize, "split": self.split, "ngrams": ngrams,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": False, "ragged": False,
                "vocabulary": lookup["vocabulary"], "idf_weights": lookup["idf_weights"],
                "vocabulary_size": self.vocabulary_size(), "encoding": self.encoding}

