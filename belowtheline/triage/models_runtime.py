"""Loading what the worker needs once per process: the encoder and the trained heads.

The heads live in one small committed file (`artefacts/heads.npz`, built by
`python -m belowtheline.triage.training.train`); its version is part of every stored score.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from belowtheline.triage import encoder
from belowtheline.triage.features import LinearHead
from belowtheline.triage.text import deobfuscate

ARTEFACT = Path(__file__).resolve().parent / "artefacts" / "heads.npz"


@dataclass(frozen=True)
class Heads:
    abuse: LinearHead
    insult: LinearHead
    offtopic: np.ndarray  # logistic coefficients over `features.offtopic_features`, bias last
    meta: dict[str, object]

    @property
    def version(self) -> str:
        return str(self.meta["version"])


def load_heads(path: Path = ARTEFACT) -> Heads:
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(bytes(arrays.pop("meta")).decode())
    return Heads(LinearHead.from_arrays(arrays, "abuse"), LinearHead.from_arrays(arrays, "insult"),
                 arrays["offtopic"], meta)


@cache
def shared_heads() -> Heads:
    return load_heads()


class Encodings:
    """Pooled layers per text, remembered for the last few hundred texts: the comment, its
    parent and its article are each encoded once however many scorers ask. The token-level
    states of the last few texts are kept too, for the abuse explanation."""

    def __init__(self, model: encoder.MiniLM, size: int = 512, detailed: int = 8,
                 articles: int = 8192) -> None:
        self.model = model
        self.size, self.detailed, self.articles = size, detailed, articles
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tokens: OrderedDict[str, tuple[np.ndarray, list[str], list[int]]] = OrderedDict()
        self._articles: OrderedDict[str, np.ndarray] = OrderedDict()

    @staticmethod
    def _remember(cache: OrderedDict, key: str, value: object, size: int) -> None:
        cache[key] = value
        cache.move_to_end(key)
        if len(cache) > size:
            cache.popitem(last=False)

    def tokens(self, text: str) -> tuple[np.ndarray, list[str], list[int]]:
        """(layers + 1, tokens, 384) hidden states, the words, each token's word index."""
        key = deobfuscate(text)
        found = self._tokens.get(key)
        if found is None:
            found = self.model.token_states(key)
            self._remember(self._tokens, key, found, self.detailed)
            self._remember(self._cache, key, found[0].mean(axis=1), self.size)
        return found

    def layers(self, text: str) -> np.ndarray:
        key = deobfuscate(text)
        found = self._cache.get(key)
        if found is None:
            return self.tokens(text)[0].mean(axis=1)
        self._cache.move_to_end(key)
        return found

    def last(self, text: str) -> np.ndarray:
        top = self.layers(text)[-1]
        return top / max(float(np.linalg.norm(top)), 1e-9)

    def unit_layers(self, text: str) -> np.ndarray:
        """The seven pooled states of a text, each scaled to unit length (7, 384)."""
        states = self.layers(text)
        return states / np.maximum(np.linalg.norm(states, axis=-1, keepdims=True), 1e-9)

    def article_layers(self, text: str) -> np.ndarray:
        """`unit_layers(text)` for an article's headline or paragraph, remembered apart
        from the comments' texts: in the shared cache every comment pushed one article
        text out, so with a few dozen articles of 20 paragraphs being discussed at once
        each comment re-encoded its whole article (22 encodings a comment, ~0.3 s). Here
        each text of an article is encoded once while its article is discussed (8,192
        texts, kept in float16: 5 KB each, 44 MB when full); an edited article has new
        text, encoded afresh."""
        found = self._articles.get(text)
        if found is None:
            found = self.unit_layers(text).astype(np.float16)
            self._remember(self._articles, text, found, self.articles)
        else:
            self._articles.move_to_end(text)
        return found.astype(np.float32)

    def article_last(self, text: str) -> np.ndarray:
        """The article text's sentence embedding (top layer, unit length)."""
        return self.article_layers(text)[-1]

    def forget(self) -> None:
        self._cache.clear()
        self._tokens.clear()
        self._articles.clear()


@cache
def shared_encodings() -> Encodings:
    return Encodings(encoder.shared_model())
