"""What the trained heads see, built the same way by the training script and the worker.

A comment's features are the mean of each of the encoder's seven hidden states (the word
embeddings and six layers), each scaled to unit length, then whether it opens a thread and
the meaning of the comment it answers. Why these: the lower layers keep the words (an
insult or a group's name), the top layer the meaning; on the Fox News data a first-in-thread
comment is hateful about twice as often as a reply (it answers the story, a reply mostly
argues with a person, which the annotators did not count as hate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_STATES = 7
DIM = 384


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def abuse_features(states: np.ndarray, parent_last: np.ndarray | None) -> np.ndarray:
    """`states`: (7, 384) pooled layers of the comment; `parent_last`: the parent's top
    layer, or None for a first-in-thread comment. Returns a flat float32 vector."""
    first = np.array([0.0 if parent_last is not None else 1.0], dtype=np.float32)
    parent = unit(parent_last) if parent_last is not None else np.zeros(DIM, np.float32)
    return np.concatenate([unit(states).reshape(-1), first, parent]).astype(np.float32)


def abuse_matrix(states: np.ndarray, parents: np.ndarray, has_parent: np.ndarray) -> np.ndarray:
    """The same for many comments at once (training): states (n, 7, 384), parents (n, 384)."""
    first = (~has_parent).astype(np.float32)[:, None]
    parent = unit(parents) * has_parent[:, None]
    return np.hstack([unit(states).reshape(len(states), -1), first, parent]).astype(np.float32)


@dataclass(frozen=True)
class LinearHead:
    """Standardise, then logistic regression: all a trained head is, kept as arrays so the
    worker needs numpy and nothing else."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    bias: float

    @property
    def effective(self) -> np.ndarray:
        return self.weights / self.scale

    def logit(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.effective + self.bias

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.weights": self.weights.astype(np.float32),
                f"{prefix}.mean": self.mean.astype(np.float32),
                f"{prefix}.scale": self.scale.astype(np.float32),
                f"{prefix}.bias": np.array([self.bias], dtype=np.float32)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> LinearHead:
        return cls(arrays[f"{prefix}.weights"], arrays[f"{prefix}.mean"],
                   arrays[f"{prefix}.scale"], float(arrays[f"{prefix}.bias"][0]))


OFFTOPIC_FEATURES = 2 * N_STATES + 1


def offtopic_features(mine: np.ndarray, article: np.ndarray, parent: np.ndarray | None
                      ) -> np.ndarray:
    """Cosine similarity of the comment to (a part of) its article and to the comment it
    answers, at each of the seven pooled states, then whether it is a reply.

    `mine`, `article`, `parent`: (7, 384) pooled states, each layer already unit length.
    Why every layer and not only the top one (the sentence embedding): the lower layers
    keep the words, so a reply that names the article's people or repeats its parent's
    words is seen as on-topic even when its meaning is only "I disagree". On Fox replies
    (`make eval`, each comment with its own article vs each other one) this took the
    off-topic ROC-AUC from 0.755 to 0.768, 0.80 to 0.83 for replies of 8 words or more;
    first-in-thread comments stayed at 0.89."""
    to_article = (mine * article).sum(-1)
    if parent is None:
        return np.concatenate([to_article, np.zeros(N_STATES), [0.0]]).astype(np.float32)
    return np.concatenate([to_article, (mine * parent).sum(-1), [1.0]]).astype(np.float32)
