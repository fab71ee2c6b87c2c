"""The scorers: abuse (with its insult signal), off-topic, spam and legal risk.

Each has a name and a version (stored with every score) and `score(CommentInput)`. The
abuse and off-topic scorers share one encoder (`models_runtime.shared_encodings`), so a
comment is encoded once; nothing here touches the database.
"""

from __future__ import annotations

import re

import numpy as np

from belowtheline.triage import legal, spam
from belowtheline.triage.features import abuse_features, offtopic_features
from belowtheline.triage.models_runtime import Encodings, Heads
from belowtheline.triage.scoring import CommentInput, Score
from belowtheline.triage.text import fold, words

EXPLAIN_FROM = 0.3  # below this an abuse score needs no phrase


def _phrase_that_weighed_most(enc: Encodings, text: str, direction: np.ndarray,
                              window: int = 3) -> str:
    """The few words that pushed the abuse score up most. The head is linear over
    mean-pooled, unit-length layers, so each token's share of the score is exact: its
    hidden states dotted with the head's weights for that layer."""
    states, tokens_words, owner = enc.tokens(text)
    n_tokens = states.shape[1]
    pooled = states.mean(axis=1)
    norms = np.maximum(np.linalg.norm(pooled, axis=1), 1e-9)
    weights = direction[: states.shape[0] * states.shape[2]].reshape(states.shape[0], -1)
    per_token = np.einsum("ltd,ld->t", states, weights / norms[:, None]) / n_tokens
    per_word = np.zeros(len(tokens_words))
    for token, word in enumerate(owner):
        if word >= 0:
            per_word[word] += per_token[token]
    # Punctuation marks carry weight too, but a moderator reads words.
    keep = [i for i, word in enumerate(tokens_words) if any(c.isalnum() for c in word)]
    if not keep:
        return ""
    weights_kept = per_word[keep]
    best, best_at = -np.inf, 0
    for start in range(max(1, len(keep) - window + 1)):
        total = weights_kept[start:start + window].sum()
        if total > best:
            best, best_at = total, start
    return " ".join(tokens_words[i] for i in keep[best_at:best_at + window])


class AbuseScorer:
    """Probability that a comment attacks people for who they are (the Fox News annotators'
    "hateful": identity-directed, however politely put), plus a separate insult and
    profanity signal, since abuse between readers is no less a moderator's business."""

    name = "abuse"

    def __init__(self, enc: Encodings, heads: Heads) -> None:
        self.enc, self.heads = enc, heads
        self.version = f"minilm-l6-linear/{heads.version}"

    def insult(self, comment: CommentInput) -> float:
        states = self.enc.layers(comment.text)
        return float(self.heads.insult.probability(abuse_features(states, None)))

    def score(self, comment: CommentInput) -> Score:
        states = self.enc.layers(comment.text)
        parent = self.enc.layers(comment.parent_text)[-1] if comment.parent_text.strip() else None
        value = float(self.heads.abuse.probability(abuse_features(states, parent)))
        insult = float(self.heads.insult.probability(abuse_features(states, None)))
        explanation = ""
        if value >= EXPLAIN_FROM:
            phrase = _phrase_that_weighed_most(self.enc, comment.text, self.heads.abuse.effective)
            explanation = f"abuse {value:.2f}: weighed most \u201c{phrase}\u201d"
        if insult >= EXPLAIN_FROM:
            explanation += ("; " if explanation else "") + f"insult or profanity {insult:.2f}"
        return Score(round(value, 4), explanation, {"insult": round(insult, 4)})


_ACKNOWLEDGEMENT = re.compile(
    r"^(?:agreed|agree|exactly|indeed|yes|no|yep|nope|thanks?|thank you|cheers|well said|"
    r"good point|fair point|quite|quite right|true|so true|this|lol|haha|ha|\+1|same|"
    r"spot on|hear hear|nonsense|rubbish|really|why)\b")
SHORT_WORDS = 8


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", body or "") if len(p.strip()) > 40][:40]


class OffTopicScorer:
    """How far a comment strays from its article (headline, standfirst and, when the
    publisher sends it, each paragraph of the body) and from the comment it answers.

    Short replies ("Agreed.", "Thanks, Linda") carry too little to judge and are the
    ordinary stuff of conversation, so their score is scaled down towards zero."""

    name = "offtopic"

    def __init__(self, enc: Encodings, heads: Heads) -> None:
        self.enc, self.heads = enc, heads
        self.version = f"minilm-l6-cosine/{heads.version}"

    def score(self, comment: CommentInput) -> Score:
        text = comment.text
        n_words = len(words(text))
        if n_words == 0:
            return Score(0.0)
        mine = self.enc.unit_layers(text)
        headline = ". ".join(p for p in (comment.article_title, comment.article_meta) if p)
        candidates = [("the headline", headline)] if headline else []
        for paragraph in _paragraphs(comment.article_body):
            opening = " ".join(paragraph.split()[:4])
            candidates.append((f"the paragraph beginning \u201c{opening}\u2026\u201d", paragraph))
        has_parent = bool(comment.parent_text.strip())
        parent = self.enc.unit_layers(comment.parent_text) if has_parent else None
        c = self.heads.offtopic
        # The part of the article it is closest to, as the head judges closeness: the
        # lowest off-topic logit over the headline and each paragraph.
        sections = ([self.enc.article_layers(t) for _, t in candidates]
                    or [np.zeros_like(mine)])
        logits = [float(offtopic_features(mine, section, parent) @ c[:-1] + c[-1])
                  for section in sections]
        best = int(np.argmin(logits))
        article_sim = float(mine[-1] @ sections[best][-1]) if candidates else 0.0
        closest = candidates[best][0] if candidates else ""
        parent_sim = float(mine[-1] @ parent[-1]) if parent is not None else 0.0
        value = 1.0 / (1.0 + np.exp(-logits[best]))
        damp = min(1.0, n_words / SHORT_WORDS)
        if _ACKNOWLEDGEMENT.match(fold(text).strip()) and n_words <= SHORT_WORDS:
            damp = min(damp, 0.2)
        value *= damp
        parts = []
        if candidates:
            parts.append(f"closest to the article: {article_sim:.2f} ({closest})")
        if has_parent:
            parts.append(f"to the comment it answers: {parent_sim:.2f}")
        if damp < 1.0:
            parts.append("short reply")
        return Score(round(float(value), 4), "; ".join(parts),
                     {"article": round(article_sim, 4), "parent": round(parent_sim, 4)})


class SpamScorer:
    """Near-duplicates across threads and accounts, and link-heavy text from new accounts.

    `index` answers "which earlier comments share this signature": the database for the
    worker (`services.StoredIndex`), memory for `btl triage score`."""

    name = "spam"
    version = f"minhash{spam.PERMUTATIONS}x{spam.BANDS}-shingle{spam.SHINGLE}/1"

    def __init__(self, index: object) -> None:
        self.index = index

    def score(self, comment: CommentInput) -> Score:
        sig = spam.signature(comment.text)
        dup, dup_why = (0.0, "")
        if sig is not None:
            dup, dup_why = spam.duplicate_score(self.index.matches(sig))
        link, link_why = spam.link_score(comment.text, new_account=comment.author_is_new)
        value = max(dup, link)
        explanation = "; ".join(p for p in (dup_why, link_why) if p)
        return Score(value, explanation, {"duplicate": dup, "links": link})


class LegalScorer:
    name = "legal"
    version = "rules/1"

    def score(self, comment: CommentInput) -> Score:
        finding = legal.assess(
            comment.text,
            people=comment.proceedings_people,
            proceedings_active=comment.proceedings_active,
            article_names=legal.story_names(comment.article_title, comment.article_meta),
        )
        return Score(finding.score, finding.explanation, {"matched": list(finding.matched)})
