"""Legal risk: naming people in live proceedings, and alleging crimes against named people.

Two rules, from UK practice that a night editor would recognise:
- On an article marked "active legal proceedings", a comment that names one of the listed
  people or cases risks contempt of court, whatever it says about them (naming alone is
  flagged; naming with guilt words scores higher).
- On any article, a comment that puts a crime or guilt word next to a person's name
  ("Smith is a fraudster") risks libel.

Matching is on folded words (case and accents ignored), whole words only. A listed person
is matched by their full name or by their surname alone (readers write "Tulley did it").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from belowtheline.triage.text import fold

# Words that state or imply a crime or guilt. Kept to plain allegations: "accused" and
# "charged" describe the proceedings themselves and are what the article says.
ALLEGATIONS = (
    "guilty", "did it", "done it", "killer", "murderer", "murdered", "killed", "rapist",
    "raped", "paedophile", "pedophile", "paedo", "pedo", "abuser", "abused", "molester",
    "fraud", "fraudster", "crook", "thief", "stole", "steals", "embezzled", "embezzler",
    "corrupt", "criminal", "criminals", "liar", "lied under oath", "perjury", "bribed",
    "bribe", "terrorist", "groomer", "predator", "should be locked up", "lock him up",
    "lock her up", "belongs in jail", "belongs in prison", "should hang", "hang him",
    "hang her", "deserves prison", "deserves jail", "behind bars", "scum who",
)
_ALLEGATION = re.compile(r"\b(" + "|".join(re.escape(a) for a in ALLEGATIONS) + r")\b")
# A person's name as readers write one: two or three capitalised words.
_NAME = re.compile(r"\b([A-Z][a-z'’-]+(?:\s+(?:[A-Z]\.?\s+)?[A-Z][a-z'’-]+){1,2})\b")
_NOT_NAMES = {
    "the", "this", "that", "these", "those", "i", "it", "he", "she", "they", "we", "you",
    "mr", "mrs", "ms", "dr", "sir", "god", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december", "supreme", "court",
    "police", "news", "fox", "bbc", "house", "white", "united", "states", "new", "north",
    "south", "east", "west", "great", "britain", "america", "american", "christmas",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class LegalFinding:
    score: float
    matched: tuple[str, ...]  # the words that made it: names and allegation words
    explanation: str


def _whole(term: str, folded: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(fold(term)) + r"(?!\w)", folded) is not None


def _listed_matches(text: str, people: Sequence[str]) -> list[str]:
    folded = fold(text)
    found = []
    for person in people:
        person = person.strip()
        if not person:
            continue
        parts = person.split()
        if _whole(person, folded):
            found.append(person)
        elif len(parts) > 1 and len(parts[-1]) > 3 and _whole(parts[-1], folded):
            found.append(parts[-1])
    # "Tulley" found through both "Graham Tulley" and "R v Tulley" is one mention.
    return [f for f in dict.fromkeys(found)
            if not any(f != g and _whole(f, fold(g)) for g in found)]


def _names_in(sentence: str, known: Sequence[str]) -> list[str]:
    names = []
    for match in _NAME.finditer(sentence):
        words = match.group(1).split()
        while words and fold(words[0]).strip(".") in _NOT_NAMES:
            words = words[1:]
        if len(words) >= 2 and not all(fold(w) in _NOT_NAMES for w in words):
            names.append(" ".join(words))
    folded = fold(sentence)
    for name in known:  # surnames the article itself uses ("Trump", "Tulley")
        if name and _whole(name, folded) and not any(name in n for n in names):
            names.append(name)
    return names


def assess(text: str, *, people: Sequence[str] = (), proceedings_active: bool = False,
           article_names: Sequence[str] = ()) -> LegalFinding:
    """`people` are the names and cases an editor listed for the article; `article_names`
    are capitalised words of the headline and standfirst (the story's own people)."""
    listed = _listed_matches(text, people) if proceedings_active else []
    allegations: list[tuple[str, str]] = []
    for sentence in _SENTENCE.split(text):
        words_found = [m.group(1) for m in _ALLEGATION.finditer(fold(sentence))]
        if not words_found:
            continue
        known = [*people, *article_names]
        for name in _names_in(sentence, known):
            allegations.append((name, words_found[0]))
    if listed:
        guilt = []
        for sentence in _SENTENCE.split(text):
            words_found = [m.group(1) for m in _ALLEGATION.finditer(fold(sentence))]
            if words_found and any(_whole(name, fold(sentence)) for name in listed):
                guilt.append(words_found[0])
        score = 0.95 if guilt else 0.7
        matched = tuple(dict.fromkeys([*listed, *guilt]))
        explanation = (f"names {', '.join(dict.fromkeys(listed))} on an article marked active "
                       "proceedings" + (f", with \u201c{guilt[0]}\u201d" if guilt else ""))
        return LegalFinding(score, matched, explanation)
    if allegations:
        name, word = allegations[0]
        return LegalFinding(0.6, (name, word), f"alleges \u201c{word}\u201d against {name}")
    return LegalFinding(0.0, (), "")


def story_names(*texts: str) -> list[str]:
    """Capitalised words of the headline and standfirst that look like surnames: people the
    story is about, whom readers often name by surname alone."""
    out: list[str] = []
    for text in texts:
        for i, word in enumerate(re.findall(r"[A-Za-z'’-]+", text or "")):
            if word[:1].isupper() and len(word) > 3 and fold(word) not in _NOT_NAMES and i > 0:
                out.append(word)
    return list(dict.fromkeys(out))
