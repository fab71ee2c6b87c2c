"""Readers' data rights: what we hold about a person, handed over (UK GDPR arts. 15 and 20),
their account deleted (art. 17), and the text of taken-back comments purged on time.

This module sits above the apps it reads (discussion, moderation) rather than in
`accounts.services`: everything about a person is spread across them, and gathering it in
one place is the point. Nothing below it imports it; views, the API, the admin, the
worker and tests call it.

How deletion and the append-only audit trail fit together: an entry never changes, but
it names the person only through their account row (`AuditEntry.subject`, `.actor`), never
by a copy of their name (moderators are named by username in `actor_name`; readers never
act in the trail). Deleting an account therefore keeps the row and pseudonymises it in
place: the username becomes `former-<10 hex>` (derived from the row's id with the
install's secret, so the same person keeps the same pseudonym everywhere and on a re-run),
the display name "Former subscriber", the email, names and password go. Every entry,
report, sanction and note about them then reads the pseudonym, and the record of what
moderators decided stays whole. What identifies them in other ways (their publisher's
`sub`, sessions, subscriptions, notifications, recommendations) is deleted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils.crypto import salted_hmac

from belowtheline import clock
from belowtheline.accounts.api_keys import is_integration_account
from belowtheline.accounts.errors import AccountError, NotAnAdmin, NotSignedIn
from belowtheline.accounts.hooks import public_name_changed
from belowtheline.accounts.models import (
    ApiKey,
    DataRightsRecord,
    ErasedIdentity,
    ExternalIdentity,
    Notification,
    StaffRole,
    Subscription,
    User,
)
from belowtheline.accounts.selectors import is_site_admin
from belowtheline.accounts.sso import subject_digest
from belowtheline.discussion import thread_cache
from belowtheline.discussion.models import (
    Comment,
    CommentEdit,
    Disagreement,
    PostingKey,
    Recommendation,
    Report,
    RulesAcceptance,
)
from belowtheline.discussion.services import set_comment_status
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.ratelimit import check_rate_limit
from belowtheline.sites.models import Site

FORMAT = "belowtheline.reader-data/1"
FORMER_NAME = "Former subscriber"
PSEUDONYM_PREFIX = "former-"
# How long an erased `sub` is remembered: the longest a token signed before the deletion
# can still be valid (`sso.MAX_LIFETIME` plus its leeway), rounded up.
ERASED_IDENTITY_KEPT = timedelta(hours=25)
CONFIRM_WORD = "DELETE"

Person = User | AnonymousUser


class DataRightsError(AccountError):
    pass


class ReaderNotFound(DataRightsError):
    status = 404


class ErasureRefused(DataRightsError):
    status = 403


class AlreadyErased(DataRightsError):
    status = 409


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def pseudonym(user: User) -> str:
    """The name a deleted account keeps in the moderation record: stable for the row (a
    re-run gives the same), unguessable from the outside (keyed with SECRET_KEY)."""
    digest = salted_hmac("btl.data-rights.pseudonym", str(user.pk)).hexdigest()
    return f"{PSEUDONYM_PREFIX}{digest[:10]}"


def _thread_url(comment: Comment) -> str:
    return reverse("thread", args=[comment.site.slug, comment.article_id]) + \
        f"#comment-{comment.pk}"


# --- what we hold: the download -------------------------------------------------------------

def data_held_about(*, site: Site, user: User, for_admin: bool = False) -> dict[str, Any]:
    """Everything this site holds about `user`, shaped for the reader to read and to take
    elsewhere (art. 20: structured, commonly used, machine-readable: JSON).

    Moderators are never named (the decision is the publication's, as in notifications).
    Moderators' private notes about the person are in the admin's copy only, for the admin
    answering the request to review before handing it over (they may name other people).
    """
    identity = ExternalIdentity.objects.filter(site=site, user=user).first()
    subscription = Subscription.objects.filter(site=site, user=user).first()
    role = StaffRole.objects.filter(site=site, user=user).values_list("role", flat=True).first()
    comments = list(
        Comment.objects.filter(site=site, author=user)
        .select_related("article", "site", "moderation_rule")
        .order_by("created_at", "pk")
    )
    ids = [c.pk for c in comments]
    edits: dict[int, list[dict[str, Any]]] = {}
    for edit in CommentEdit.objects.filter(site=site, comment_id__in=ids).order_by(
        "edited_at", "pk"
    ):
        edits.setdefault(edit.comment_id, []).append(
            {"text_before": edit.text_before, "edited_at": _iso(edit.edited_at)}
        )
    history: dict[int, list[dict[str, Any]]] = {}
    for entry in AuditEntry.objects.filter(site=site, comment_id__in=ids).select_related(
        "rule"
    ).order_by("created_at", "pk"):
        assert entry.comment_id is not None
        history.setdefault(entry.comment_id, []).append({
            "action": entry.action,
            "what": entry.get_action_display(),
            "at": _iso(entry.created_at),
            "rule": ({"number": entry.rule.number, "title": entry.rule.title}
                     if entry.rule else None),
            "reason": entry.reason,
            "text_before": entry.text_before,
            "text_after": entry.text_after,
        })
    data: dict[str, Any] = {
        "format": FORMAT,
        "site": {"slug": site.slug, "name": site.name},
        "profile": {
            "id": user.pk,
            "username": user.get_username(),
            "display_name": user.display_name,
            "shown_as": user.public_name,
            "email": user.email,
            "email_verified": bool(user.email) and not user.email_pending_verification,
            "joined_at": _iso(user.date_joined),
            "last_sign_in_at": _iso(user.last_login),
            "account": "subscriber_token" if identity else "standalone",
            "publisher_identity": (
                {"sub": identity.subject, "first_seen_at": _iso(identity.created_at),
                 "last_seen_at": _iso(identity.last_seen_at)} if identity else None
            ),
            "subscription": (
                {"status": subscription.status, "expires_at": _iso(subscription.expires_at),
                 "since": _iso(subscription.created_at)} if subscription else None
            ),
            "staff_role": role,
            "erased_at": _iso(user.erased_at),
        },
        "comments": [
            {
                "id": c.pk,
                "article": {"id": c.article_id, "title": c.article.title,
                            "url": c.article.canonical_url},
                "thread_url": _thread_url(c),
                "in_reply_to": c.parent_id,
                "text": c.text,
                "status": c.status,
                "status_label": c.get_status_display(),
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "status_changed_at": _iso(c.status_changed_at),
                "amended_by_moderator_at": _iso(c.amended_at),
                "rule_cited": ({"number": c.moderation_rule.number,
                                "title": c.moderation_rule.title}
                               if c.moderation_rule else None),
                "recommendations": c.recommendation_count,
                "edits": edits.get(c.pk, []),
                "moderation": history.get(c.pk, []),
            }
            for c in comments
        ],
        "reports": [
            {
                "id": r.pk,
                "comment_id": r.comment_id,
                "thread_url": _thread_url(r.comment),
                "reason": r.reason,
                "note": r.note,
                "outcome": r.status,
                "outcome_label": r.get_status_display(),
                "filed_at": _iso(r.created_at),
                "decided_at": _iso(r.decided_at),
            }
            for r in Report.objects.filter(site=site, reporter=user)
            .select_related("comment__site").order_by("created_at", "pk")
        ],
        "disagreements": [
            {"comment_id": d.comment_id, "at": _iso(d.created_at)}
            for d in Disagreement.objects.filter(site=site, user=user).order_by("created_at")
        ],
        "recommendations": [
            {"comment_id": r.comment_id, "thread_url": _thread_url(r.comment),
             "at": _iso(r.created_at)}
            for r in Recommendation.objects.filter(site=site, user=user)
            .select_related("comment__site").order_by("created_at", "pk")
        ],
        "notifications": [
            {"message": n.message, "link": n.link, "at": _iso(n.created_at),
             "read_at": _iso(n.read_at)}
            for n in Notification.objects.filter(site=site, user=user).order_by(
                "created_at", "pk")
        ],
        "rules_acceptances": [
            {"rules_version": a.rules_version.number, "accepted_at": _iso(a.accepted_at)}
            for a in RulesAcceptance.objects.filter(site=site, user=user)
            .select_related("rules_version").order_by("accepted_at", "pk")
        ],
        "sanctions": [
            {"kind": s.kind, "kind_label": s.get_kind_display(), "reason": s.reason,
             "started_at": _iso(s.created_at), "until": _iso(s.ends_at),
             "lifted_at": _iso(s.lifted_at)}
            for s in Sanction.objects.filter(site=site, user=user).order_by("created_at", "pk")
        ],
        "data_requests": [
            {"kind": d.kind, "at": _iso(d.created_at),
             "by": "you" if not d.on_request else "an admin, at your request"}
            for d in DataRightsRecord.objects.filter(site=site, person=user).order_by(
                "created_at", "pk")
        ],
    }
    if for_admin:
        data["moderator_notes"] = [
            {"text": n.text, "at": _iso(n.created_at)}
            for n in ModeratorNote.objects.filter(site=site, user=user).order_by("created_at")
        ]
    return data


def _record(*, site: Site, kind: str, person: User, actor: User, on_request: bool,
            note: str, now: datetime) -> DataRightsRecord:
    return DataRightsRecord.objects.create(
        site=site, kind=kind, person=person, actor=actor if on_request else None,
        actor_name=actor.get_username() if on_request else "the reader",
        on_request=on_request, note=note[:1000], created_at=now,
    )


def _signed_in(user: Person) -> User:
    if not user.is_authenticated:
        raise NotSignedIn("sign_in_required", "Please sign in first.")
    assert isinstance(user, User)
    return user


def download_my_data(*, site: Site, user: Person, now: datetime | None = None) -> dict[str, Any]:
    """A signed-in reader's own data on this site, recorded and rate-limited (a download
    is a heavy read, and a stolen session should not be able to pull it in a loop)."""
    now = now or clock.now()
    reader = _signed_in(user)
    if is_integration_account(reader):
        raise ErasureRefused("integration_account",
                             "An API key's account is the publisher's, not a reader's.")
    check_rate_limit(kind="data_download", who=str(reader.pk), now=now)
    with transaction.atomic():
        _record(site=site, kind=DataRightsRecord.Kind.DOWNLOAD, person=reader, actor=reader,
                on_request=False, note="", now=now)
        data = data_held_about(site=site, user=reader)
    data["generated_at"] = now.isoformat()
    return data


def comments_on_profile(*, site: Site, user: User, limit: int = 200) -> list[Comment]:
    """The reader's own comments on this site for their profile, newest first, in every
    state (they see what became of each), with the article for the link."""
    return list(
        Comment.objects.filter(site=site, author=user).select_related("article")
        .order_by("-created_at", "-pk")[:limit]
    )


def reader_for_admin(*, site: Site, user_id: int) -> User:
    """A person this site holds something about, for its admin's data-rights page."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or site.pk not in _site_ids(user):
        raise ReaderNotFound("reader_not_found", "No such reader on this site.")
    return user


def data_rights_records(*, site: Site, user: User) -> list[DataRightsRecord]:
    return list(DataRightsRecord.objects.filter(site=site, person=user)
                .order_by("-created_at", "-pk"))


def _reader_of_site(*, site: Site, user_id: int) -> User:
    """A reader an admin of `site` may act for: someone with something on this site, and
    nothing on any other (an admin of one publication never reaches into another's)."""
    user = reader_for_admin(site=site, user_id=user_id)
    if _site_ids(user) - {site.pk}:
        raise ErasureRefused(
            "reader_on_other_sites",
            "This account is also used on another publication on this install: the reader "
            "can delete it themselves, or the install's administrator can.",
        )
    return user


def download_reader_data(*, site: Site, actor: Person, user_id: int, note: str = "",
                         now: datetime | None = None) -> dict[str, Any]:
    """A site admin answers a reader's subject access request: the same data, plus the
    moderators' notes for the admin to review, and the hand-over recorded."""
    now = now or clock.now()
    admin = _signed_in(actor)
    if not is_site_admin(site=site, user=admin):
        raise NotAnAdmin("not_site_admin", "Only a site admin can act on a reader's data.")
    reader = reader_for_admin(site=site, user_id=user_id)
    with transaction.atomic():
        _record(site=site, kind=DataRightsRecord.Kind.DOWNLOAD, person=reader, actor=admin,
                on_request=True, note=note, now=now)
        data = data_held_about(site=site, user=reader, for_admin=True)
    data["generated_at"] = now.isoformat()
    return data


# --- deleting an account --------------------------------------------------------------------

def _site_ids(user: User) -> set[int]:
    """Every site holding anything about the person (a cross-site read, by design: the
    account is one across the install)."""
    ids: set[int] = set()
    for model, field in ((Comment, "author"), (Subscription, "user"),
                         (ExternalIdentity, "user"), (Report, "reporter"),
                         (Recommendation, "user"), (Notification, "user"),
                         (RulesAcceptance, "user"), (Disagreement, "user"),
                         (Sanction, "user")):
        ids.update(model.objects.filter(**{field: user}).values_list("site_id", flat=True)
                   .distinct())
    return ids


@dataclass(frozen=True)
class ErasureOutcome:
    pseudonym: str
    sites: list[str]
    comments_kept: int  # under "Former subscriber"
    comments_removed: int  # turned into tombstones, text purged
    texts_kept_for_legal_reports: int


def _check_erasable(person: User) -> None:
    if person.erased_at is not None:
        raise AlreadyErased("already_erased", "This account has already been deleted.")
    if person.is_staff or person.is_superuser or StaffRole.objects.filter(user=person).exists():
        raise ErasureRefused(
            "staff_account",
            "This is a staff account: remove its roles first, so that the moderation record "
            "keeps the name of whoever acted.",
        )
    if is_integration_account(person) or ApiKey.objects.filter(account=person).exists():
        raise ErasureRefused("integration_account",
                             "An API key's account is the publisher's, not a reader's.")


def delete_my_account(*, site: Site, user: Person, confirm: object, password: object = None,
                      now: datetime | None = None) -> ErasureOutcome:
    """"Delete my account": the reader confirms (the word DELETE), and a reader with a
    password types it again (a session left open on a shared computer is not enough).
    A subscriber-token reader has no password here; their token is the proof."""
    now = now or clock.now()
    person = _signed_in(user)
    _check_erasable(person)
    if not (isinstance(confirm, str) and confirm.strip().upper() == CONFIRM_WORD):
        raise DataRightsError("confirmation_required",
                              f"Type {CONFIRM_WORD} to confirm that you want your account "
                              "deleted.", field="confirm")
    if person.has_usable_password() and not (
        isinstance(password, str) and person.check_password(password)
    ):
        raise DataRightsError("password_incorrect", "That is not your password.",
                              field="password")
    check_rate_limit(kind="account_deletion", who=str(person.pk), now=now)
    return _erase(person=person, requested_on=site, actor=person, on_request=False, note="",
                  now=now)


def delete_reader_account(*, site: Site, actor: Person, user_id: int, confirm: object,
                          note: str = "", now: datetime | None = None) -> ErasureOutcome:
    """A site admin deletes a reader's account at the reader's request (by email, by
    letter): recorded with the admin's name and the note saying how it was asked."""
    now = now or clock.now()
    admin = _signed_in(actor)
    if not is_site_admin(site=site, user=admin):
        raise NotAnAdmin("not_site_admin", "Only a site admin can act on a reader's data.")
    person = _reader_of_site(site=site, user_id=user_id)
    if person.pk == admin.pk:
        raise ErasureRefused("staff_account", "Remove your own staff role first.")
    _check_erasable(person)
    if confirm is not True and not (isinstance(confirm, str)
                                    and confirm.strip().upper() == CONFIRM_WORD):
        raise DataRightsError("confirmation_required",
                              f"Confirm the deletion (type {CONFIRM_WORD}).", field="confirm")
    return _erase(person=person, requested_on=site, actor=admin, on_request=True, note=note,
                  now=now)


def _erase(*, person: User, requested_on: Site, actor: User, on_request: bool, note: str,
           now: datetime) -> ErasureOutcome:
    kept = removed = legal = 0
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.erased_at is not None:  # a second click, racing the first
            raise AlreadyErased("already_erased", "This account has already been deleted.")
        site_ids = _site_ids(person) | {requested_on.pk}
        sites = list(Site.objects.filter(pk__in=site_ids).order_by("pk"))
        name, old_name = pseudonym(person), person.public_name
        # The account first: every listener below (thread versions) sees the new name.
        person.username = name
        person.display_name = FORMER_NAME
        person.email = person.first_name = person.last_name = ""
        person.set_unusable_password()  # every session's auth hash now fails, at once
        person.is_active = False
        person.last_login = None
        person.email_pending_verification = False
        person.erased_at = now
        person.save()
        for site in sites:
            counts = _erase_on_site(site=site, person=person, now=now)
            _forget_name_in_others_notifications(site=site, name=old_name)
            kept, removed, legal = kept + counts[0], removed + counts[1], legal + counts[2]
            public_name_changed(site=site, user=person)  # cached threads drop the old name
            _record(site=site, kind=DataRightsRecord.Kind.ERASURE, person=person,
                    actor=actor, on_request=on_request,
                    note=note if site.pk == requested_on.pk else "", now=now)
    return ErasureOutcome(pseudonym=name, sites=[s.slug for s in sites], comments_kept=kept,
                          comments_removed=removed, texts_kept_for_legal_reports=legal)


def _forget_name_in_others_notifications(*, site: Site, name: str) -> None:
    """Reporters were told "Thank you for your report on a comment by <name>": their
    messages keep the thanks and lose the name (the one sentence that carries it)."""
    said = f"a comment by {name}."
    Notification.objects.filter(site=site, message__contains=said).update(
        message=Replace("message", Value(said), Value(f"a comment by {FORMER_NAME}.")))


def _erase_on_site(*, site: Site, person: User, now: datetime) -> tuple[int, int, int]:
    """One site's part of an erasure, by that site's policy. Returns (comments kept,
    comments turned into tombstones, texts kept for an open legal-risk report)."""
    kept = removed = legal = 0
    comments = Comment.objects.filter(site=site, author=person)
    if site.erasure_policy == Site.ErasurePolicy.TOMBSTONE:
        for comment in comments.exclude(
            status__in=[Comment.Status.DELETED, Comment.Status.REMOVED]
        ).select_for_update(of=("self",)):
            set_comment_status(comment, Comment.Status.DELETED, now)  # counts kept right
            removed += 1
        # Their words go now, except where a legal-risk complaint is still open: the
        # publisher may need them to answer it (art. 17(3)(e)); retention purges them
        # once it is decided.
        purgeable = comments.filter(has_open_legal_report=False).exclude(text="")
        CommentEdit.objects.filter(site=site, comment__in=purgeable).delete()
        purgeable.update(text="")
        legal = comments.filter(has_open_legal_report=True).count()
    else:
        kept = comments.exclude(
            status__in=[Comment.Status.DELETED, Comment.Status.REMOVED]).count()
    # Recommendations are the person's; the counts on others' comments follow them.
    for rec in Recommendation.objects.filter(site=site, user=person).select_related("comment"):
        Comment.objects.filter(site=site, pk=rec.comment_id, recommendation_count__gt=0).update(
            recommendation_count=F("recommendation_count") - 1)
        thread_cache.thread_changed(site=site, article_id=rec.comment.article_id)
    Recommendation.objects.filter(site=site, user=person).delete()
    Disagreement.objects.filter(site=site, user=person).delete()
    Notification.objects.filter(site=site, user=person).delete()
    PostingKey.objects.filter(site=site, author=person).delete()
    Subscription.objects.filter(site=site, user=person).delete()
    for identity in ExternalIdentity.objects.filter(site=site, user=person):
        ErasedIdentity.objects.update_or_create(
            site=site, subject_digest=subject_digest(site, identity.subject),
            defaults={"erased_at": now})
        identity.delete()
    return kept, removed, legal


# --- retention ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PurgeSummary:
    texts_purged: int
    kept_for_legal_reports: int
    erased_identities_forgotten: int


def purge_expired_text(*, now: datetime | None = None) -> PurgeSummary:
    """The scheduled purge (`btl worker`'s upkeep, or `btl purge_expired_text`): the text of
    comments their authors deleted and of comments moderators removed, once they have been
    out of view for the site's `retention_days`. A comment under an open legal-risk report
    keeps its text until the report is decided. The tombstone, the thread's shape and the
    audit trail stay: the trail's record of a removal is the publisher's, and append-only.
    """
    now = now or clock.now()
    purged = held_back = 0
    for site in Site.objects.order_by("pk"):
        expired = Comment.objects.filter(
            site=site,
            status__in=[Comment.Status.DELETED, Comment.Status.REMOVED],
            status_changed_at__lt=now - timedelta(days=site.retention_days),
        ).exclude(text="")
        with transaction.atomic():
            held_back += expired.filter(has_open_legal_report=True).count()
            due = expired.filter(has_open_legal_report=False)
            CommentEdit.objects.filter(site=site, comment__in=due).delete()
            purged += due.update(text="")
    forgotten, _ = ErasedIdentity.objects.filter(
        Q(erased_at__lt=now - ERASED_IDENTITY_KEPT)).delete()
    return PurgeSummary(texts_purged=purged, kept_for_legal_reports=held_back,
                        erased_identities_forgotten=forgotten)
