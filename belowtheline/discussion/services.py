"""Everything a reader or subscriber does to a thread, as one function each.

Every service takes the site and the acting person by keyword, runs in one transaction,
checks its rules inside it and raises a `DiscussionError` (or an account error) with a
stable code when a rule says no. Views, the API, commands and tests all come through here.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F

from belowtheline import clock, rows
from belowtheline import text as typed_text
from belowtheline.accounts.api_keys import is_integration_account
from belowtheline.accounts.errors import NotASubscriber, NotSignedIn
from belowtheline.accounts.models import User
from belowtheline.accounts.selectors import is_site_admin, is_subscriber
from belowtheline.accounts.services import check_email_confirmed
from belowtheline.discussion import hooks, selectors, thread_cache
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion.errors import Conflict, DiscussionError, Forbidden, NotFound
from belowtheline.discussion.hooks import NewComment, Outcome, report_filed_hooks
from belowtheline.discussion.models import (
    Article,
    Comment,
    CommentEdit,
    Disagreement,
    PostingKey,
    Recommendation,
    Report,
    RulesAcceptance,
    RulesVersion,
)
from belowtheline.discussion.publishing import decide_publication
from belowtheline.ratelimit import check_rate_limit
from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.models import Site

MAX_COMMENT_LENGTH = 5000
MAX_REPORT_NOTE_LENGTH = 500
EDIT_WINDOW = timedelta(minutes=10)
DISAGREE = "disagree"

DISAGREE_ANSWER = (
    "Reports are for comments that break the rules, so we have not sent this one to the "
    "moderators. If you disagree with it, the best answer is a reply."
)
REPORT_THANKS = (
    "Thank you. Your report has gone to our moderators, and we will let you know what "
    "they decide."
)

# Line breaks and tabs are text; every other control character (NUL above all, which
# PostgreSQL refuses) is noise or an attack and is refused rather than silently dropped.
_ALLOWED_CONTROL = {"\n", "\t"}

Person = User | AnonymousUser


def clean_text(text: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Normalise what a person typed and refuse what cannot be stored or shown as typed."""
    if not isinstance(text, str):
        raise DiscussionError("text_invalid", "Text must be a string.", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DiscussionError(
            "text_invalid", "The text contains characters that are not valid Unicode.",
            field=field,
        ) from None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in text):
        raise DiscussionError(
            "text_invalid", "The text contains control characters.", field=field
        )
    text = text.strip()
    if required and not text:
        raise DiscussionError("text_empty", "Please write something first.", field=field)
    refused = typed_text.problem(text)
    if refused is not None:
        raise DiscussionError(refused[0], refused[1], field=field)
    if len(text) > max_length:
        raise DiscussionError(
            "text_too_long",
            f"That is {len(text):,} characters; the limit is {max_length:,}.",
            field=field,
        )
    return text


def _require_signed_in(user: Person) -> User:
    if not user.is_authenticated:
        raise NotSignedIn("sign_in_required", "Please sign in first.")
    assert isinstance(user, User)
    return user


def check_can_comment(*, site: Site, user: Person, now: datetime) -> User:
    """The subscriber-only policy: signed in, subscribed, and has accepted the current rules."""
    author = _require_signed_in(user)
    check_email_confirmed(author)  # a new account's address first
    if not is_subscriber(site=site, user=author, now=now):
        raise NotASubscriber(
            "subscription_required",
            "Commenting is for subscribers. Subscribe to join the discussion.",
        )
    rules = selectors.current_rules(site=site)
    if rules is None:
        raise Conflict(
            "rules_not_published",
            "Commenting opens once the publisher has published its rules.",
        )
    # An acceptance is never withdrawn, so a "yes" is remembered per process (a new rules
    # version is a new key); a "no" is asked again on the next post.
    accepted = site_cached(
        site, ("accepted", author.pk, rules.pk),
        lambda: selectors.has_accepted(site=site, user=author, rules_version=rules),
        keep=bool,
    )
    if not accepted:
        raise Forbidden(
            "rules_not_accepted",
            "Please read and accept the current rules before you comment.",
        )
    return author


def set_comment_status(comment: Comment, status: str, now: datetime) -> None:
    """Change a comment's status and keep the article's published count in step.

    The one place the count moves, so that every path (author, moderator, system) agrees.
    """
    was_counted = comment.status == Comment.Status.PUBLISHED
    counted = status == Comment.Status.PUBLISHED
    comment.status = status
    comment.status_changed_at = now
    comment.save(update_fields=["status", "status_changed_at"])
    delta = (1 if counted else -1) if was_counted != counted else 0
    thread_cache.thread_changed(
        site=comment.site_id, article_id=comment.article_id, comment_count_delta=delta
    )


def locked_comment(*, site: Site, comment_id: int) -> Comment:
    """The comment, locked for the rest of the transaction: two people acting on it at once
    queue here, and the second sees what the first did.

    Its row only: the article comes with it for reading, and locking the article's row
    too would hold up every post on the thread until the decision commits."""
    try:
        return (
            Comment.objects.select_for_update(of=("self",))
            .select_related("article")
            .get(pk=comment_id, site=site)
        )
    except Comment.DoesNotExist:
        raise NotFound("comment_not_found", "That comment does not exist.") from None


def post_comment(
    *,
    site: Site,
    article: Article,
    author: Person,
    text: object,
    parent: Comment | None = None,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Comment:
    """A subscriber's comment or reply. It goes up at once unless a publication rule holds it.

    With an `idempotency_key` (the client's `Idempotency-Key`), the same key posted again by
    the same reader returns the comment the first post made, whatever happened to its
    answer; the same key with other text is refused (`idempotency_key_reused`).
    """
    now = now or clock.now()
    if article.site_id != site.pk:
        raise NotFound("article_not_found", "That article does not exist.")
    user = check_can_comment(site=site, user=author, now=now)
    clean = clean_text(text, field="text", max_length=MAX_COMMENT_LENGTH)
    fingerprint = ""
    if idempotency_key is not None:
        fingerprint = _post_fingerprint(article=article, parent=parent, text=clean)
        earlier = _posted_with_key(site=site, user=user, key=idempotency_key,
                                   fingerprint=fingerprint)
        if earlier is not None:
            return earlier  # before the rate limit: a retry is not a second post
    if parent is not None and (parent.site_id != site.pk or parent.article_id != article.pk):
        raise DiscussionError(
            "parent_not_in_article",
            "You can only reply to a comment on the same article.",
            field="parent_id",
        )
    verdict = decide_publication(
        NewComment(site=site, article=article, author=user, parent=parent, text=clean), now
    )
    if verdict.outcome == Outcome.REFUSE:
        raise Forbidden(verdict.reason, verdict.message)
    check_rate_limit(kind="comment", who=str(user.pk), now=now)
    status = (
        Comment.Status.PENDING if verdict.outcome == Outcome.HOLD else Comment.Status.PUBLISHED
    )
    try:
        return _insert_comment(site=site, article=article, user=user, parent=parent,
                               text=clean, status=status, now=now, key=idempotency_key,
                               fingerprint=fingerprint)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # Two tries with one key at once: the other committed first; this one wrote nothing.
        earlier = _posted_with_key(site=site, user=user, key=idempotency_key,
                                   fingerprint=fingerprint)
        if earlier is None:
            raise
        return earlier


def _post_fingerprint(*, article: Article, parent: Comment | None, text: str) -> str:
    what = f"{article.pk}\n{parent.pk if parent is not None else ''}\n{text}"
    return hashlib.sha256(what.encode()).hexdigest()


def _posted_with_key(*, site: Site, user: User, key: str, fingerprint: str) -> Comment | None:
    earlier = (PostingKey.objects.filter(site=site, author=user, key=key)
               .select_related("comment").first())
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise Conflict("idempotency_key_reused",
                       "That Idempotency-Key was already used for a different comment; send "
                       "a new key for a new comment.")
    return earlier.comment


def _insert_comment(*, site: Site, article: Article, user: User, parent: Comment | None,
                    text: str, status: str, now: datetime, key: str | None,
                    fingerprint: str) -> Comment:
    clean = text
    with transaction.atomic():
        if parent is not None:
            # Read the parent again under lock: the caller's copy may predate a deletion.
            parent = locked_comment(site=site, comment_id=parent.pk)
            if parent.status != Comment.Status.PUBLISHED:
                raise Conflict(
                    "parent_not_open", "That comment is no longer on the thread to be answered."
                )
        comment = rows.insert(Comment(
            site=site,
            article=article,
            author=user,
            parent=parent,
            thread_root=(parent.thread_root or parent) if parent else None,
            text=clean,
            status=status,
            created_at=now,
            status_changed_at=now,
        ))
        hooks.emit(site=site, event="comment.created", payload=comment, now=now)
        # Pending ones too: the thread will show them to their author, and later to all.
        thread_cache.thread_changed(
            site=site, article_id=article.pk,
            comment_count_delta=1 if status == Comment.Status.PUBLISHED else 0,
            served_at_once=False,  # shown within the freshness window, as on every process
        )
        if key is not None:
            PostingKey.objects.create(site=site, author=user, key=key,
                                      fingerprint=fingerprint, comment=comment, created_at=now)
    return comment


def can_still_edit(comment: Comment, now: datetime) -> bool:
    return (
        comment.status
        in (Comment.Status.PUBLISHED, Comment.Status.PENDING, Comment.Status.HELD)
        and comment.amended_at is None  # a moderator's amendment is not the author's to undo
        and now - comment.created_at <= EDIT_WINDOW
    )


def edit_own_comment(
    *, site: Site, comment_id: int, author: Person, text: object, now: datetime | None = None
) -> Comment:
    """An author's correction within the edit window; the text before is kept for moderators."""
    now = now or clock.now()
    user = _require_signed_in(author)
    clean = clean_text(text, field="text", max_length=MAX_COMMENT_LENGTH)
    with transaction.atomic():
        comment = locked_comment(site=site, comment_id=comment_id)
        if comment.author_id != user.pk:
            raise Forbidden("not_your_comment", "You can only edit your own comments.")
        if not can_still_edit(comment, now):
            raise Forbidden(
                "edit_window_closed",
                f"Comments can be edited for {EDIT_WINDOW.seconds // 60} minutes after posting.",
            )
        if clean == comment.text:
            return comment
        CommentEdit.objects.create(
            site=site, comment=comment, text_before=comment.text, edited_at=now
        )
        comment.text = clean
        comment.edited_at = now
        comment.save(update_fields=["text", "edited_at"])
        thread_cache.thread_changed(site=site, article_id=comment.article_id)
        hooks.emit(site=site, event="comment.edited", payload=comment, now=now)
    return comment


def delete_own_comment(*, site: Site, comment_id: int, author: Person,
                       now: datetime | None = None) -> Comment:
    """An author takes back a comment. Replies keep their place under a tombstone.

    The text stays in the database (a comment deleted after a legal-risk report may still
    matter to the publisher) but is never shown again.
    """
    now = now or clock.now()
    user = _require_signed_in(author)
    with transaction.atomic():
        comment = locked_comment(site=site, comment_id=comment_id)
        if comment.author_id != user.pk:
            raise Forbidden("not_your_comment", "You can only delete your own comments.")
        if comment.status == Comment.Status.DELETED:
            return comment
        if comment.status == Comment.Status.REMOVED:
            raise Conflict("comment_removed", "A moderator has already removed this comment.")
        set_comment_status(comment, Comment.Status.DELETED, now)
    return comment


def _reactable_comment(*, site: Site, comment_id: int) -> Comment:
    comment = selectors.get_comment(site=site, comment_id=comment_id)
    if comment.status != Comment.Status.PUBLISHED:
        raise Conflict("comment_not_available", "That comment is no longer on the thread.")
    return comment


def recommend_comment(*, site: Site, comment_id: int, user: Person,
                      now: datetime | None = None) -> Comment:
    """A subscriber's recommendation: once per person, never one's own. Repeating is harmless."""
    now = now or clock.now()
    reader = _require_signed_in(user)
    if not is_subscriber(site=site, user=reader, now=now):
        raise NotASubscriber("subscription_required", "Recommending is for subscribers.")
    comment = _reactable_comment(site=site, comment_id=comment_id)
    if comment.author_id == reader.pk:
        raise Forbidden("own_comment", "You cannot recommend your own comment.")
    check_rate_limit(kind="recommend", who=str(reader.pk), now=now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Recommendation.objects.create(
                    site=site, comment=comment, user=reader, created_at=now
                )
        except IntegrityError:
            pass  # already recommended: once per person
        else:
            Comment.objects.filter(pk=comment.pk, site=site).update(
                recommendation_count=F("recommendation_count") + 1
            )
            thread_cache.thread_changed(site=site, article_id=comment.article_id)
    comment.refresh_from_db(fields=["recommendation_count"])
    return comment


def withdraw_recommendation(*, site: Site, comment_id: int, user: Person,
                            now: datetime | None = None) -> Comment:
    now = now or clock.now()
    reader = _require_signed_in(user)
    comment = selectors.get_comment(site=site, comment_id=comment_id)
    check_rate_limit(kind="recommend", who=str(reader.pk), now=now)
    with transaction.atomic():
        deleted, _ = Recommendation.objects.filter(
            site=site, comment=comment, user=reader
        ).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk, site=site).update(
                recommendation_count=F("recommendation_count") - 1
            )
            thread_cache.thread_changed(site=site, article_id=comment.article_id)
    comment.refresh_from_db(fields=["recommendation_count"])
    return comment


@dataclass(frozen=True)
class ReportOutcome:
    reported: bool  # False when the reader only disagreed: nothing reached a moderator
    message: str
    report: Report | None = None


def report_comment(
    *,
    site: Site,
    comment_id: int,
    reporter: Person,
    reason: object,
    note: object = "",
    now: datetime | None = None,
) -> ReportOutcome:
    """Answer the "Report this comment" dialog.

    "I just disagree" is offered in the dialog but is not a report: it is counted for the
    editors and answered with a pointer to replying, and never reaches the queue.
    """
    now = now or clock.now()
    reader = _require_signed_in(reporter)
    check_email_confirmed(reader)  # a new account's address first
    valid = [*Report.Reason.values, DISAGREE]
    if reason not in valid:
        raise DiscussionError(
            "reason_invalid", f"Choose one of: {', '.join(valid)}.", field="reason"
        )
    clean_note = clean_text(
        note or "", field="note", max_length=MAX_REPORT_NOTE_LENGTH, required=False
    )
    if is_integration_account(reader):
        # Reports weigh in the automatic holds: only readers may file them, never a key
        # that a script can call in a loop.
        raise Forbidden("integration_cannot_report",
                        "An API key acts for the publisher, not a reader, so it cannot report "
                        "comments; moderate them through the moderation API instead.")
    comment = selectors.get_comment(site=site, comment_id=comment_id)
    if comment.author_id == reader.pk:
        raise Forbidden("own_comment", "You cannot report your own comment.")
    if comment.status in (Comment.Status.DELETED, Comment.Status.REMOVED):
        raise Conflict("comment_not_available", "That comment is no longer on the thread.")
    check_rate_limit(kind="report", who=str(reader.pk), now=now)
    if reason == DISAGREE:
        with transaction.atomic():
            Disagreement.objects.get_or_create(
                site=site, comment=comment, user=reader, defaults={"created_at": now}
            )
        return ReportOutcome(reported=False, message=DISAGREE_ANSWER)
    # The reporter's record as it stands now is what this report counts for, for good:
    # a comment's place in the queue does not shift when other reports are decided.
    weight = report_figures.reporter_weight(
        report_figures.reporter_record(site=site, reporter_id=reader.pk),
        subscriber=is_subscriber(site=site, user=reader, now=now),
        account_age=now - reader.date_joined,
    )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                site=site,
                comment=comment,
                reporter=reader,
                reason=reason,
                note=clean_note,
                created_at=now,
                weight=weight,
            )
            report_figures.record_filed(report)
            # Before the filed-report hooks, so that a hold they trigger follows it.
            hooks.emit(site=site, event="report.created", payload=report, now=now)
            for hook in report_filed_hooks():
                hook(report, now)
            # Last, as in every decision (comment, then thread, then queue): the site's
            # queue version is one row that every report and decision updates, so taking
            # it before a hold's thread row made a report and a decision on the same
            # thread wait for each other (deadlock, seen under load on PostgreSQL).
            report_figures.queue_changed(site_id=site.pk)
    except IntegrityError:
        raise Conflict(
            "already_reported", "You have already reported this comment. Thank you."
        ) from None
    return ReportOutcome(reported=True, message=REPORT_THANKS, report=report)


def accept_rules(*, site: Site, user: Person, rules_version_id: int | None = None,
                 now: datetime | None = None) -> RulesAcceptance:
    """Record that a subscriber accepts the current rules and their personal responsibility.

    Only the current version can be accepted: a form left open while a new version was
    published must not record acceptance of rules the reader never saw.
    """
    now = now or clock.now()
    reader = _require_signed_in(user)
    current = selectors.current_rules(site=site)
    if current is None:
        raise Conflict("rules_not_published", "This site has not published its rules yet.")
    if rules_version_id is not None and rules_version_id != current.pk:
        raise Conflict(
            "rules_version_stale",
            "The rules have changed since you opened them. Please read the current version.",
            field="rules_version_id",
        )
    with transaction.atomic():
        acceptance, _ = RulesAcceptance.objects.get_or_create(
            site=site, rules_version=current, user=reader, defaults={"accepted_at": now}
        )
    return acceptance


def publish_rules_version(*, site: Site, rules_version_id: int, actor: Person,
                          now: datetime | None = None) -> RulesVersion:
    """Make a draft the current rules. From then on it is frozen, and every subscriber is
    asked to accept it before their next comment."""
    now = now or clock.now()
    staff = _require_signed_in(actor)
    if not is_site_admin(site=site, user=staff):
        raise Forbidden("not_site_admin", "Only a site admin can publish rules.")
    with transaction.atomic():
        try:
            version = RulesVersion.objects.select_for_update().get(pk=rules_version_id, site=site)
        except RulesVersion.DoesNotExist:
            raise NotFound("rules_version_not_found", "No such rules version.") from None
        if version.published_at is not None:
            raise Conflict("rules_already_published", "This version is already published.")
        if not version.rules.exists():
            raise DiscussionError(
                "rules_empty", "A rules version needs at least one rule.", field="rules"
            )
        newer = RulesVersion.objects.filter(
            site=site, published_at__isnull=False, number__gt=version.number
        )
        if newer.exists():
            raise Conflict(
                "rules_version_outdated",
                "A later version is already published; number this draft after it.",
            )
        version.published_at = now
        version.save(update_fields=["published_at"])
    return version


MAX_IDEMPOTENCY_KEY = 200


def idempotency_key_from(header: str | None) -> str | None:
    """The `Idempotency-Key` header as a key, None when absent; refused when unusable
    (a client that sends one relies on it, so a bad one is not silently ignored)."""
    if header is None:
        return None
    key = header.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        raise DiscussionError(
            "idempotency_key_invalid",
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters "
            "(a UUID is ideal).", field="Idempotency-Key")
    return key
