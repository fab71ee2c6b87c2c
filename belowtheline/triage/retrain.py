"""`btl triage train --site S`: the abuse head retrained on one site's moderators' decisions.

What a moderator decided is the label: a comment removed, amended or rejected was upheld
(1); one approved, released, or whose reports or triage flag were dismissed (0). Each
comment counts once, by its latest decision. The decisions are put in time order and the
latest quarter is held out: the retrained head is fitted on the earlier ones and then
measured, with the shipped head, on decisions it has not seen, as it will be used.

The fit starts from the shipped head and stays near it (logistic regression with an L2
pull towards the shipped weights, in the head's own standardised features): a few hundred
decisions are enough to move it towards what this desk removes, not enough to learn
abuse from scratch. The pull is chosen on the last fifth of the training decisions. Plain
numpy: the worker's dependencies, no training extras.

The head is stored for the site (`SiteAbuseHead`) either way, with both figures; the
site's comments are scored with it only if it did better than the shipped head on the
held-out decisions, by at least `MARGIN`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from belowtheline.discussion.models import Comment
from belowtheline.sites.models import Site

MIN_DECISIONS = 200  # fewer, and the held-out quarter (50) is too few to tell
MIN_EACH = 30  # of upheld and of dismissed decisions
HELD_OUT_SHARE = 0.25
MARGIN = 0.01  # held-out ROC-AUC it must gain to be used
PULLS = (1.0, 0.1, 0.01)  # L2 strength towards the shipped weights, per feature
UPHOLDING = ("remove", "amend", "reject")
DISMISSING = ("dismiss", "release", "approve")


class NotEnoughDecisions(Exception):
    """Fewer decisions than retraining needs: nothing was changed."""


@dataclass(frozen=True)
class Decision:
    comment_id: int
    upheld: bool
    decided_at: datetime


@dataclass(frozen=True)
class TrainingReport:
    decisions: int
    upheld: int
    held_out: int
    auc_before: float
    auc_after: float
    helped: bool
    version: str

    def lines(self, site: Site) -> list[str]:
        verdict = (f"It helped: {site.slug}'s comments are scored with it from now on "
                   f"(abuse scorer version {self.version})." if self.helped else
                   f"It did not help (it must gain {MARGIN:.2f}): {site.slug} keeps the "
                   "shipped head.")
        return [
            f"Trained on {self.decisions - self.held_out} of {site.slug}'s decisions "
            f"({self.upheld} of all {self.decisions} upheld); measured on the latest "
            f"{self.held_out}, which it did not see.",
            f"ROC-AUC on the held-out decisions: shipped head {self.auc_before:.3f}, "
            f"retrained {self.auc_after:.3f}.",
            verdict,
        ]


def site_decisions(*, site: Site) -> list[Decision]:
    """Each decided comment of the site once, by its latest decision, oldest first."""
    from belowtheline.moderation.models import AuditEntry

    latest: dict[int, Decision] = {}
    for comment_id, action, at in (
            AuditEntry.objects.filter(site=site, comment__isnull=False,
                                      action__in=UPHOLDING + DISMISSING)
            .order_by("created_at", "pk").values_list("comment_id", "action", "created_at")):
        latest[comment_id] = Decision(comment_id, action in UPHOLDING, at)
    return sorted(latest.values(), key=lambda d: (d.decided_at, d.comment_id))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC as the chance a random upheld comment outscores a random dismissed one
    (ties count half)."""
    pos, neg = scores[labels], scores[~labels]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.r_[pos, neg], kind="mergesort")
    ranks = np.empty(len(order))
    values = np.r_[pos, neg][order]
    i = 0
    while i < len(values):  # average ranks over ties
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2)
                 / (len(pos) * len(neg)))


def _fit(z: np.ndarray, y: np.ndarray, w0: np.ndarray, b0: float, pull: float,
         steps: int = 400) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features z, balanced classes, penalised by
    pull/2 * |w - w0|^2, by Adam from the shipped weights."""
    w, b = w0.astype(np.float64).copy(), float(b0)
    weight = np.where(y, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9)) / len(y)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    rate, beta1, beta2 = 0.01, 0.9, 0.999
    for step in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        err = (p - y) * weight
        g_w = z.T @ err + pull * (w - w0) / z.shape[1]
        g_b = float(err.sum())
        m_w, v_w = beta1 * m_w + (1 - beta1) * g_w, beta2 * v_w + (1 - beta2) * g_w ** 2
        m_b, v_b = beta1 * m_b + (1 - beta1) * g_b, beta2 * v_b + (1 - beta2) * g_b ** 2
        correct1, correct2 = 1 - beta1 ** step, 1 - beta2 ** step
        w -= rate * (m_w / correct1) / (np.sqrt(v_w / correct2) + 1e-8)
        b -= rate * (m_b / correct1) / (np.sqrt(v_b / correct2) + 1e-8)
    return w, b


def _features(comment_ids: list[int], site: Site) -> np.ndarray:
    from belowtheline.triage.features import abuse_features
    from belowtheline.triage.models_runtime import shared_encodings

    enc = shared_encodings()
    comments = Comment.objects.filter(site=site, pk__in=comment_ids).select_related(
        "parent").in_bulk()
    rows = []
    for comment_id in comment_ids:
        comment = comments[comment_id]
        parent = comment.parent.text if comment.parent_id and comment.parent else ""
        rows.append(abuse_features(enc.layers(comment.text),
                                   enc.layers(parent)[-1] if parent.strip() else None))
    return np.vstack(rows)


def minimum_decisions() -> int:
    """`MIN_DECISIONS`, unless settings.BTL_TRIAGE_TRAIN_MIN_DECISIONS says otherwise."""
    from django.conf import settings

    return int(getattr(settings, "BTL_TRIAGE_TRAIN_MIN_DECISIONS", MIN_DECISIONS))


def train_site_head(*, site: Site, now: datetime) -> TrainingReport:
    """Retrain, measure, store; raises `NotEnoughDecisions` (changing nothing) below
    `minimum_decisions()`, or `MIN_EACH` of either outcome."""
    from belowtheline.triage.models import SiteAbuseHead
    from belowtheline.triage.models_runtime import shared_heads

    decisions = site_decisions(site=site)
    upheld = sum(d.upheld for d in decisions)
    needed = minimum_decisions()
    if len(decisions) < needed or min(upheld, len(decisions) - upheld) < MIN_EACH:
        raise NotEnoughDecisions(
            f"{site.slug} has {len(decisions)} decided comment"
            f"{'s' if len(decisions) != 1 else ''} ({upheld} upheld, "
            f"{len(decisions) - upheld} dismissed); retraining needs at least "
            f"{needed}, with {MIN_EACH} of each. Nothing was changed.")
    shipped = shared_heads().abuse
    x = _features([d.comment_id for d in decisions], site)
    y = np.array([d.upheld for d in decisions])
    z = (x - shipped.mean) / shipped.scale
    cut = len(y) - max(int(round(len(y) * HELD_OUT_SHARE)), 1)
    inner = int(cut * 0.8)
    best_pull, best_auc = PULLS[0], -1.0
    for pull in PULLS:  # the pull, chosen on the last fifth of the training decisions
        w, b = _fit(z[:inner], y[:inner], shipped.weights, shipped.bias, pull)
        found = auc(y[inner:cut], z[inner:cut] @ w + b)
        if found > best_auc:
            best_pull, best_auc = pull, found
    w, b = _fit(z[:cut], y[:cut], shipped.weights, shipped.bias, best_pull)
    before = auc(y[cut:], shipped.logit(x[cut:]))
    after = auc(y[cut:], z[cut:] @ w + b)
    helped = bool(after >= before + MARGIN)
    head = replace(shipped, weights=w.astype(np.float32), bias=float(b))
    version = f"{shared_heads().version}+{site.slug}-{now:%Y%m%d%H%M}"
    buffer = io.BytesIO()
    np.savez(buffer, **head.to_arrays("abuse"))
    SiteAbuseHead.objects.update_or_create(site=site, defaults={
        "arrays": buffer.getvalue(), "version": version, "trained_at": now,
        "decisions": cut, "held_out": len(y) - cut, "auc_before": before,
        "auc_after": after, "in_use": helped,
    })
    return TrainingReport(len(y), upheld, len(y) - cut, before, after, helped, version)


def site_head(site: Site) -> tuple[object, str] | None:
    """The site's retrained abuse head and its version, if it is in use: read once per
    process per configuration version (storing one moves it)."""
    from belowtheline.sites.config_cache import site_cached
    from belowtheline.triage.features import LinearHead
    from belowtheline.triage.models import SiteAbuseHead

    def load() -> tuple[object, str] | None:
        row = SiteAbuseHead.objects.filter(site_id=site.pk, in_use=True).first()
        if row is None:
            return None
        with np.load(io.BytesIO(bytes(row.arrays))) as data:
            arrays = {k: data[k] for k in data.files}
        return LinearHead.from_arrays(arrays, "abuse"), row.version

    return site_cached(site, "triage.abuse_head", load)
