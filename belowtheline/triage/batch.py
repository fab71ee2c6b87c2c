"""Scoring JSON lines without a database: `btl triage score` and the evaluation.

Input, one object a line: {"text", "article_title", "article_meta", "parent_text"}.
`article_meta` is the standfirst or meta description as a string; it may instead be an
object with "standfirst"/"description", "body", "proceedings_active" and "people" (a
list of the people and cases an editor listed). Output, one line per input in order:
{"abuse", "offtopic", "spam", "legal"} floats from 0 to 1, higher is worse. Near-duplicates
are found among the lines read before in the same run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from belowtheline.triage import spam
from belowtheline.triage.scoring import CommentInput

FIELDS = ("abuse", "offtopic", "spam", "legal")


class BadLine(ValueError):
    pass


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadLine(f"{field} must be a string")
    return value


def parse(obj: Any) -> CommentInput:
    if not isinstance(obj, dict):
        raise BadLine("each line must be a JSON object")
    meta = obj.get("article_meta")
    body, active, people = _text(obj.get("article_body"), "article_body"), False, ()
    if isinstance(meta, dict):
        body = _text(meta.get("body"), "article_meta.body") or body
        active = bool(meta.get("proceedings_active") or meta.get("legal_proceedings"))
        raw_people = meta.get("people") or ()
        if not isinstance(raw_people, list | tuple) or not all(
                isinstance(p, str) for p in raw_people):
            raise BadLine("article_meta.people must be a list of strings")
        people = tuple(raw_people)
        meta = meta.get("standfirst") or meta.get("description") or meta.get("meta") or ""
    return CommentInput(
        text=_text(obj.get("text"), "text"),
        article_title=_text(obj.get("article_title"), "article_title"),
        article_meta=_text(meta, "article_meta"),
        parent_text=_text(obj.get("parent_text"), "parent_text"),
        article_body=body,
        proceedings_active=active,
        proceedings_people=people,
    )


class BatchScorer:
    """Every scorer, loaded once, with an in-memory near-duplicate index for the run."""

    def __init__(self) -> None:
        from belowtheline.triage.models_runtime import shared_encodings, shared_heads
        from belowtheline.triage.scorers import (
            AbuseScorer,
            LegalScorer,
            OffTopicScorer,
            SpamScorer,
        )

        enc, heads = shared_encodings(), shared_heads()
        self.index = spam.MemoryIndex()
        self.scorers = (AbuseScorer(enc, heads), OffTopicScorer(enc, heads),
                        SpamScorer(self.index), LegalScorer())
        self.seen = 0

    def score(self, comment: CommentInput) -> dict[str, float]:
        out = {scorer.name: float(scorer.score(comment).value) for scorer in self.scorers}
        sig = spam.signature(comment.text)
        if sig is not None:
            self.index.add(self.seen, sig)
        self.seen += 1
        return out

    def score_all(self, objects: Iterable[Any]) -> Iterator[dict[str, Any]]:
        for obj in objects:
            try:
                yield self.score(parse(obj))
            except BadLine as exc:
                yield {**dict.fromkeys(FIELDS), "error": str(exc)}
