"""Reads of the reader's side, shaped for the thread page and the API, site first.

The thread is read in a fixed number of queries however long it is: hot threads are read
far more often than written, and later issues put this path behind a cache.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from django.contrib.auth.models import AnonymousUser
from django.core.signals import request_finished, request_started
from django.db import connection, models
from django.db.models import Exists, OuterRef, Prefetch, Q

from belowtheline import rows
from belowtheline.accounts.errors import TokenRefused
from belowtheline.accounts.models import ExternalIdentity, User
from belowtheline.accounts.selectors import is_subscriber
from belowtheline.accounts.sso import (
    KNOWN_READER_WIDTH,
    FindReader,
    KnownReader,
    known_reader,
    known_reader_from_row,
    known_reader_params,
    known_reader_sql,
    unverified_audience,
)
from belowtheline.discussion.errors import DiscussionError, NotFound
from belowtheline.discussion.hooks import Verdict, standing_rules
from belowtheline.discussion.models import (
    Article,
    Comment,
    CommentEdit,
    Recommendation,
    Report,
    Rule,
    RulesAcceptance,
    RulesVersion,
)
from belowtheline.ids import MAX_ID
from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import SiteNotFound, remember_site

PAGE_SIZE = 50
MAX_PAGE = 10_000


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    MOST_RECOMMENDED = "recommended"


_ORDERINGS = {
    Sort.NEWEST: ("-created_at", "-pk"),
    Sort.OLDEST: ("created_at", "pk"),
    Sort.MOST_RECOMMENDED: ("-recommendation_count", "-created_at", "-pk"),
}


def parse_sort(value: str | None) -> Sort:
    try:
        return Sort(value or Sort.NEWEST)
    except ValueError:
        raise DiscussionError(
            "sort_invalid",
            f"Sort must be one of: {', '.join(s.value for s in Sort)}.",
            field="sort",
        ) from None


def parse_page(value: object) -> int:
    try:
        page = int(str(value or 1))
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        raise DiscussionError("page_invalid", "Page must be a whole number from 1.", field="page")
    return page


# What the request this thread is serving has read already in a query that read several
# things at once (the per-reader request's, `viewer_path`): articles, or their absence, by
# (site, id), and a reader's marks on an article by (site, user, article, rules version).
# `get_article` and `_reader_marks` answer from it for the rest of the request rather than
# ask again. Outside a request (tasks, shells, tests calling services) nothing is
# remembered, as for `sites.selectors`.
_this_request = threading.local()


def _request_started(**kwargs: object) -> None:
    _this_request.articles = {}
    _this_request.marks = {}


def _request_finished(**kwargs: object) -> None:
    _this_request.articles = None
    _this_request.marks = None


request_started.connect(_request_started, dispatch_uid="btl-discussion-request-started")
request_finished.connect(_request_finished, dispatch_uid="btl-discussion-request-finished")


def _attached(article: Article, site: Site) -> Article:
    article.site = site  # the site in hand: rules that read article.site cost no query
    return article


def get_article(*, site: Site, article_id: int) -> Article:
    seen: dict[tuple[int, int], Article | None] | None = getattr(_this_request, "articles", None)
    if seen is not None and (site.pk, article_id) in seen:
        article = seen[(site.pk, article_id)]
    else:
        article = rows.one(Article, "id = %s AND site_id = %s", [article_id, site.pk])
    if article is None:
        raise NotFound("article_not_found", "That article does not exist.")
    return _attached(article, site)


@lru_cache(maxsize=1)
def _site_and_article_sql() -> str:
    return (
        f"SELECT {rows.columns(Site, 's')}, {rows.columns(Article, 'a')} "
        f"FROM {rows.table(Site)} s LEFT JOIN {rows.table(Article)} a "
        f"ON a.site_id = s.id AND a.id = %s WHERE s.slug = %s"
    )


def site_and_article(*, slug: str, article_id: int) -> tuple[Site, Article | None]:
    """The site by slug and its article by id (None if it has no such article), in one
    query, remembered for the rest of this request: `site_by_slug` and `get_article`
    answer from them, so that the code that follows reads what it always does without
    asking the database again. Raises `SiteNotFound` as `site_by_slug` does."""
    found = rows.fetch(_site_and_article_sql(), [article_id, slug])
    if not found:
        raise SiteNotFound("site_not_found", f"There is no site {slug!r}.")
    (row,) = found  # the slug is unique
    width = rows.width(Site)
    site = rows.from_row(Site, row[:width])
    # A LEFT JOIN that found no article gives NULL for its key (and every column).
    article_key = width + [f.primary_key for f in Article._meta.concrete_fields].index(True)
    article = (None if row[article_key] is None
               else _attached(rows.from_row(Article, row[width:]), site))
    remember_site(site)
    seen: dict[tuple[int, int], Article | None] | None = getattr(_this_request, "articles", None)
    if seen is not None:
        seen[(site.pk, article_id)] = article
    return site, article


def site_and_article_for_token(*, credential: str, slug: str, article_id: int
                               ) -> Article | None:
    """`site_and_article`, read ahead for a request that carries a subscriber token (the
    per-reader request's and a post's thin paths): only for a token whose (not yet
    verified) audience is the address's site and an id the API would take; anything else
    is read, and refused, by the authentication and the view as always. Returns the
    article, or None when there is none or nothing was read."""
    try:
        if unverified_audience(credential) != slug or article_id > MAX_ID:
            return None
        return site_and_article(slug=slug, article_id=article_id)[1]
    except (TokenRefused, SiteNotFound):
        return None


def article_by_url(*, site: Site, url: str) -> Article:
    try:
        return _attached(Article.objects.get(site=site, canonical_url=url), site)
    except Article.DoesNotExist:
        raise NotFound("article_not_found", "No article with that URL on this site.") from None


def get_comment(*, site: Site, comment_id: int) -> Comment:
    try:
        return Comment.objects.select_related("article").get(pk=comment_id, site=site)
    except Comment.DoesNotExist:
        raise NotFound("comment_not_found", "That comment does not exist.") from None


def comment_edits(*, site: Site, comment_id: int) -> list[CommentEdit]:
    """What a comment said before each of its author's edits, oldest first: moderators must
    see what readers read, not only what the author left there after a report."""
    return list(
        CommentEdit.objects.filter(site=site, comment_id=comment_id).order_by("edited_at", "pk")
    )


def front_page_articles(*, site: Site) -> list[Article]:
    return list(Article.objects.filter(site=site).order_by("-published_at", "-pk"))


def current_rules(*, site: Site, with_rules: bool = True) -> RulesVersion | None:
    """The latest published rules version, with its rules.

    Asked on every post and thread read, it is read once per change of the site's
    configuration (publishing a version moves `config_version`) and shared, read-only, by
    the process's threads. `with_rules` is kept for callers that only need the version.
    """

    def load() -> RulesVersion | None:
        return (
            RulesVersion.objects.filter(site=site, published_at__isnull=False)
            .prefetch_related(Prefetch("rules", queryset=Rule.objects.filter(site=site)))
            .order_by("-number")
            .first()
        )

    return site_cached(site, "current-rules", load)


def rules_history(*, site: Site) -> list[RulesVersion]:
    """Every published version, newest first: the rules page lists the earlier ones."""
    return list(
        RulesVersion.objects.filter(site=site, published_at__isnull=False).order_by("-number")
    )


def rules_version(*, site: Site, number: int) -> RulesVersion:
    try:
        return (
            RulesVersion.objects.filter(site=site, published_at__isnull=False)
            .prefetch_related(Prefetch("rules", queryset=Rule.objects.filter(site=site)))
            .get(number=number)
        )
    except RulesVersion.DoesNotExist:
        raise NotFound("rules_version_not_found", "No such rules version.") from None


def has_accepted(*, site: Site, user: User, rules_version: RulesVersion) -> bool:
    return rows.exists(
        RulesAcceptance, "site_id = %s AND user_id = %s AND rules_version_id = %s",
        [site.pk, user.pk, rules_version.pk],
    )


@dataclass(frozen=True)
class Standing:
    """What the person looking at a thread may do there, decided once per request."""

    signed_in: bool
    subscriber: bool
    rules: RulesVersion | None
    must_accept_rules: bool
    # Why this subscriber may not comment anywhere on the site (banned, suspended), if so:
    # the standing rules registered in `hooks`, the same that refuse their post.
    refusal: Verdict | None = None

    @property
    def can_comment(self) -> bool:
        return (
            self.subscriber and self.rules is not None and not self.must_accept_rules
            and self.refusal is None
        )


def _refusal(*, site: Site, user: User, now: datetime) -> Verdict | None:
    for rule in standing_rules():
        if (verdict := rule(site, user, now)) is not None:
            return verdict
    return None


def viewer_standing(
    *, site: Site, user: User | AnonymousUser, now: datetime,
    accepted: Callable[[RulesVersion], bool] | None = None,
) -> Standing:
    """`accepted`: whether the reader has accepted a rules version, when the caller has
    read it already (the per-reader request reads it with their marks on the page)."""
    rules = current_rules(site=site, with_rules=False)
    if not user.is_authenticated:
        return Standing(signed_in=False, subscriber=False, rules=rules, must_accept_rules=False)
    assert isinstance(user, User)
    subscriber = is_subscriber(site=site, user=user, now=now)
    if not subscriber:
        return Standing(signed_in=True, subscriber=False, rules=rules, must_accept_rules=False)
    has = accepted or (lambda version: has_accepted(site=site, user=user,
                                                    rules_version=version))
    return Standing(
        signed_in=True, subscriber=True, rules=rules,
        must_accept_rules=bool(rules and not has(rules)),
        refusal=_refusal(site=site, user=user, now=now),
    )


@dataclass
class ThreadEntry:
    """One comment as this viewer should see it."""

    comment: Comment
    in_reply_to: str | None = None  # shown on replies to replies
    viewer_recommended: bool = False
    viewer_reported: bool = False
    is_own: bool = False
    replies: list["ThreadEntry"] = field(default_factory=list)

    @property
    def shows_text(self) -> bool:
        status = self.comment.status
        return status == Comment.Status.PUBLISHED or (
            self.is_own and status in (Comment.Status.HELD, Comment.Status.PENDING)
        )

    @property
    def state(self) -> str:
        """published | awaiting_approval | under_review | being_reviewed | removed | deleted,
        for templates and the API. Only an author ever sees their comment awaiting approval."""
        status = self.comment.status
        if status == Comment.Status.HELD:
            return "under_review" if self.is_own else "being_reviewed"
        if status == Comment.Status.PENDING:
            return "awaiting_approval"
        return str(status)

    @property
    def amended(self) -> bool:
        return self.comment.amended_at is not None

    @property
    def rule_broken(self) -> "Rule | None":
        """The rule cited when a moderator removed the comment, for its tombstone."""
        if self.comment.status == Comment.Status.REMOVED:
            return self.comment.moderation_rule
        return None


@dataclass
class ThreadPage:
    article: Article
    sort: Sort
    page: int
    has_more: bool
    entries: list[ThreadEntry]

    @property
    def comment_count(self) -> int:
        return self.article.comment_count


# Held comments show as a placeholder to everyone and in full to their author; removed ones
# as a moderator's tombstone. A comment deleted by its author stays only as a tombstone, and
# only while live replies hang from it.
_LIVE = [Comment.Status.PUBLISHED, Comment.Status.HELD, Comment.Status.REMOVED]


def thread_page(
    *, site: Site, article: Article, sort: Sort, page: int, viewer: User | AnonymousUser
) -> ThreadPage:
    """One page of top-level comments with all their replies, in four queries at most."""
    if article.site_id != site.pk:
        raise NotFound("article_not_found", "That article does not exist.")
    live_replies = Comment.objects.filter(
        site=site, thread_root=OuterRef("pk"), status__in=_LIVE
    )
    shown = Q(status__in=_LIVE) | Q(Exists(live_replies))
    if viewer.is_authenticated:
        shown |= Q(status=Comment.Status.PENDING, author_id=viewer.pk)
    top_level = (
        Comment.objects.filter(site=site, article=article, thread_root__isnull=True)
        .filter(shown)
        .select_related("author", "moderation_rule__rules_version", "moderation_rule__site")
    )
    offset = (page - 1) * PAGE_SIZE
    tops = list(top_level.order_by(*_ORDERINGS[sort])[offset : offset + PAGE_SIZE + 1])
    has_more = len(tops) > PAGE_SIZE
    tops = tops[:PAGE_SIZE]
    top_ids = [c.pk for c in tops]
    replies = list(
        Comment.objects.filter(site=site, article=article, thread_root_id__in=top_ids)
        .select_related(
            "author", "parent__author", "moderation_rule__rules_version", "moderation_rule__site"
        )
        .order_by("created_at", "pk")
    )
    recommended: set[int] = set()
    reported: set[int] = set()
    viewer_id = viewer.pk if viewer.is_authenticated else None
    all_ids = top_ids + [r.pk for r in replies]
    if viewer_id is not None and all_ids:
        recommended = set(
            Recommendation.objects.filter(
                site=site, user_id=viewer_id, comment_id__in=all_ids
            ).values_list("comment_id", flat=True)
        )
        reported = set(
            Report.objects.filter(
                site=site, reporter_id=viewer_id, comment_id__in=all_ids
            ).values_list("comment_id", flat=True)
        )

    def entry(comment: Comment) -> ThreadEntry:
        return ThreadEntry(
            comment=comment,
            viewer_recommended=comment.pk in recommended,
            viewer_reported=comment.pk in reported,
            is_own=comment.author_id == viewer_id,
        )

    has_live_child = {r.parent_id for r in replies if r.status in _LIVE}
    entries = [entry(c) for c in tops]
    by_root = {e.comment.pk: e for e in entries}
    for reply in replies:
        if reply.status == Comment.Status.DELETED and reply.pk not in has_live_child:
            continue  # deleted with nothing answering it: it simply disappears
        if reply.status == Comment.Status.PENDING and reply.author_id != viewer_id:
            continue  # awaiting approval: only its author sees it
        item = entry(reply)
        parent = reply.parent
        # Name whom a reply answers, unless that comment is gone or hidden: a tombstone
        # does not say who wrote what was deleted or removed.
        if (
            reply.parent_id != reply.thread_root_id
            and parent is not None
            and parent.status == Comment.Status.PUBLISHED
        ):
            item.in_reply_to = parent.author.public_name
        by_root[reply.thread_root_id].replies.append(item)
    return ThreadPage(
        article=article,
        sort=sort,
        page=page,
        has_more=has_more,
        entries=entries,
    )



def _shown_top_level(*, site: Site, article: Article) -> "models.QuerySet[Comment]":
    """The top-level comments everyone sees on a thread: the same rule as `thread_page`
    for a reader who has nothing awaiting approval."""
    live_replies = Comment.objects.filter(
        site=site, thread_root=OuterRef("pk"), status__in=_LIVE
    )
    return Comment.objects.filter(site=site, article=article, thread_root__isnull=True).filter(
        Q(status__in=_LIVE) | Q(Exists(live_replies))
    )


@dataclass(frozen=True)
class ViewerOverlay:
    """What one reader sees on a page of a thread beyond the shared body everyone gets.

    The shared body (discussion/thread_cache.py) is rendered for a reader who is not
    signed in; this is the rest, read in a few small queries whatever the thread's size:
    who they are, what they may do, their marks on the page's comments, and their own
    comments that nobody else sees (held: a placeholder for others; awaiting approval:
    absent for others).
    """

    standing: Standing
    name: str  # the reader's public name; "" when not signed in
    closed: Verdict | None  # why nobody can comment now, if so (the same for everyone)
    recommended_ids: frozenset[int]
    reported_ids: frozenset[int]
    own_ids: frozenset[int]  # the reader's comments on this page, whatever their state
    editable_ids: frozenset[int]  # of those, the ones still inside the edit window
    editable_texts: dict[int, str]  # and their texts, for the edit forms
    # The reader's own held and pending comments on this page, as they alone see them, in
    # thread order; `entry.comment.parent_id` / `thread_root_id` say where each belongs.
    # Their own pending top-level comments are new, so they are shown on the first page.
    unpublished: list[ThreadEntry]

    @property
    def can_comment(self) -> bool:
        return self.closed is None and self.standing.can_comment

    @property
    def can_reply(self) -> bool:
        return self.can_comment


@lru_cache(maxsize=4)
def _reader_marks_sql(user: str = "%s", pad: str = "") -> str:
    """The reader's marks on an article as rows of (kind, id): `user` is the SQL for the
    reader's id (a parameter, or a subquery by their token's subject), `pad` more columns
    for a query that unites these rows with wider ones. Parameters: `_reader_marks_params`."""
    quote = connection.ops.quote_name
    comments, recommendations, reports, acceptances = (
        quote(model._meta.db_table) for model in (Comment, Recommendation, Report,
                                                   RulesAcceptance)
    )
    return (
        f"SELECT 'recommended', r.comment_id{pad} FROM {recommendations} r "
        f"JOIN {comments} c ON c.id = r.comment_id "
        f"WHERE r.site_id = %s AND r.user_id = {user} AND c.site_id = %s AND c.article_id = %s "
        f"UNION ALL SELECT 'reported', p.comment_id{pad} FROM {reports} p "
        f"JOIN {comments} c ON c.id = p.comment_id "
        f"WHERE p.site_id = %s AND p.reporter_id = {user} AND c.site_id = %s "
        f"AND c.article_id = %s "
        f"UNION ALL SELECT 'own', c.id{pad} FROM {comments} c "
        f"WHERE c.site_id = %s AND c.author_id = {user} AND c.article_id = %s "
        f"UNION ALL SELECT 'accepted', a.rules_version_id{pad} FROM {acceptances} a "
        f"WHERE a.site_id = %s AND a.user_id = {user} AND a.rules_version_id = %s"
    )


def _reader_marks_params(
    *, site: Site, article: Article, user: list[object], rules: RulesVersion | None
) -> list[object]:
    rules_id = rules.pk if rules is not None else 0
    return [
        site.pk, *user, site.pk, article.pk,  # recommended
        site.pk, *user, site.pk, article.pk,  # reported
        site.pk, *user, article.pk,  # own
        site.pk, *user, rules_id,  # accepted
    ]


MARK_KINDS = ("recommended", "reported", "own", "accepted")


@dataclass(frozen=True)
class _Marks:
    recommended: frozenset[int]
    reported: frozenset[int]
    own: frozenset[int]  # on the whole article
    accepted: frozenset[int]  # of the rules versions asked about


def _marks_key(
    site: Site, article: Article, user_id: int, rules: RulesVersion | None
) -> tuple[int, int, int, int]:
    return (site.pk, user_id, article.pk, rules.pk if rules is not None else 0)


def _reader_marks(
    *, site: Site, article: Article, user: User, rules: RulesVersion | None
) -> _Marks:
    """Everything of one reader's on one article, in one query: what they recommended and
    reported, which comments are theirs, and whether they accepted the current rules.

    Written in SQL because it runs on every subscriber's page view: the ORM took about a
    millisecond of Python to compile each of the four parts, for microseconds in the
    database. Every part is scoped by site, as the ORM's are. Read already in this request
    with the reader themselves (`reader_finder`), it costs no query.
    """
    seen: dict[tuple[int, int, int, int], _Marks] | None = getattr(_this_request, "marks", None)
    if seen is not None and (marks := seen.get(_marks_key(site, article, user.pk, rules))):
        return marks
    found: dict[str, set[int]] = {kind: set() for kind in MARK_KINDS}
    with connection.cursor() as cursor:
        cursor.execute(_reader_marks_sql(), _reader_marks_params(
            site=site, article=article, user=[user.pk], rules=rules))
        for kind, pk in cursor.fetchall():
            found[kind].add(pk)
    return _Marks(**{kind: frozenset(ids) for kind, ids in found.items()})


@lru_cache(maxsize=1)
def _reader_with_marks_sql() -> str:
    identities = rows.table(ExternalIdentity)
    by_subject = (f"(SELECT i.user_id FROM {identities} i "
                  f"WHERE i.site_id = %s AND i.subject = %s)")
    pad = ", NULL" * (KNOWN_READER_WIDTH + rows.width(User) - 1)
    reader = known_reader_sql("'reader', ")
    return f"{reader} UNION ALL {_reader_marks_sql(user=by_subject, pad=pad)}"


def reader_finder(*, article: Article) -> FindReader:
    """`verify_subscriber_token`'s lookup of the reader its verified token names, reading
    in the same query their marks on `article` (see `_reader_marks`), which are remembered
    for the rest of this request: a subscriber's per-reader request then costs one round
    trip for the reader and everything of theirs on the page, instead of two."""

    def find(site: Site, subject: str) -> KnownReader | None:
        if article.site_id != site.pk:  # not this site's article: nothing to read with them
            return known_reader(site, subject)
        rules = current_rules(site=site, with_rules=False)
        params = known_reader_params(site, subject) + _reader_marks_params(
            site=site, article=article, user=[site.pk, subject], rules=rules)
        found_rows = rows.fetch(_reader_with_marks_sql(), params)
        reader = None
        found: dict[str, set[int]] = {kind: set() for kind in MARK_KINDS}
        for row in found_rows:
            if row[0] == "reader":
                reader = known_reader_from_row(row[1:])
            else:
                found[row[0]].add(row[1])
        seen: dict[tuple[int, int, int, int], _Marks] | None = getattr(_this_request, "marks", None)
        if reader is not None and seen is not None:
            seen[_marks_key(site, article, reader.user.pk, rules)] = _Marks(
                **{kind: frozenset(ids) for kind, ids in found.items()})
        return reader

    return find


def viewer_overlay(
    *,
    site: Site,
    article: Article,
    sort: Sort,
    page: int,
    viewer: User | AnonymousUser,
    now: datetime,
    page_top_ids: list[int] | Callable[[], list[int]] | None = None,
) -> ViewerOverlay:
    """One reader's part of a page of the thread: one query for a subscriber who has
    written nothing on the article (their marks and rules acceptance, `_reader_marks`; the
    rules and who is sanctioned are kept per site; a token's verification has just read
    the subscription), two or three more for one who has (the page's top-level ids, their
    comments there); none for a reader who is not signed in.

    `page_top_ids`: the page's top-level ids in the shared rendering, or how to get them,
    when the caller has it at hand (the API keeps it with the cached document), saving the
    one query that grows with the thread; asked only for a reader who wrote on it."""
    # Selectors read; the edit window is the services' rule, asked here, not copied.
    from belowtheline.discussion.publishing import why_closed
    from belowtheline.discussion.services import can_still_edit

    if article.site_id != site.pk:
        raise NotFound("article_not_found", "That article does not exist.")
    closed = why_closed(article, now)
    if not viewer.is_authenticated:
        return ViewerOverlay(
            standing=viewer_standing(site=site, user=viewer, now=now), name="",
            closed=closed, recommended_ids=frozenset(), reported_ids=frozenset(),
            own_ids=frozenset(), editable_ids=frozenset(), editable_texts={}, unpublished=[],
        )
    assert isinstance(viewer, User)
    marks = _reader_marks(site=site, article=article, user=viewer,
                          rules=current_rules(site=site, with_rules=False))
    standing = viewer_standing(site=site, user=viewer, now=now,
                               accepted=lambda version: version.pk in marks.accepted)
    own: list[Comment] = []
    if marks.own:
        # Most readers have written nothing on the article; for those who have, which of
        # their comments are on this page, in full.
        offset = (page - 1) * PAGE_SIZE
        if callable(page_top_ids):
            page_top_ids = page_top_ids()
        top_ids = page_top_ids if page_top_ids is not None else list(
            _shown_top_level(site=site, article=article)
            .order_by(*_ORDERINGS[sort])
            .values_list("pk", flat=True)[offset : offset + PAGE_SIZE]
        )
        on_page = Q(pk__in=top_ids) | Q(thread_root_id__in=top_ids)
        if page == 1:
            on_page |= Q(thread_root__isnull=True, status=Comment.Status.PENDING)
        own = list(
            Comment.objects.filter(site=site, article=article, author=viewer)
            .filter(on_page)
            .select_related("author", "parent__author")
            .order_by("created_at", "pk")
        )
    recommended = marks.recommended
    reported = marks.reported
    unpublished = []
    for comment in own:
        if comment.status not in (Comment.Status.HELD, Comment.Status.PENDING):
            continue
        entry = ThreadEntry(comment=comment, is_own=True)
        parent = comment.parent
        if (
            parent is not None
            and comment.parent_id != comment.thread_root_id
            and parent.status == Comment.Status.PUBLISHED
        ):
            entry.in_reply_to = parent.author.public_name
        unpublished.append(entry)
    editable = {c.pk: c.text for c in own if can_still_edit(c, now)}
    return ViewerOverlay(
        standing=standing,
        name=viewer.public_name,
        closed=closed,
        recommended_ids=recommended,
        reported_ids=reported,
        own_ids=frozenset(c.pk for c in own),
        editable_ids=frozenset(editable),
        editable_texts=editable,
        unpublished=unpublished,
    )
