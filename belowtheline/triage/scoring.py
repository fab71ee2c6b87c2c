"""The one interface every scorer has, so a better model can replace any of them.

A scorer is named and versioned (both are stored with every score, so a moderator's
figures and a retrained model never mix), takes what a moderator would look at — the
comment, its article and the comment it answers — and returns a number where higher is
worse plus a sentence saying why, in the newsroom's words.

Scorers are plain Python over plain data: no database, no request. The worker builds the
input from a stored comment (`services.comment_input`); `btl triage score` builds it from
JSON lines. Anything a scorer needs to remember between comments (the near-duplicate
index) is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class CommentInput:
    text: str
    article_title: str = ""
    article_meta: str = ""  # the standfirst, or a page's meta description
    parent_text: str = ""  # "" for a first-in-thread comment
    article_body: str = ""
    # The article's "active legal proceedings" mark and the people and cases listed on it.
    proceedings_active: bool = False
    proceedings_people: tuple[str, ...] = ()
    author_is_new: bool = False  # account under 24 hours old


@dataclass(frozen=True)
class Score:
    value: float  # 0..1, higher is worse
    explanation: str = ""  # "" when there is nothing to say
    details: dict[str, object] = field(default_factory=dict)


class Scorer(Protocol):
    name: str
    version: str

    def score(self, comment: CommentInput) -> Score: ...
