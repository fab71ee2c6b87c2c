"""Near-duplicates: MinHash signatures of a comment's character shingles, banded for
locality-sensitive lookup.

Why character shingles of the folded words: case, accents, punctuation and a swapped link
are gone before hashing (see `text.words`), and an inserted word only disturbs the few
shingles that straddle it, so "the same comment with a word added" keeps most of its
signature. Why banding: a new comment is compared only with comments sharing at least one
band, which the database finds through an index, not with every comment of the window.

The signature is 64 32-bit minimums; 16 bands of 4 rows make two comments whose shingle
sets overlap by half a candidate pair about 65% of the time, and by 0.7 about 98%; the
candidates are then checked on the full signature (estimated Jaccard >= DUPLICATE_AT).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from belowtheline.triage.text import links, words

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 5  # characters
DUPLICATE_AT = 0.5  # estimated Jaccard similarity from which two comments are "the same"
MIN_CHARS = 40  # "Agreed." or "Well said" posted by many is conversation, not spam

_rng = np.random.Generator(np.random.PCG64(20261203))  # fixed: stored signatures stay comparable
_A = _rng.integers(0, 2**64, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1)  # odd
_B = _rng.integers(0, 2**64, size=PERMUTATIONS, dtype=np.uint64)
_MASK = np.uint64(0xFFFFFFFF)


def normalised(text: str) -> str:
    return " ".join(words(text))


def shingles(text: str) -> set[bytes]:
    norm = normalised(text)
    if len(norm) <= SHINGLE:
        return {norm.encode()} if norm else set()
    return {norm[i:i + SHINGLE].encode() for i in range(len(norm) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray | None:
    """64 uint32 minimums, or None for a text too short to call a duplicate."""
    if len(normalised(text)) < MIN_CHARS:
        return None
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(s, digest_size=4).digest(), "little")
         for s in shingles(text)], dtype=np.uint64,
    )
    # Multiply-shift universal hashing of 32-bit keys: (a*x + b) mod 2^64 (numpy wraps),
    # top 32 bits; a is a random odd 64-bit number.
    permuted = ((hashes[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)) & _MASK
    return permuted.min(axis=0).astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 63-bit key per band (fits a BigIntegerField), the band's number mixed in
    so equal rows in different bands never collide."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True) >> 1)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


@dataclass(frozen=True)
class Match:
    key: object  # whatever the index stores: a comment id
    similarity: float
    account: object = None
    thread: object = None


@dataclass
class MemoryIndex:
    """The same lookup as the database index, for the `btl triage score` command and the
    evaluation: texts seen earlier in the same run."""

    bands: dict[int, list[int]] = field(default_factory=dict)
    items: list[tuple[object, np.ndarray, object, object]] = field(default_factory=list)

    def add(self, key: object, sig: np.ndarray, account: object = None,
            thread: object = None) -> None:
        position = len(self.items)
        self.items.append((key, sig, account, thread))
        for band in band_keys(sig):
            self.bands.setdefault(band, []).append(position)

    def matches(self, sig: np.ndarray) -> list[Match]:
        seen: set[int] = set()
        for band in band_keys(sig):
            seen.update(self.bands.get(band, ()))
        out = []
        for position in sorted(seen):
            key, other, account, thread = self.items[position]
            sim = similarity(sig, other)
            if sim >= DUPLICATE_AT:
                out.append(Match(key, sim, account, thread))
        return out


def duplicate_score(matches: Iterable[Match]) -> tuple[float, str]:
    """More copies, more accounts and more threads make it likelier to be spam."""
    matches = list(matches)
    if not matches:
        return 0.0, ""
    accounts = {m.account for m in matches if m.account is not None}
    threads = {m.thread for m in matches if m.thread is not None}
    count = len(matches)
    score = 1.0 - 0.5 ** (count + 0.5 * max(len(accounts) - 1, 0) + 0.5 * max(len(threads) - 1, 0))
    explanation = f"same text as {count} comment{'s' if count != 1 else ''}"
    if threads:
        explanation += f" in {len(threads)} thread{'s' if len(threads) != 1 else ''}"
    if accounts:
        explanation += f" by {len(accounts)} account{'s' if len(accounts) != 1 else ''}"
    return round(score, 4), explanation


def link_score(text: str, *, new_account: bool) -> tuple[float, str]:
    """Link-heavy text: links per word, counted more heavily from an account under a day old."""
    found = links(text)
    if not found:
        return 0.0, ""
    n_words = max(len(words(text)), 1)
    density = len(found) / n_words
    score = min(1.0, 0.15 * len(found) + 2.0 * density)
    if new_account:
        score = min(1.0, score * 1.5 + 0.1)
    who = " from an account less than a day old" if new_account else ""
    plural = "s" if len(found) != 1 else ""
    return round(score, 4), f"{len(found)} link{plural} in {n_words} words{who}"
