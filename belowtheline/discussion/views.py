"""The reader's pages: the thread, the rules, and the forms that change a thread.

A view parses the request, asks a selector or calls a service, and shows the outcome. Who
may do what is the services' decision: a refusal (`BtlError`) comes back as the page with
the refusal's message and its HTTP status, so nothing is half done and a reader never
meets a server error because a rule said no. Every form works without JavaScript.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from belowtheline import clock, fastpath
from belowtheline.accounts.views import SeeOther, safe_next_url
from belowtheline.discussion import selectors, services, thread_cache
from belowtheline.discussion.errors import DiscussionError
from belowtheline.discussion.forms import (
    AcceptRulesForm,
    CommentForm,
    EditCommentForm,
    RecommendForm,
    ReportForm,
    cleaned,
)
from belowtheline.discussion.hooks import Verdict
from belowtheline.discussion.models import Article, Comment, Report, RulesVersion
from belowtheline.discussion.publishing import why_closed
from belowtheline.discussion.selectors import Sort
from belowtheline.errors import BtlError
from belowtheline.security import content_security_policy
from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.cover import describe_cover
from belowtheline.sites.models import Site
from belowtheline.sites.selectors import site_by_slug

SORT_LABELS = {
    Sort.NEWEST: "Newest",
    Sort.OLDEST: "Oldest",
    Sort.MOST_RECOMMENDED: "Most recommended",
}

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Problem:
    """A refused action, shown on the re-rendered thread with what the reader had typed."""

    message: str
    form: str  # comment | reply | edit | delete | recommend | report
    comment_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class SortLink:
    label: str
    url: str
    current: bool


def render_refusal(
    request: HttpRequest,
    error: BtlError,
    *,
    site: Site | None = None,
    back_url: str | None = None,
) -> HttpResponse:
    """A small page saying what was refused and why, with the refusal's status."""
    return render(
        request,
        "error.html",
        {"error": error, "site": site, "back_url": back_url},
        status=error.status,
    )


def shows_refusals(view: View) -> View:
    """An unknown site or article, or a bad sort or page, is the reader's page, not a 500."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BtlError as error:
            return render_refusal(request, error)

    return wrapper


def parse_sort_and_page(request: HttpRequest) -> tuple[Sort, int]:
    return (
        selectors.parse_sort(request.GET.get("sort")),
        selectors.parse_page(request.GET.get("page")),
    )


def thread_url(site: Site, article: Article) -> str:
    return reverse("thread", args=[site.slug, article.pk])


def subscribe_url(site: Site) -> str:
    """The publisher's subscription page; without one, our page explaining the policy."""
    return site.subscribe_url or reverse("why_subscribers", args=[site.slug])


def _with_query(base: str, **params: object) -> str:
    return f"{base}?{urlencode(params)}"


def _anchored(url: str, anchor: str) -> str:
    return f"{url.split('#', 1)[0]}#{anchor}"


def _comment_box(closed: Verdict | None, standing: selectors.Standing) -> str:
    """Which comment box this viewer gets, in the order the policy asks the questions."""
    if closed is not None:
        return "closed"
    if not standing.subscriber:
        return "invite"
    if standing.refusal is not None:
        return "refused"
    if standing.rules is None:
        return "no_rules"
    if standing.must_accept_rules:
        return "accept"
    return "comment"


def _split_messages(
    request: HttpRequest, on_page: set[int]
) -> tuple[list[Message], dict[int, list[Message]]]:
    """Flash messages about one comment are shown at that comment, where the reader lands
    after the redirect (#comment-ID); the rest go above the comment box."""
    general: list[Message] = []
    by_comment: dict[int, list[Message]] = {}
    for message in messages.get_messages(request):
        tag = message.extra_tags or ""
        if tag.startswith("comment-") and tag[8:].isdigit() and int(tag[8:]) in on_page:
            by_comment.setdefault(int(tag[8:]), []).append(message)
        else:
            general.append(message)
    return general, by_comment


def thread_context(
    request: HttpRequest,
    *,
    site: Site,
    article: Article,
    sort: Sort,
    page: int,
    next_url: str,
    problem: Problem | None = None,
) -> dict[str, object]:
    """Everything `discussion/_thread.html` needs, for the thread page and the demo article,
    as the reader making this request sees it (their controls, their flash messages).

    `next_url` is the page the reader is on: forms send them back there, and sort and
    "Show more" links are built on its path, so the thread works inside any page.
    """
    now = clock.now()
    standing = selectors.viewer_standing(site=site, user=request.user, now=now)
    thread = selectors.thread_page(
        site=site, article=article, sort=sort, page=page, viewer=request.user
    )
    entries = [e for top in thread.entries for e in (top, *top.replies)]
    editable = {
        e.comment.pk for e in entries if e.is_own and services.can_still_edit(e.comment, now)
    }
    flash, comment_flash = _split_messages(request, {e.comment.pk for e in entries})
    return _context(
        site=site, article=article, sort=sort, page=page, next_url=next_url,
        standing=standing, thread=thread, closed=why_closed(article, now), editable=editable,
        problem=problem, flash=flash, comment_flash=comment_flash,
    )


def _context(
    *,
    site: Site,
    article: Article,
    sort: Sort,
    page: int,
    next_url: str,
    standing: selectors.Standing,
    thread: selectors.ThreadPage,
    closed: Verdict | None,
    editable: set[int] | frozenset[int],
    problem: Problem | None,
    flash: list[Message],
    comment_flash: dict[int, list[Message]],
) -> dict[str, object]:
    base_url = urlsplit(next_url).path
    box = _comment_box(closed, standing)
    return {
        "site": site,
        "article": article,
        # From the schedule itself, so the notice cannot disagree with the configuration.
        "cover_hours": describe_cover(site=site),
        "standing": standing,
        "thread": thread,
        "box": box,
        "closed": closed,
        "can_reply": box == "comment",
        "editable": editable,
        "next_url": next_url,
        # A new comment is on the first page of most sorts: don't send its author to page 9.
        "box_next_url": _with_query(base_url, sort=sort.value),
        "sort_links": [
            SortLink(label, _with_query(base_url, sort=value.value), value == sort)
            for value, label in SORT_LABELS.items()
        ],
        "more_url": _with_query(base_url, sort=sort.value, page=page + 1),
        "first_url": _with_query(base_url, sort=sort.value),
        "subscribe_url": subscribe_url(site),
        "max_length": services.MAX_COMMENT_LENGTH,
        "max_note_length": services.MAX_REPORT_NOTE_LENGTH,
        "report_reasons": Report.Reason.choices,
        "disagree": services.DISAGREE,
        "problem": problem,
        "flash": flash,
        "comment_flash": comment_flash,
    }


def render_thread(
    request: HttpRequest,
    slug: str,
    article_id: int,
    template: str,
    *,
    extra: Callable[[Site], dict[str, object]] | None = None,
) -> HttpResponse:
    """A page with the thread of one article: the thread page itself, or an article page
    that includes it (the demo's). `extra` adds to the context what depends on the site."""
    site = site_by_slug(slug)
    article = selectors.get_article(site=site, article_id=article_id)
    try:
        sort, page = parse_sort_and_page(request)
    except DiscussionError as error:
        return render_refusal(request, error, site=site, back_url=request.path)
    context = thread_context(
        request, site=site, article=article, sort=sort, page=page,
        next_url=request.get_full_path(),
    )
    if extra is not None:
        context.update(extra(site))
    return render(request, template, context)


@require_safe
@shows_refusals
def thread(request: HttpRequest, slug: str, article_id: int) -> HttpResponse:
    """The thread, with minimal chrome: it is what the publisher's page frames.

    A reader who is not signed in here (no session cookie, no token) gets the shared body,
    rendered once per change of the thread and served from the cache and the fast path;
    a signed-in reader gets their own page, every form working without JavaScript.

    With `?embed=1` it is the embed's iframe: only the site's allowed origins may frame it
    (CSP frame-ancestors, which browsers prefer to X-Frame-Options, dropped for this response
    alone), and its script takes the reader's token only from those origins.
    """
    embed = request.GET.get("embed") == "1"
    if reads_shared_thread(request):
        return _shared_thread(request, slug, article_id, embed=embed)
    if not embed:
        response = render_thread(request, slug, article_id, "discussion/thread.html")
    else:
        origins: list[str] = []

        def embed_context(site: Site) -> dict[str, object]:
            origins.extend(site.origins)
            return {"embed": True, "embed_origins": " ".join(site.origins)}

        response = render_thread(
            request, slug, article_id, "discussion/thread.html", extra=embed_context
        )
        response["Content-Security-Policy"] = frame_ancestors(origins)
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "private, no-cache"
    return response


def frame_ancestors(origins: list[str]) -> str:
    """The embed's whole policy: ours, with the site's origins allowed to frame it."""
    return content_security_policy(frame_ancestors=["'self'", *origins])


def reads_shared_thread(request: HttpRequest) -> bool:
    """Whether this request gets the body shared by everyone who is not signed in: no token,
    no session cookie of ours, and no flash message waiting in a cookie for this reader."""
    return (
        "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def shared_thread_url(site: Site, article: Article, *, sort: Sort, page: int, embed: bool) -> str:
    """The one address a shared body links back to (sign in, forms' `next`), whatever
    spelling of it was asked for, so that one rendering serves every spelling."""
    params: dict[str, object] = {}
    if sort != Sort.NEWEST:
        params["sort"] = sort.value
    if page > 1:
        params["page"] = page
    if embed:
        params["embed"] = 1
    base = thread_url(site, article)
    return _with_query(base, **params) if params else base


def shared_thread_context(
    *, site: Site, article: Article, sort: Sort, page: int, embed: bool,
    closed: Verdict | None,
) -> dict[str, object]:
    """The thread as a reader who is not signed in sees it, and nothing of anyone else: no
    request goes into it (so no CSRF token, session or flash message can), and `now` only
    through `closed`, which is part of the cache key."""
    anonymous = AnonymousUser()
    next_url = shared_thread_url(site, article, sort=sort, page=page, embed=embed)
    context = _context(
        site=site, article=article, sort=sort, page=page, next_url=next_url,
        standing=selectors.viewer_standing(site=site, user=anonymous, now=clock.now()),
        thread=selectors.thread_page(
            site=site, article=article, sort=sort, page=page, viewer=anonymous
        ),
        closed=closed, editable=set(), problem=None, flash=[], comment_flash={},
    )
    context.update(user=anonymous, come_back_to=next_url)
    if embed:
        # The embed's script fills in a reader's controls from these, after the viewer JSON.
        context.update(embed=True, embed_origins=" ".join(site.origins), controls=True)
    return context


def _shared_thread(request: HttpRequest, slug: str, article_id: int, *, embed: bool
                   ) -> HttpResponse:
    site = site_by_slug(slug)
    article = selectors.get_article(site=site, article_id=article_id)
    try:
        sort, page = parse_sort_and_page(request)
    except DiscussionError as error:
        return render_refusal(request, error, site=site, back_url=request.path)
    # Commenting can close by the clock (N days after publication, no cover): the only part
    # of the body that depends on `now`, so it is part of the key.
    closed = why_closed(article, clock.now())
    variant = "|".join([
        "html", "embed" if embed else "page", sort.value, str(page),
        closed.reason if closed else "open", closed.message if closed else "",
    ])

    def render_body() -> thread_cache.Rendering:
        context = shared_thread_context(
            site=site, article=article, sort=sort, page=page, embed=embed, closed=closed
        )
        return thread_cache.Rendering(
            body=render_to_string("discussion/thread.html", context).encode(),
            content_type="text/html; charset=utf-8",
            headers=(
                (("Content-Security-Policy", frame_ancestors(site.origins)),) if embed else ()
            ),
        )

    cached = thread_cache.cached_rendering(
        site=site, article=article, variant=variant, render=render_body
    )
    return thread_cache.cached_response(request, cached, fast_path=fastpath.ANONYMOUS)


@require_safe
def thread_viewer(request: HttpRequest, slug: str, article_id: int) -> HttpResponse:
    """What this reader sees on a page of the thread beyond the shared body, as JSON: the
    embed's script fills in the comment box and the controls from it. Never cached."""
    try:
        site = site_by_slug(slug)
        article = selectors.get_article(site=site, article_id=article_id)
        sort, page = parse_sort_and_page(request)
    except BtlError as error:
        return _private(JsonResponse(error.as_dict(), status=error.status))
    now = clock.now()
    overlay = selectors.viewer_overlay(
        site=site, article=article, sort=sort, page=page, viewer=request.user, now=now
    )
    embed = request.GET.get("embed") == "1"
    # A CSRF token only for a session: a token's requests need none, and it is this
    # reader's own, in a response nobody else gets.
    with_session = request.user.is_authenticated and getattr(request, "btl_auth", None) is None
    on_page = overlay.own_ids | {e.comment.pk for e in overlay.unpublished}
    flash, comment_flash = _split_messages(request, set(on_page)) if with_session else ([], {})
    standing = overlay.standing
    box = _comment_box(overlay.closed, standing)
    as_request = request if with_session else None

    @functools.cache
    def context() -> dict[str, object]:
        # Only for what is rendered here: a token reader's box usually comes from memory,
        # and reversing its addresses was a tenth of the request.
        next_url = shared_thread_url(site, article, sort=sort, page=page, embed=embed)
        return {
            "site": site, "article": article, "standing": standing, "box": box,
            "closed": overlay.closed, "next_url": next_url, "problem": None,
            "subscribe_url": subscribe_url(site), "max_length": services.MAX_COMMENT_LENGTH,
            "box_next_url": _with_query(urlsplit(next_url).path, sort=sort.value),
            "can_reply": overlay.can_reply, "editable": overlay.editable_ids,
            "comment_flash": comment_flash,
        }

    def render_box() -> str:
        return render_to_string(
            "discussion/_respond.html", {**context(), "flash": flash}, request=as_request
        )

    if with_session or box == "refused":
        box_html = render_box()  # a session's CSRF token and flash; a reader's sanction
    else:
        # Without a session the box holds nothing of the reader's: the same bytes for
        # every token reader of this page in this configuration, rendered once.
        # The key names what the box's addresses are made of (`shared_thread_url`: the
        # site's address, the article, the page asked for, the script prefix).
        rules = standing.rules
        box_html = site_cached(site, (
            "viewer-box", box, standing.signed_in, rules.pk if rules else None, article.pk,
            article.comment_mode, site.slug, sort, page, embed, get_script_prefix(),
            overlay.closed,
        ), render_box)
    unpublished = [
        {
            "id": entry.comment.pk,
            "parent_id": entry.comment.parent_id,
            "thread_root_id": entry.comment.thread_root_id,
            "state": entry.state,
            "html": render_to_string(
                "discussion/_viewer_comment.html", {**context(), "entry": entry},
                request=as_request,
            ),
        }
        for entry in overlay.unpublished
    ]
    return _private(JsonResponse({
        # The version this answer was read at: a page older than that is fetched again.
        "thread_version": article.thread_version,
        "signed_in": standing.signed_in,
        "name": overlay.name,
        "subscriber": standing.subscriber,
        "can_comment": overlay.can_comment,
        "must_accept_rules": standing.must_accept_rules,
        "can_reply": overlay.can_reply,
        "box": box,
        "box_html": box_html,
        "csrf_token": get_token(request) if with_session else None,
        "recommended": sorted(overlay.recommended_ids),
        "reported": sorted(overlay.reported_ids),
        "own": sorted(overlay.own_ids),
        "editable": sorted(overlay.editable_ids),
        "edit_texts": {str(pk): text for pk, text in overlay.editable_texts.items()},
        "unpublished": unpublished,
        "flash": [
            {"level": m.level_tag, "message": str(m), "comment_id": comment_id}
            for comment_id, items in [(None, flash), *comment_flash.items()]
            for m in items
        ],
    }))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(
    request: HttpRequest,
    error: BtlError,
    *,
    site: Site,
    article: Article,
    next_url: str,
    problem: Problem,
) -> HttpResponse:
    """The thread again, as the reader left it, with the refusal and what they typed."""
    query = QueryDict(urlsplit(next_url).query)
    try:
        sort = selectors.parse_sort(query.get("sort"))
        page = selectors.parse_page(query.get("page"))
    except DiscussionError:
        sort, page = Sort.NEWEST, 1
    context = thread_context(
        request, site=site, article=article, sort=sort, page=page, next_url=next_url,
        problem=problem,
    )
    return render(request, "discussion/thread.html", context, status=error.status)


def _parent_id(request: HttpRequest) -> int | None:
    raw = request.POST.get("parent_id", "")
    return int(raw) if raw.isdigit() else None


@require_POST
@shows_refusals
def post_comment(request: HttpRequest, slug: str, article_id: int) -> HttpResponse:
    site = site_by_slug(slug)
    article = selectors.get_article(site=site, article_id=article_id)
    next_url = safe_next_url(request, thread_url(site, article))
    try:
        data = cleaned(CommentForm(request.POST))
        parent = (
            selectors.get_comment(site=site, comment_id=data["parent_id"])
            if data["parent_id"]
            else None
        )
        comment = services.post_comment(
            site=site, article=article, author=request.user, text=data["text"], parent=parent,
            idempotency_key=services.idempotency_key_from(
                request.headers.get("Idempotency-Key")),
        )
    except BtlError as error:
        parent_id = _parent_id(request)
        problem = Problem(
            error.message, "reply" if parent_id else "comment", parent_id,
            request.POST.get("text", ""),
        )
        return _refused(
            request, error, site=site, article=article, next_url=next_url, problem=problem
        )
    if comment.status == Comment.Status.PENDING:
        messages.info(
            request,
            "Thank you. Your comment will appear once a moderator has checked it.",
            extra_tags=f"comment-{comment.pk}",
        )
    return SeeOther(_anchored(next_url, f"comment-{comment.pk}"))


def _act_on_comment(
    request: HttpRequest, slug: str, comment_id: int, *, form: str, act: Callable[[Site], str]
) -> HttpResponse:
    """Run one action on a comment and send the reader back to it, or show the refusal.

    The comment is looked up first only to know its thread (for the way back and for the
    page showing a refusal); `act` calls the service, which checks everything itself.
    """
    site = site_by_slug(slug)
    comment = selectors.get_comment(site=site, comment_id=comment_id)
    next_url = safe_next_url(request, thread_url(site, comment.article))
    try:
        message = act(site)
    except BtlError as error:
        problem = Problem(error.message, form, comment_id, request.POST.get("text", ""))
        return _refused(
            request, error, site=site, article=comment.article, next_url=next_url,
            problem=problem,
        )
    if message:
        messages.success(request, message, extra_tags=f"comment-{comment_id}")
    return SeeOther(_anchored(next_url, f"comment-{comment_id}"))


@require_POST
@shows_refusals
def edit_comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    def act(site: Site) -> str:
        data = cleaned(EditCommentForm(request.POST))
        services.edit_own_comment(
            site=site, comment_id=comment_id, author=request.user, text=data["text"]
        )
        return "Your comment has been updated."

    return _act_on_comment(request, slug, comment_id, form="edit", act=act)


@require_POST
@shows_refusals
def delete_comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    def act(site: Site) -> str:
        services.delete_own_comment(site=site, comment_id=comment_id, author=request.user)
        return "Your comment has been deleted."

    return _act_on_comment(request, slug, comment_id, form="delete", act=act)


@require_POST
@shows_refusals
def recommend_comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    def act(site: Site) -> str:
        data = cleaned(RecommendForm(request.POST))
        if data["action"] == "add":
            services.recommend_comment(site=site, comment_id=comment_id, user=request.user)
        else:
            services.withdraw_recommendation(
                site=site, comment_id=comment_id, user=request.user
            )
        return ""  # the button's new state says it

    return _act_on_comment(request, slug, comment_id, form="recommend", act=act)


@require_http_methods(["GET", "POST"])
@shows_refusals
def report_comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """POST files the report; GET is the report form for readers without JavaScript
    (with it, the same form opens in a dialog on the thread)."""
    if request.method == "GET":
        return _report_page(request, slug, comment_id)

    def act(site: Site) -> str:
        data = cleaned(ReportForm(request.POST))
        outcome = services.report_comment(
            site=site,
            comment_id=comment_id,
            reporter=request.user,
            reason=data["reason"],
            note=data["note"],
        )
        return outcome.message

    return _act_on_comment(request, slug, comment_id, form="report", act=act)


def _report_page(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    site = site_by_slug(slug)
    comment = selectors.get_comment(site=site, comment_id=comment_id)
    next_url = safe_next_url(request, thread_url(site, comment.article))
    return render(
        request,
        "discussion/report.html",
        {
            "site": site,
            "comment": comment,
            "shows_text": comment.status == Comment.Status.PUBLISHED,
            "next_url": next_url,
            "cancel_url": _anchored(next_url, f"comment-{comment.pk}"),
            "report_reasons": Report.Reason.choices,
            "disagree": services.DISAGREE,
            "max_note_length": services.MAX_REPORT_NOTE_LENGTH,
        },
    )


@require_POST
@shows_refusals
def accept_rules(request: HttpRequest, slug: str) -> HttpResponse:
    site = site_by_slug(slug)
    next_url = safe_next_url(request, reverse("rules", args=[site.slug]))
    try:
        data = cleaned(AcceptRulesForm(request.POST))
        services.accept_rules(
            site=site, user=request.user, rules_version_id=data["rules_version_id"]
        )
    except BtlError as error:
        return render_refusal(request, error, site=site, back_url=next_url)
    messages.success(request, "Thank you. You can now join the discussion.")
    return SeeOther(_anchored(next_url, "respond"))


def _rules_page(
    request: HttpRequest, site: Site, version: RulesVersion | None
) -> HttpResponse:
    history = selectors.rules_history(site=site)
    current = history[0] if history else None
    superseded = version is not None and current is not None and version.pk != current.pk
    replaced_by = None
    if superseded and version is not None:
        replaced_by = min(
            (v for v in history if v.number > version.number), key=lambda v: v.number
        )
    return render(
        request,
        "discussion/rules.html",
        {
            "site": site,
            "version": version,
            "current": current,
            "superseded": superseded,
            "replaced_by": replaced_by,
            "others": [v for v in history if version is None or v.pk != version.pk],
        },
    )


@require_GET
@shows_refusals
def rules(request: HttpRequest, slug: str) -> HttpResponse:
    site = site_by_slug(slug)
    return _rules_page(request, site, selectors.current_rules(site=site))


@require_GET
@shows_refusals
def rules_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A version by number, current or not: moderators cite a rule as it stood then."""
    site = site_by_slug(slug)
    return _rules_page(request, site, selectors.rules_version(site=site, number=number))


@require_GET
@shows_refusals
def why_subscribers(request: HttpRequest, slug: str) -> HttpResponse:
    site = site_by_slug(slug)
    return render(request, "discussion/why_subscribers.html", {"site": site})
