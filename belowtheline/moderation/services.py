"""Moderators' decisions, one function each, every one audited in its own transaction.

Each action checks that the person may moderate this site, locks the comment, refuses to
act on what someone else has decided since the moderator looked (`seen_decision`), applies
the change through discussion's status helper (so counts stay right), writes one audit
entry with the cover in force, and tells the author and the reporters after commit.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q, Sum

from belowtheline import clock
from belowtheline.accounts.models import Notification, User
from belowtheline.accounts.selectors import is_site_admin, staff_role
from belowtheline.discussion import hooks, thread_cache
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import services as discussion
from belowtheline.discussion.errors import NotFound as DiscussionNotFound
from belowtheline.discussion.models import Article, Comment, Report, Rule
from belowtheline.discussion.selectors import current_rules
from belowtheline.moderation import selectors
from belowtheline.moderation.errors import AlreadyDecided, ModerationError, NotAllowed, NotFound
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.sites.cover import cover_at
from belowtheline.sites.models import CoverKind, Site
from belowtheline.triage import services as triage

Person = User | AnonymousUser
Action = AuditEntry.Action
SYSTEM = "system"
MAX_REASON_LENGTH = 2000


# --- checks -------------------------------------------------------------------------------

def check_can_moderate(*, site: Site, actor: Person) -> User:
    """Moderators, editors and admins of this site; nobody else, and no other site's."""
    moderating_role(site=site, actor=actor)
    assert isinstance(actor, User)
    return actor


def moderating_role(*, site: Site, actor: Person) -> str:
    """`check_can_moderate`, answering with the role it found (the dashboard shows it and
    hides what the role may not do, without asking again)."""
    role = staff_role(site=site, user=actor)
    if role not in selectors.MODERATING_ROLES:
        raise NotAllowed("not_a_moderator", "Only this site's moderators can do that.")
    return role


def check_can_export_audit(*, site: Site, actor: Person) -> User:
    """The whole trail holds every removed text and every moderator's name, which is more
    than a moderator's job needs: exporting it is for the site's admins."""
    if not is_site_admin(site=site, user=actor):
        raise NotAllowed("not_an_admin", "Only this site's admins can export the audit trail.")
    assert isinstance(actor, User)
    return actor


def check_can_edit(*, site: Site, actor: Person) -> User:
    """Per-article settings are for editors and admins."""
    if staff_role(site=site, user=actor) not in selectors.EDITING_ROLES:
        raise NotAllowed("not_an_editor", "Only this site's editors can do that.")
    assert isinstance(actor, User)
    return actor


def _cited_rule(*, site: Site, number: object, required: bool) -> Rule | None:
    """The rule a moderator cites, from the rules in force now."""
    if number in (None, ""):
        if required:
            raise ModerationError("rule_required", "Cite the rule the comment breaks.",
                                  field="rule")
        return None
    rules = current_rules(site=site)
    try:
        wanted = int(str(number))
    except ValueError:
        wanted = -1
    rule = next((r for r in rules.rules.all() if r.number == wanted), None) if rules else None
    if rule is None:
        raise ModerationError("rule_invalid", f"There is no rule {number} in the current rules.",
                              field="rule")
    return rule


def _reason(reason: object, *, required: bool = False) -> str:
    return discussion.clean_text(reason or "", field="reason", max_length=MAX_REASON_LENGTH,
                                 required=required)


def _check_unchanged(comment: Comment, seen_decision: int | None) -> None:
    """Two moderators on one comment: the second is told, and nothing is applied twice."""
    if seen_decision is None:
        return
    latest = (
        AuditEntry.objects.filter(site_id=comment.site_id, comment=comment)
        .order_by("-pk").first()
    )
    if latest is not None and latest.pk != seen_decision:
        when = latest.created_at.astimezone(comment.site.zone).strftime("%H:%M")
        raise AlreadyDecided(
            "already_decided",
            f"{latest.actor_name} already acted on this comment at {when}: "
            f"{latest.get_action_display().lower()}. Nothing was changed.",
        )


def _comment(*, site: Site, comment_id: int) -> Comment:
    try:
        comment = discussion.locked_comment(site=site, comment_id=comment_id)
    except DiscussionNotFound:
        raise NotFound("comment_not_found", "That comment does not exist.") from None
    comment.site = site
    return comment


# The states each action applies to; anything else has been decided already.
ON_THREAD = (Comment.Status.PUBLISHED, Comment.Status.PENDING, Comment.Status.HELD)
NOT_PENDING = "This comment is not awaiting approval."


def _decidable(*, site: Site, comment_id: int, seen_decision: int | None,
               states: tuple[str, ...] | None = None, refusal: str = "") -> Comment:
    """The comment, locked, if nobody has decided on it since the moderator looked and it
    is in a state this action applies to (`states`, when the action cares); otherwise
    `AlreadyDecided`."""
    comment = _comment(site=site, comment_id=comment_id)
    _check_unchanged(comment, seen_decision)
    if states is not None and comment.status not in states:
        raise AlreadyDecided("already_decided", refusal)
    return comment


# --- effects --------------------------------------------------------------------------------

def _audit(*, site: Site, actor: User | None, action: str, now: datetime,
           cover: str | None = None, actor_name: str = SYSTEM, **fields: object) -> AuditEntry:
    """One entry in the append-only trail, with the cover in force at that moment.

    Every decision, sanction and note is recorded here, and each changes what the queue
    shows (a row gone, an author's record), so this is also where the queue's version
    moves."""
    report_figures.queue_changed(site_id=site.pk)
    return AuditEntry.objects.create(
        site=site,
        created_at=now,
        actor=actor,
        actor_name=actor.get_username() if actor else actor_name,
        action=action,
        cover=cover or cover_at(site=site, instant=now).kind,
        **fields,
    )


def _audit_comment(*, site: Site, actor: User | None, action: str, comment: Comment,
                   now: datetime, **fields: object) -> AuditEntry:
    """An audit entry about a comment: it names the comment, its article and its author.

    A decision on a comment triage flagged or held is triage's feedback (upheld or
    dismissed), recorded in the same transaction."""
    entry = _audit(site=site, actor=actor, action=action, now=now, comment=comment,
                   article_id=comment.article_id, subject_id=comment.author_id, **fields)
    triage.record_decision(comment=comment, action=action, now=now)
    return entry


def notify(*, site: Site, user: User, message: str, link: str, now: datetime) -> None:
    """An entry in the reader's notification list, and an email once the change commits."""
    Notification.objects.create(site=site, user=user, message=message, link=link,
                                created_at=now)
    if user.email:
        # One line whatever the site's name holds: a line break in a header is refused, and
        # by then the decision has committed.
        subject = " ".join(f"{site.name}: about your comment".split())
        transaction.on_commit(lambda: send_mail(
            subject=subject,
            message=f"{message}\n\n{link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
            fail_silently=True,
        ))


def _thread_link(comment: Comment) -> str:
    from django.urls import reverse

    return reverse("thread", args=[comment.site.slug, comment.article_id]) + \
        f"#comment-{comment.pk}"


def _rule_words(rule: Rule | None) -> str:
    return f" under rule {rule.number} ({rule.title})" if rule else ""


def _close_reports(*, comment: Comment, upheld: bool, now: datetime) -> None:
    """Decide the open reports on a comment and tell each reporter, without naming anyone.

    Every caller holds the comment's lock (`_decidable`, `_comment`): the comment's
    open-report figures are reset with the reports, and a report filed meanwhile adds
    itself afterwards."""
    reports = list(
        Report.objects.filter(site_id=comment.site_id, comment=comment,
                              status=Report.Status.OPEN).select_related("reporter")
    )
    if not reports:
        return
    status = Report.Status.UPHELD if upheld else Report.Status.DISMISSED
    Report.objects.filter(site_id=comment.site_id, pk__in=[r.pk for r in reports]).update(
        status=status, decided_at=now
    )
    report_figures.record_closed(comment)
    outcome = (
        "Our moderators agreed and have acted on it." if upheld
        else "Our moderators looked at it and found that it does not break the rules, so "
             "it stays."
    )
    for report in reports:
        notify(site=comment.site, user=report.reporter, link=_thread_link(comment), now=now,
               message=f"Thank you for your report on a comment by "
                       f"{comment.author.public_name}. {outcome}")


# --- actions on comments --------------------------------------------------------------------

def dismiss_reports(*, site: Site, actor: Person, comment_id: int, reason: object = "",
                    seen_decision: int | None = None, now: datetime | None = None) -> Comment:
    """The comment stays; its open reports (or triage's flag) are closed as not upheld."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    why = _reason(reason)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision)
        # Triage's flag on a comment nobody reported is dismissed the same way.
        if not Report.objects.filter(site=site, comment=comment,
                                     status=Report.Status.OPEN).exists() and \
                not triage.has_open_flag(comment=comment):
            raise AlreadyDecided("no_open_reports",
                                 "This comment has no open reports: nothing to dismiss.")
        _close_reports(comment=comment, upheld=False, now=now)
        _audit_comment(site=site, actor=moderator, action=Action.DISMISS, comment=comment,
                       now=now, reason=why)
    return comment


def amend_comment(*, site: Site, actor: Person, comment_id: int, text: object, rule: object,
                  reason: object, seen_decision: int | None = None,
                  now: datetime | None = None) -> Comment:
    """A moderator edits the text under a rule; the original stays in the audit trail."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    cited = _cited_rule(site=site, number=rule, required=True)
    why = _reason(reason, required=True)
    new_text = discussion.clean_text(text, field="text",
                                     max_length=discussion.MAX_COMMENT_LENGTH)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision,
                             states=ON_THREAD,
                             refusal="This comment is no longer on the thread to amend.")
        before = comment.text
        comment.text = new_text
        comment.amended_at = now
        comment.moderation_rule = cited
        comment.save(update_fields=["text", "amended_at", "moderation_rule"])
        thread_cache.thread_changed(site=site, article_id=comment.article_id)
        _close_reports(comment=comment, upheld=True, now=now)
        _audit_comment(site=site, actor=moderator, action=Action.AMEND, comment=comment,
                       now=now, rule=cited, reason=why, text_before=before,
                       text_after=new_text)
        notify(site=site, user=comment.author, link=_thread_link(comment), now=now,
               message=f"A moderator amended your comment{_rule_words(cited)}. {why}")
        hooks.emit(site=site, event="comment.amended", payload=comment, now=now)
    return comment


def _apply_removal(*, site: Site, moderator: User | None, comment: Comment, cited: Rule | None,
                   why: str, now: datetime, action: str = Action.REMOVE,
                   cover: str | None = None) -> None:
    """Take a comment off the thread leaving a tombstone; the text stays for the record."""
    comment.moderation_rule = cited
    comment.save(update_fields=["moderation_rule"])
    discussion.set_comment_status(comment, Comment.Status.REMOVED, now)
    _close_reports(comment=comment, upheld=True, now=now)
    _audit_comment(site=site, actor=moderator, action=action, comment=comment, now=now,
                   rule=cited, reason=why, text_before=comment.text, cover=cover)
    verb = "rejected" if action == Action.REJECT else "removed"
    notify(site=site, user=comment.author, link=_thread_link(comment), now=now,
           message=f"A moderator {verb} your comment{_rule_words(cited)}. {why}".strip())
    hooks.emit(site=site, event="comment.removed", payload=comment, now=now)


def remove_comment(*, site: Site, actor: Person, comment_id: int, rule: object,
                   reason: object = "", seen_decision: int | None = None,
                   now: datetime | None = None) -> Comment:
    """Remove a comment citing the rule it breaks; the thread keeps a tombstone."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    cited = _cited_rule(site=site, number=rule, required=True)
    why = _reason(reason)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision,
                             states=ON_THREAD,
                             refusal="This comment has already been removed.")
        _apply_removal(site=site, moderator=moderator, comment=comment, cited=cited, why=why,
                       now=now)
    return comment


def hold_comment(*, site: Site, actor: Person, comment_id: int, reason: object = "",
                 seen_decision: int | None = None, now: datetime | None = None) -> Comment:
    """Take a published comment out of view while it is looked into."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    why = _reason(reason)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision,
                             states=(Comment.Status.PUBLISHED,),
                             refusal="Only a published comment can be held.")
        discussion.set_comment_status(comment, Comment.Status.HELD, now)
        _audit_comment(site=site, actor=moderator, action=Action.HOLD, comment=comment,
                       now=now, reason=why)
        hooks.emit(site=site, event="comment.held", payload=comment, now=now)
    return comment


def release_comment(*, site: Site, actor: Person, comment_id: int, reason: object = "",
                    seen_decision: int | None = None, now: datetime | None = None) -> Comment:
    """Put a held comment back: the moderator found it fine, so its reports are dismissed."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    why = _reason(reason)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision,
                             states=(Comment.Status.HELD,), refusal="This comment is not held.")
        discussion.set_comment_status(comment, Comment.Status.PUBLISHED, now)
        _close_reports(comment=comment, upheld=False, now=now)
        _audit_comment(site=site, actor=moderator, action=Action.RELEASE, comment=comment,
                       now=now, reason=why)
    return comment


def approve_comment(*, site: Site, actor: Person, comment_id: int,
                    seen_decision: int | None = None, now: datetime | None = None) -> Comment:
    """A comment awaiting approval goes up."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision,
                             states=(Comment.Status.PENDING,), refusal=NOT_PENDING)
        discussion.set_comment_status(comment, Comment.Status.PUBLISHED, now)
        _audit_comment(site=site, actor=moderator, action=Action.APPROVE, comment=comment,
                       now=now)
    return comment


def reject_comment(*, site: Site, actor: Person, comment_id: int, rule: object = None,
                   reason: object = "", seen_decision: int | None = None,
                   now: datetime | None = None) -> Comment:
    """A comment awaiting approval does not go up; its author is told why."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    cited = _cited_rule(site=site, number=rule, required=False)
    why = _reason(reason, required=cited is None)
    with transaction.atomic():
        comment = _decidable(site=site, comment_id=comment_id, seen_decision=seen_decision,
                             states=(Comment.Status.PENDING,), refusal=NOT_PENDING)
        _apply_removal(site=site, moderator=moderator, comment=comment, cited=cited, why=why,
                       now=now, action=Action.REJECT)
    return comment


def remove_all_by_author(*, site: Site, actor: Person, user_id: int, rule: object,
                         reason: object = "", now: datetime | None = None) -> int:
    """A spam wave: remove every comment of one author on this site, one audit entry each."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    cited = _cited_rule(site=site, number=rule, required=True)
    why = _reason(reason)
    with transaction.atomic():
        ids = list(
            Comment.objects.filter(
                site=site, author_id=user_id,
                status__in=[Comment.Status.PUBLISHED, Comment.Status.HELD,
                            Comment.Status.PENDING],
            ).values_list("pk", flat=True)
        )
        cover = cover_at(site=site, instant=now).kind
        for comment_id in ids:
            comment = _comment(site=site, comment_id=comment_id)
            _apply_removal(site=site, moderator=moderator, comment=comment, cited=cited,
                           why=why, now=now, cover=cover)
    return len(ids)


# --- the system's own hold ------------------------------------------------------------------

def hold_when_reports_cross_threshold(*, report: Report, now: datetime) -> Comment | None:
    """Out of hours the team is thin: a comment many readers (or one legal-risk report)
    complain about is taken out of view until a moderator decides. Recorded as "system"."""
    site = report.site
    cover = cover_at(site=site, instant=now).kind
    if cover == CoverKind.FULL_TIME:
        limit, legal_limit = (site.hold_after_reports_full_time,
                              site.hold_after_legal_reports_full_time)
    else:
        limit, legal_limit = (site.hold_after_reports_part_time,
                              site.hold_after_legal_reports_part_time)
    # Weighed, not counted: each report as its reporter's trust makes it (reports.py).
    legal_risk = Q(reason=Report.Reason.LEGAL_RISK)
    figures = Report.objects.filter(
        site=site, comment_id=report.comment_id, status=Report.Status.OPEN
    ).aggregate(
        total=Count("pk"), weighed=Sum("weight"),
        legal=Count("pk", filter=legal_risk & Q(weight__gte=report_figures.TRUSTED_LEGAL_REPORT)),
        new=Count("pk", filter=Q(reporter__date_joined__gt=now
                                 - report_figures.NEW_ACCOUNT_AGE)),
    )
    total, weight, legal = figures["total"], figures["weighed"] or 0, figures["legal"]
    crossed = (limit is not None and weight >= limit * report_figures.ORDINARY_REPORT) or (
        legal_limit is not None and legal >= legal_limit
    )
    if not crossed:
        return None
    comment = _comment(site=site, comment_id=report.comment_id)
    if comment.status != Comment.Status.PUBLISHED:
        return None
    discussion.set_comment_status(comment, Comment.Status.HELD, now)
    why = (f"{legal} legal-risk report{'s' if legal != 1 else ''}" if legal_limit is not None
           and legal >= legal_limit else report_figures.describe_weight(
               weight=weight, reports=total, new_accounts=figures["new"], noun="open report"))
    _audit_comment(site=site, actor=None, action=Action.HOLD, comment=comment, now=now,
                   reason=f"Held automatically: {why} during {CoverKind(cover).label.lower()} "
                          "cover.")
    hooks.emit(site=site, event="comment.held", payload=comment, now=now)
    return comment


TRIAGE = "triage"


def hold_on_triage_scores(*, site: Site, comment_id: int, reason: str, cover: str,
                          now: datetime) -> Comment | None:
    """Out of hours a comment whose scores cross the site's hold thresholds is taken out
    of view until a moderator decides, as a comment many readers complain about is; the
    audit entry is by "triage" and quotes the score and the scorer's version. Called in
    the worker's scoring transaction; nothing happens to a comment no longer published."""
    comment = _comment(site=site, comment_id=comment_id)
    if comment.status != Comment.Status.PUBLISHED:
        return None
    discussion.set_comment_status(comment, Comment.Status.HELD, now)
    _audit_comment(site=site, actor=None, actor_name=TRIAGE, action=Action.HOLD,
                   comment=comment, now=now, cover=cover, reason=reason)
    hooks.emit(site=site, event="comment.held", payload=comment, now=now)
    return comment


# --- authors --------------------------------------------------------------------------------

SANCTION_ACTIONS = {
    Sanction.Kind.PREMODERATION: Action.PREMODERATE,
    Sanction.Kind.SUSPENSION: Action.SUSPEND,
    Sanction.Kind.BAN: Action.BAN,
}


def _author(*, site: Site, user_id: int) -> User:
    """Only people who have commented here, or been decided about here, are this site's
    moderators' business: a sanction or a note on anyone else is refused."""
    return selectors.author_on_site(site=site, user_id=user_id)


def sanction_author(*, site: Site, actor: Person, user_id: int, kind: str,
                    days: int | None = None, reason: object = "",
                    now: datetime | None = None) -> Sanction:
    """Pre-moderation, a suspension for N days, or a ban, on this site only."""
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    if kind not in Sanction.Kind.values:
        raise ModerationError("sanction_invalid", "Choose pre-moderation, suspension or ban.",
                              field="kind")
    if kind == Sanction.Kind.SUSPENSION and (not isinstance(days, int) or not 1 <= days <= 3650):
        raise ModerationError("days_invalid", "A suspension lasts 1 to 3650 days.",
                              field="days")
    why = _reason(reason, required=True)
    if user_id == moderator.pk:
        raise NotAllowed("own_account", "You cannot sanction yourself.")
    author = _author(site=site, user_id=user_id)
    with transaction.atomic():
        if selectors.active_sanction(site=site, user=author, kind=kind, now=now):
            raise AlreadyDecided("already_sanctioned",
                                 f"{author.public_name} is already under this sanction.")
        ends = now + timedelta(days=days) if kind == Sanction.Kind.SUSPENSION and days else None
        sanction = Sanction.objects.create(site=site, user=author, kind=kind, reason=why,
                                           created_at=now, created_by=moderator, ends_at=ends)
        _audit(site=site, actor=moderator, action=SANCTION_ACTIONS[kind], now=now,
               subject=author, reason=why)
    return sanction


def lift_sanction(*, site: Site, actor: Person, sanction_id: int, reason: object = "",
                  now: datetime | None = None) -> Sanction:
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    with transaction.atomic():
        try:
            sanction = Sanction.objects.select_for_update().get(pk=sanction_id, site=site)
        except Sanction.DoesNotExist:
            raise NotFound("sanction_not_found", "No such sanction.") from None
        if sanction.lifted_at is not None:
            raise AlreadyDecided("already_decided", "This sanction was already lifted.")
        sanction.lifted_at = now
        sanction.save(update_fields=["lifted_at"])
        _audit(site=site, actor=moderator, action=Action.LIFT_SANCTION, now=now,
               subject_id=sanction.user_id,
               reason=f"{sanction.get_kind_display()} lifted. {_reason(reason)}".strip())
    return sanction


def add_moderator_note(*, site: Site, actor: Person, user_id: int, text: object,
                       now: datetime | None = None) -> ModeratorNote:
    now = now or clock.now()
    moderator = check_can_moderate(site=site, actor=actor)
    clean = discussion.clean_text(text, field="text", max_length=2000)
    author = _author(site=site, user_id=user_id)
    with transaction.atomic():
        note = ModeratorNote.objects.create(site=site, user=author, author=moderator,
                                            text=clean, created_at=now)
        _audit(site=site, actor=moderator, action=Action.NOTE, now=now, subject=author,
               reason=clean)
    return note


# --- articles -------------------------------------------------------------------------------

def set_comment_mode(*, site: Site, actor: Person, article_id: int, mode: str,
                     now: datetime | None = None) -> Article:
    """Open, pre-moderated (a sensitive story) or closed, by an editor."""
    now = now or clock.now()
    editor = check_can_edit(site=site, actor=actor)
    if mode not in Article.CommentMode.values:
        raise ModerationError("comment_mode_invalid", "Choose open, premoderated or closed.",
                              field="mode")
    with transaction.atomic():
        try:
            article = Article.objects.select_for_update().get(pk=article_id, site=site)
        except Article.DoesNotExist:
            raise NotFound("article_not_found", "That article does not exist.") from None
        if article.comment_mode == mode:
            return article
        before = article.comment_mode
        Article.objects.filter(pk=article.pk, site=site).update(comment_mode=mode)
        thread_cache.thread_changed(site=site, article_id=article.pk)
        article.comment_mode = mode
        _audit(site=site, actor=editor, action=Action.COMMENT_MODE, now=now, article=article,
               text_before=before, text_after=mode)
    return article


