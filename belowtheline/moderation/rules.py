"""Moderation's rules on the reader's side, registered into discussion's hooks.

Each is a named function taking `now`, so the order in which a new comment is judged is
the readable list in `register()`.
"""

from datetime import datetime, timedelta

from django.utils import formats

from belowtheline.accounts.models import User
from belowtheline.discussion import hooks
from belowtheline.discussion.hooks import NewComment, Outcome, Verdict
from belowtheline.discussion.models import Article, Report
from belowtheline.moderation.models import Sanction
from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.cover import cover_at
from belowtheline.sites.models import CoverKind, Site


def _local(site: Site, instant: datetime) -> str:
    return formats.date_format(instant.astimezone(site.zone), "l j F, H:i")


def _sanctioned_users(site: Site) -> frozenset[int]:
    """Who has a sanction not lifted on the site, read once per change of its configuration:
    most readers have none, and asking costs them no query of their own."""
    return site_cached(site, "sanctioned-users", lambda: frozenset(
        Sanction.objects.filter(site=site, lifted_at__isnull=True).values_list(
            "user_id", flat=True)
    ))


def _author_sanctions(site: Site, user_id: int) -> tuple[Sanction, ...]:
    """The author's sanctions not lifted, read once per change of the site's configuration
    (a sanction added or lifted moves `config_version`): each post asks three rules, and
    each signed-in reader's comment box two."""
    if user_id not in _sanctioned_users(site):
        return ()
    return site_cached(site, ("sanctions", user_id), lambda: tuple(
        Sanction.objects.filter(site=site, user_id=user_id, lifted_at__isnull=True)
        .order_by("-created_at")
    ))


def active_sanction(*, site: Site, user: User, kind: str, now: datetime) -> Sanction | None:
    """The author's sanction of this kind in force at `now` (the newest, if several)."""
    return next(
        (
            sanction for sanction in _author_sanctions(site, user.pk)
            if sanction.kind == kind and (sanction.ends_at is None or sanction.ends_at > now)
        ),
        None,
    )


def reader_is_banned(site: Site, user: User, now: datetime) -> Verdict | None:
    if active_sanction(site=site, user=user, kind=Sanction.Kind.BAN, now=now):
        return Verdict(Outcome.REFUSE, "author_banned",
                       "Your account may no longer comment on this site.")
    return None


def reader_is_suspended(site: Site, user: User, now: datetime) -> Verdict | None:
    suspension = active_sanction(site=site, user=user, kind=Sanction.Kind.SUSPENSION, now=now)
    if suspension is None:
        return None
    until = f" until {_local(site, suspension.ends_at)}" if suspension.ends_at else ""
    return Verdict(Outcome.REFUSE, "author_suspended",
                   f"Your account is suspended from commenting{until}.")


def author_is_banned(new: NewComment, now: datetime) -> Verdict | None:
    return reader_is_banned(new.site, new.author, now)


def author_is_suspended(new: NewComment, now: datetime) -> Verdict | None:
    return reader_is_suspended(new.site, new.author, now)


def author_is_on_premoderation(new: NewComment, now: datetime) -> Verdict | None:
    if active_sanction(
        site=new.site, user=new.author, kind=Sanction.Kind.PREMODERATION, now=now
    ):
        return Verdict(Outcome.HOLD, "author_premoderated",
                       "Your comments are checked by a moderator before they appear.")
    return None


def no_cover_holds_comments(new: NewComment, now: datetime) -> Verdict | None:
    """In hours with no moderator at all, a site may hold new comments for approval."""
    site = new.site
    if site.when_no_cover != Site.WhenNoCover.HOLD:
        return None
    if cover_at(site=site, instant=now).kind == CoverKind.NONE:
        return Verdict(Outcome.HOLD, "no_cover",
                       "No moderator is on duty: your comment will appear once one has "
                       "checked it.")
    return None


def thread_closed_after_days(article: Article, now: datetime) -> Verdict | None:
    days = article.site.close_threads_after_days
    if days and article.published_at and now >= article.published_at + timedelta(days=days):
        return Verdict(Outcome.REFUSE, "article_closed",
                       f"Comments close {days} days after publication.")
    return None


def no_cover_closes_commenting(article: Article, now: datetime) -> Verdict | None:
    """Or it closes commenting, and it reopens by itself when cover resumes."""
    site = article.site
    if site.when_no_cover != Site.WhenNoCover.CLOSE:
        return None
    cover = cover_at(site=site, instant=now)
    if cover.kind != CoverKind.NONE:
        return None
    reopens = _local(site, cover.until) if cover.until else "a later time"
    message = (site.no_cover_message or "Commenting is paused until {reopens}.").replace(
        "{reopens}", reopens
    )
    return Verdict(Outcome.REFUSE, "commenting_paused", message)


def hold_after_reports(report: Report, now: datetime) -> None:
    from belowtheline.moderation.services import hold_when_reports_cross_threshold

    hold_when_reports_cross_threshold(report=report, now=now)


def register() -> None:
    for closing in (thread_closed_after_days, no_cover_closes_commenting):
        hooks.register_closing_rule(closing)
    for standing in (reader_is_banned, reader_is_suspended):
        hooks.register_standing_rule(standing)
    for rule in (author_is_banned, author_is_suspended, author_is_on_premoderation,
                 no_cover_holds_comments):
        hooks.register_publish_rule(rule)
    hooks.register_on_report_filed(hold_after_reports)
