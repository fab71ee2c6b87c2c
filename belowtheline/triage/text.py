"""Text normalisation shared by the scorers: what counts as "the same words" for a
moderator, whatever the case, accents, punctuation or links."""

import re
import unicodedata

URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|biz|co|uk|io|ru|xyz|top|click|shop)(?:/\S*)?\b",
                 re.IGNORECASE)
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents: "Café" and "cafe" are one word to a reader."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def links(text: str) -> list[str]:
    return URL.findall(text)


def words(text: str) -> list[str]:
    """Folded words, with every link replaced by one placeholder word, so a spammer who
    swaps the link still posts "the same text"."""
    return WORD.findall(fold(URL.sub(" httplink ", text)))


_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s", "5": "s",
                       "7": "t", "!": "i", "|": "l", "+": "t"})
_SPLIT_WORD = re.compile(r"\b(?:[^\W\d_][.*_\-]){2,}[^\W\d_]\b")  # s.t.u.p.i.d, i*d*i*o*t
_MIXED = re.compile(
    r"(?<![\w@$!|+])(?=[\w@$!|+]*[^\W\d_])(?=[\w@$!|+]*[\d@$!|+])[\w@$!|+]*[^\W_]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def deobfuscate(text: str, *, repeats: bool = True) -> str:
    """Undo the usual disguises so a word is seen as the word: inserted dots or stars
    ("i.d.i.o.t"), l33t digits and symbols inside a word ("1d10t"), and letters held down
    ("stuuupid" -> "stupid"). Ordinary numbers and words are left alone."""
    parts = URL.split(text)
    found = URL.findall(text)
    out = []
    for i, part in enumerate(parts):
        part = _SPLIT_WORD.sub(lambda m: re.sub(r"[.*_\-]", "", m.group(0)), part)
        part = _MIXED.sub(lambda m: m.group(0).translate(_LEET), part)
        out.append(_REPEATS.sub(r"\1", part) if repeats else part)
        if i < len(found):
            out.append(found[i])
    return "".join(out)
