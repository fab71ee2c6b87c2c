"""Per-site word lists: banned words refuse or hold a comment as it is posted, suspect
words flag it for a moderator.

Matching is on whole words, ignoring case and accents, and sees through the usual
disguises: l33t digits and symbols inside a word, letters held down ("stuuupid"), dots or
stars between letters ("s.t.u.p.i.d"). Whole words only, so "class" never matches a
banned "ass" and "Scunthorpe" stays a town; and a held-down letter only ever lengthens a
word, so "as" is not "ass".

This runs in the web process on every post, so it is plain Python over a set, loaded
once per process per site configuration (`sites.config_cache`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from belowtheline.triage.text import WORD, deobfuscate, fold

_RUNS = re.compile(r"(.)\1+")


def _plain_words(text: str) -> list[str]:
    """Folded, de-obfuscated words, letters held down left as they are."""
    return WORD.findall(fold(deobfuscate(text, repeats=False)))


def _same_word(token: str, entry: str) -> bool:
    """The listed word, or it with letters held down ("iddiot", "asss"), never a shorter
    word whose letters happen to collapse the same ("as" is not "ass")."""
    return token == entry or (len(token) > len(entry)
                              and _RUNS.sub(r"\1", token) == _RUNS.sub(r"\1", entry))


@dataclass(frozen=True)
class WordMatcher:
    """Listed entries: single words indexed by their letters with runs made single (the
    lookup), phrases as word tuples."""

    words: dict[str, list[tuple[str, str]]]  # collapsed -> [(plain word, entry as listed)]
    phrases: dict[tuple[str, ...], str]

    @classmethod
    def build(cls, entries: list[str]) -> WordMatcher:
        words: dict[str, list[tuple[str, str]]] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for entry in entries:
            parts = tuple(_plain_words(entry))
            if len(parts) == 1:
                words.setdefault(_RUNS.sub(r"\1", parts[0]), []).append((parts[0], entry))
            elif parts:
                phrases[parts] = entry
        return cls(words, phrases)

    def find(self, text: str) -> list[str]:
        """The listed entries the text contains, in the order they first appear."""
        if not self:
            return []
        found: dict[str, None] = {}
        tokens = _plain_words(text)
        for i, token in enumerate(tokens):
            for plain, entry in self.words.get(_RUNS.sub(r"\1", token), ()):
                if _same_word(token, plain):
                    found[entry] = None
            for phrase, entry in self.phrases.items():
                window = tokens[i:i + len(phrase)]
                if len(window) == len(phrase) and all(map(_same_word, window, phrase)):
                    found[entry] = None
        return list(found)

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)
