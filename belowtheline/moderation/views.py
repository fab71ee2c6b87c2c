"""The moderation dashboard at /moderate/: the queues, one comment's story, one author's
record, and the forms that decide.

Views parse the request, ask a selector or call a service, and show the outcome; every
rule (who may act, which rule may be cited, whether someone else decided first) is the
services'. A refusal (`BtlError`) comes back as the page the moderator was on, with the
refusal's message and its HTTP status, and nothing changed. Every form works without
JavaScript; moderation.js adds the keyboard and bulk selection on top.
"""

import csv
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import formats
from django.utils.datastructures import MultiValueDict
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from belowtheline import clock
from belowtheline.accounts.models import StaffRole
from belowtheline.accounts.selectors import staff_role
from belowtheline.accounts.views import SeeOther, safe_next_url
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import selectors as discussion
from belowtheline.discussion.models import Article, Comment, Report
from belowtheline.errors import BtlError
from belowtheline.moderation import forms, queue_cache, selectors, services
from belowtheline.moderation.errors import AlreadyDecided, ModerationError, NotAllowed, NotFound
from belowtheline.moderation.forms import cleaned
from belowtheline.moderation.models import AuditEntry, Sanction
from belowtheline.moderation.rows import (
    REASON_SHORT,
    Problem,
    Row,
    RowChoices,
    RowLayout,
    author_actions_html,
    build_rows,
    hidden_fields,
    rows_html,
)
from belowtheline.moderation.selectors import QueueFilters, QueueItem
from belowtheline.sites.cover import cover_at
from belowtheline.sites.models import CoverKind, Site
from belowtheline.sites.selectors import site_by_slug

View = Callable[..., HttpResponse]

TAB_LABELS = {
    "reported": "Reported",
    "flagged": "Flagged",
    "held": "Held",
    "recent": "All recent",
    "decided": "Decided",
}
EMPTY_TABS = {
    "reported": "No open reports. Readers' complaints appear here as they come in.",
    "flagged": "Nothing flagged. Comments whose triage scores reach the site's flag "
               "thresholds, and that nobody has reported, appear here.",
    "held": "Nothing is held or awaiting approval.",
    "recent": "No comments yet.",
    "decided": "No decisions yet.",
}
# Which parts a page's rows have (see rows.RowLayout).
QUEUE_ROWS = RowLayout(selectable=True, author_actions=True)
COMMENT_PAGE_ROW = RowLayout(author_actions=True)
AUTHOR_PAGE_ROWS = RowLayout(hide_author=True)
QUEUE_TABS = {
    "reported": selectors.reported_queue,
    "flagged": selectors.flagged_queue,
    "held": selectors.held_queue,
    "recent": selectors.recent_queue,
}
EXPORT_LIMIT = 100_000
CSV_COLUMNS = [
    "time", "actor", "action", "comment id", "article", "author", "rule", "reason",
    "text before", "text after", "cover",
]
# A cell starting with one of these is a formula to a spreadsheet: a commenter could make
# an admin's Excel run one. A leading quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- who may look -------------------------------------------------------------------------

def refusal(request: HttpRequest, error: BtlError, *, site: Site | None = None,
            back_url: str | None = None) -> HttpResponse:
    return render(request, "error.html", {"error": error, "site": site, "back_url": back_url},
                  status=error.status)


def staff_only(view: View) -> View:
    """This site's moderators, editors and admins; everyone else is refused, as the
    services would refuse them, before anything of the site is read.

    An anonymous visitor asking for a page is sent to sign in; an anonymous POST is simply
    refused (there is no page to come back to, and no form of theirs to resend).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated and request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path())
        try:
            site = site_by_slug(slug)
            role = services.moderating_role(site=site, actor=request.user)
        except BtlError as error:
            return refusal(request, error)
        request.btl_staff_role = (site.pk, role)  # type: ignore[attr-defined]
        return view(request, site, *args, **kwargs)

    return wrapper


# --- shared pieces ------------------------------------------------------------------------

@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str
    current: bool
    waiting: str = ""  # comments waiting in the tab, where that means something: "12", "1,000+"


def local_time(site: Site, instant: datetime) -> str:
    return formats.date_format(instant.astimezone(site.zone), "D j M, H:i")


def cover_line(site: Site, now: datetime) -> tuple[str, str]:
    """"Part-time cover until Thu 26 Nov, 09:00", in the site's own time."""
    state = cover_at(site=site, instant=now)
    label = "No moderator cover" if state.kind == CoverKind.NONE else f"{state.label} cover"
    if state.until is not None:
        label = f"{label} until {local_time(site, state.until)}"
    return label, str(state.kind)


def _frame(request: HttpRequest, site: Site, now: datetime, here: str) -> dict[str, object]:
    """What every dashboard page shows around its content: who is looking, and the cover."""
    # As staff_only found it for this request and site (one query fewer a page).
    checked = getattr(request, "btl_staff_role", None)
    role = (checked[1] if checked and checked[0] == site.pk
            else staff_role(site=site, user=request.user)) or StaffRole.Role.MODERATOR
    cover, cover_kind = cover_line(site, now)
    return {
        "site": site,
        "role_label": StaffRole.Role(role).label,
        # Only to hide what would be refused; the services decide.
        "can_edit": role in selectors.EDITING_ROLES,
        "can_export": role == StaffRole.Role.ADMIN,
        "cover": cover,
        "cover_kind": cover_kind,
        "here": here,
    }


def _choices(site: Site) -> RowChoices:
    """What the rows' forms offer: the site's current rules to cite, and the sanctions."""
    rules = discussion.current_rules(site=site)
    return RowChoices.of(rules.rules.all() if rules else [])


def _rows(site: Site, items: list[QueueItem], problem: Problem | None, here: str, *,
          csrf_token: str, layout: RowLayout) -> tuple[list[Row], SafeString]:
    """The page's rows, and their HTML."""
    rows = build_rows(site, items, problem, here, csrf_token=csrf_token, now=clock.now())
    return rows, rows_html(site, rows, _choices(site), layout)


def _waiting(count: int | None) -> str:
    """A tab's count as its label shows it: counts stop at `COUNT_CAP`."""
    if not count:
        return ""
    return f"{selectors.COUNT_CAP:,}+" if count > selectors.COUNT_CAP else f"{count:,}"


def _queue_url(site: Site, **params: object) -> str:
    base = reverse("moderation_queue", args=[site.slug])
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


def _status_for(error: BtlError | None) -> int:
    return error.status if error else 200


# --- the site picker and the queues ---------------------------------------------------------

@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The sites this person moderates; straight to the only one when there is one."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    sites = selectors.moderated_sites(user=request.user)
    if not sites:
        return refusal(request, NotAllowed(
            "not_a_moderator", "Only moderators can use the moderation dashboard."))
    if len(sites) == 1:
        return redirect("moderation_queue", sites[0].slug)
    return render(request, "moderation/sites.html", {"sites": sites})


@require_GET
@staff_only
def queue(request: HttpRequest, site: Site) -> HttpResponse:
    return _queue_page(request, site, request.GET, here=request.get_full_path())


def _queue_page(request: HttpRequest, site: Site, query: QueryDict, *, here: str,
                error: BtlError | None = None, problem: Problem | None = None) -> HttpResponse:
    """A tab of the queue. Its tabs, filters and rows are the same for every moderator
    with the same powers until the queue changes, so they are rendered once per change
    (`queue_cache`) with a stand-in for the CSRF token; a page showing a refused form is
    rendered for its moderator alone."""
    now = clock.now()
    frame = _frame(request, site, now, here)
    wanted = _wanted(query)
    token = get_token(request)
    fell_back: list[BtlError] = []

    def render_body(csrf_token: str) -> tuple[str, bool]:
        html, fallback = _queue_body(site, now, wanted, here=here, error=error,
                                     problem=problem, can_edit=bool(frame["can_edit"]),
                                     csrf_token=csrf_token)
        if fallback is not None:
            fell_back.append(fallback)
        return html, fallback is None

    if error is None and problem is None:
        key = queue_cache.key_for(
            site=site, version=report_figures.queue_version(site=site),
            variant=f"{here}|edit={frame['can_edit']}")
        body = queue_cache.cached_page(
            key=key, render=lambda: render_body(queue_cache.CSRF_MARK)).with_token(token)
    else:
        body = [render_body(token)[0].encode()]
    error = error or (fell_back[0] if fell_back else None)
    context = {
        **frame,
        "tab_label": TAB_LABELS[wanted.tab],
        "body": _BODY_MARK,
        "error": error,
        "problem": problem,
    }
    # The page around the body (its moderator's name, role, the cover) is kept per
    # moderator too, unless it shows messages or a refusal; the body, 400 KB of rows, goes
    # in as bytes, copied once.
    kept = None if error or problem else queue_cache.frame_for(
        request, site=site, template="moderation/queue.html", context=context, here=here,
        body_mark=_BODY_MARK)
    if kept is not None:
        return HttpResponse(kept.around(body, token))
    response = render(request, "moderation/queue.html", context, status=_status_for(error))
    before, after = response.content.split(_BODY_MARK.encode(), 1)
    response.content = [before, *body, after]
    return response


# Where the body goes in the page; like CSRF_MARK, no escaped text can spell it.
_BODY_MARK = mark_safe("<btl-queue-body>")


def _wanted(query: QueryDict) -> "forms.QueueQuery":
    """The address's query as the form reads it. An address of ordinary length is read
    once per process (validating the form costs a quarter of a millisecond, on every
    reload of a page); a longer one, which nothing of ours links to, every time, so that
    what is kept stays small."""
    items = tuple((name, tuple(values)) for name, values in query.lists())
    if sum(len(name) + sum(map(len, values)) for name, values in items) > 512:
        return forms.QueueQueryForm(query).query()
    return _queue_query(items)


@functools.lru_cache(maxsize=1024)
def _queue_query(items: tuple[tuple[str, tuple[str, ...]], ...]) -> "forms.QueueQuery":
    return forms.QueueQueryForm(MultiValueDict({name: list(v) for name, v in items})).query()


def _queue_body(site: Site, now: datetime, wanted: "forms.QueueQuery", *, here: str,
                error: BtlError | None, problem: Problem | None, can_edit: bool,
                csrf_token: str) -> tuple[str, BtlError | None]:
    """The tabs, filters and rows of a queue page, and the refusal of its cursor when the
    page had to fall back to the first one."""
    tab, article_id, search = wanted.tab, wanted.article_id, wanted.search
    reason = wanted.reason if tab == "reported" else None
    filters = QueueFilters(article_id=article_id, reason=reason, search=search)
    items: list[QueueItem] = []
    entries: list[AuditEntry] = []
    next_after: str | None = None
    looked_through: int | None = None
    fallback: BtlError | None = None
    if tab in QUEUE_TABS:
        try:
            page = QUEUE_TABS[tab](site=site, now=now, filters=filters, after=wanted.after)
        except ModerationError as bad_cursor:  # an old or hand-made page link: page one
            fallback = bad_cursor
            page = QUEUE_TABS[tab](site=site, now=now, filters=filters)
        items, next_after, looked_through = page.items, page.next_after, page.looked_through
    else:
        entries = selectors.decided(site=site)
    error = error or fallback

    # The article filter offers the articles in view, and the one chosen: a national title
    # has thousands of articles, and the ones with comments in the queue are what matter.
    articles = {item.comment.article_id: item.comment.article for item in items}
    chosen: Article | None = None
    if article_id:
        chosen = articles.get(article_id)
        if chosen is None:
            try:
                chosen = discussion.get_article(site=site, article_id=article_id)
            except BtlError:
                chosen = None
        if chosen is not None:
            articles[chosen.pk] = chosen
    kept = {"article": article_id, "q": search}
    waiting = selectors.queue_counts(site=site)
    rows, html = _rows(site, items, problem, here, csrf_token=csrf_token, layout=QUEUE_ROWS)
    context = {
        "site": site,
        "here": here,
        "rules": _choices(site).rules,
        "comment_modes": Article.CommentMode.choices,
        "can_edit": can_edit,
        "csrf_token": csrf_token,
        "tab": tab,
        "tab_label": TAB_LABELS[tab],
        "tabs": [
            Tab(key, label, _queue_url(site, tab=key, **kept,
                                       reason=reason if key == "reported" else None),
                key == tab, _waiting(waiting.get(key)))
            for key, label in TAB_LABELS.items()
        ],
        "rows": rows,
        "rows_html": html,
        "page_size": selectors.PAGE_SIZE,
        "looked_through": looked_through,
        "paged": bool(wanted.after) and error is None,
        "first_page_url": _queue_url(site, tab=tab, **kept, reason=reason),
        "next_url": _queue_url(site, tab=tab, **kept, reason=reason, after=next_after)
        if next_after else None,
        "entries": entries,
        "empty": EMPTY_TABS[tab],
        "filters": {"article": article_id, "reason": reason or "", "q": search},
        "filtered": bool(article_id or reason or search),
        "clear_url": _queue_url(site, tab=tab),
        "articles": sorted(articles.values(), key=lambda a: a.title.lower()),
        "chosen_article": chosen,
        "reasons": [(value, REASON_SHORT[value]) for value in Report.Reason.values],
        "problem": problem,
    }
    return render_to_string("moderation/_queue_body.html", context), fallback


# --- one comment, one author --------------------------------------------------------------

@require_GET
@staff_only
def comment_page(request: HttpRequest, site: Site, comment_id: int) -> HttpResponse:
    try:
        return _comment_page(request, site, comment_id, here=request.get_full_path())
    except BtlError as error:
        return refusal(request, error, site=site, back_url=_queue_url(site))


def _comment_page(request: HttpRequest, site: Site, comment_id: int, *, here: str,
                  error: BtlError | None = None, problem: Problem | None = None) -> HttpResponse:
    """The comment and everything that has happened to it, oldest first: its story."""
    now = clock.now()
    item = selectors.queue_item(site=site, comment_id=comment_id, now=now)
    rows, html = _rows(site, [item], problem, here, csrf_token=get_token(request),
                       layout=COMMENT_PAGE_ROW)
    context = {
        **_frame(request, site, now, here),
        "comment_modes": Article.CommentMode.choices,
        "row": rows[0],
        "row_html": html,
        "audit": selectors.audit_for_comment(site=site, comment_id=comment_id),
        "edits": discussion.comment_edits(site=site, comment_id=comment_id),
        "error": error,
        "problem": problem,
    }
    return render(request, "moderation/comment.html", context, status=_status_for(error))


@require_GET
@staff_only
def user_page(request: HttpRequest, site: Site, user_id: int) -> HttpResponse:
    try:
        return _user_page(request, site, user_id, here=request.get_full_path())
    except BtlError as error:
        return refusal(request, error, site=site, back_url=_queue_url(site))


def _user_page(request: HttpRequest, site: Site, user_id: int, *, here: str,
               error: BtlError | None = None, problem: Problem | None = None) -> HttpResponse:
    """An author's record on this site: what moderators need before sanctioning anyone."""
    now = clock.now()
    person = selectors.author_on_site(site=site, user_id=user_id)
    record = selectors.author_records(site=site, user_ids=[person.pk], now=now)[person.pk]
    items = selectors.recent_queue(site=site, now=now,
                                   filters=QueueFilters(author_id=person.pk)).items
    token, choices = get_token(request), _choices(site)
    rows, html = _rows(site, items, problem, here, csrf_token=token, layout=AUTHOR_PAGE_ROWS)
    context = {
        **_frame(request, site, now, here),
        "rules": choices.rules,
        "person": person,
        "record": record,
        "rows": rows,
        "rows_html": html,
        "author_forms": mark_safe(author_actions_html(  # noqa: S308 - escaped there
            person_name=person.public_name, form_id="user",
            sanction_url=reverse("moderation_sanction", args=[site.slug, person.pk]),
            note_url=reverse("moderation_note", args=[site.slug, person.pk]),
            hidden=hidden_fields(csrf_token=token, here=here), problem=problem,
            choices=choices)),
        "audit": list(reversed(selectors.audit_for_user(site=site, user_id=person.pk))),
        "error": error,
        "problem": problem,
    }
    return render(request, "moderation/user.html", context, status=_status_for(error))


# --- after a form -------------------------------------------------------------------------

def _page_again(request: HttpRequest, site: Site, error: BtlError, *,
                problem: Problem | None = None) -> HttpResponse:
    """The page the moderator acted from, again, with the refusal and its status.

    Which page is told by the form's `next` (checked to stay on this host): the queue with
    its tab and filters, a comment's page, or an author's.
    """
    next_url = safe_next_url(request, _queue_url(site))
    parts = urlsplit(next_url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        match = None
    try:
        if match is not None and match.kwargs.get("slug") == site.slug:
            if match.url_name == "moderation_comment":
                return _comment_page(request, site, match.kwargs["comment_id"], here=next_url,
                                     error=error, problem=problem)
            if match.url_name == "moderation_user":
                return _user_page(request, site, match.kwargs["user_id"], here=next_url,
                                  error=error, problem=problem)
            return _queue_page(request, site, QueryDict(parts.query), here=next_url,
                               error=error, problem=problem)
        return _queue_page(request, site, QueryDict(""), here=_queue_url(site), error=error,
                           problem=problem)
    except BtlError as gone:  # the page itself no longer exists (an unknown comment)
        return refusal(request, error if error.status != 404 else gone, site=site,
                       back_url=_queue_url(site))


def _done(request: HttpRequest, site: Site, message: str, *, default: str | None = None,
          anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    next_url = safe_next_url(request, default or _queue_url(site))
    return SeeOther(f"{next_url.split('#', 1)[0]}{anchor}")


def _row_id(request: HttpRequest) -> int | None:
    """The queue row an author's form was sent from, to show a refusal where it happened."""
    raw = request.POST.get("row", "")
    return int(raw) if raw.isdigit() else None


def _who(comment: Comment) -> str:
    return f"{comment.author.public_name}'s comment (#{comment.pk})"


def _citing(comment: Comment) -> str:
    rule = comment.moderation_rule
    return f", citing rule {rule.number} ({rule.title})" if rule else ""


# --- decisions on comments ----------------------------------------------------------------

def _decide(action: str, request: HttpRequest, site: Site, comment_id: int,
            data: dict) -> str:
    """Call the one service for `action`; return what to tell the moderator."""
    common = {"site": site, "actor": request.user, "comment_id": comment_id,
              "seen_decision": data["seen_decision"]}
    if action == "dismiss":
        # "Dismiss flag" on a comment nobody reported closes only triage's flag: say so.
        reported = Report.objects.filter(site=site, comment_id=comment_id,
                                         status=Report.Status.OPEN).exists()
        comment = services.dismiss_reports(**common, reason=data["reason"])
        if not reported:
            return f"Flag on {_who(comment)} dismissed: it stays on the thread."
        return f"Reports on {_who(comment)} dismissed: it stays on the thread."
    if action == "amend":
        comment = services.amend_comment(**common, text=data["text"], rule=data["rule"],
                                         reason=data["reason"])
        return f"{_who(comment)} amended{_citing(comment)}."
    if action == "remove":
        comment = services.remove_comment(**common, rule=data["rule"], reason=data["reason"])
        return f"{_who(comment)} removed{_citing(comment)}."
    if action == "hold":
        comment = services.hold_comment(**common, reason=data["reason"])
        return f"{_who(comment)} held out of view."
    if action == "release":
        comment = services.release_comment(**common, reason=data["reason"])
        return f"{_who(comment)} released: it is back on the thread."
    if action == "approve":
        comment = services.approve_comment(**common)
        return f"{_who(comment)} approved: it is now on the thread."
    if action == "reject":
        comment = services.reject_comment(**common, rule=data["rule"], reason=data["reason"])
        return f"{_who(comment)} rejected{_citing(comment)}."
    raise NotFound("action_not_found", "No such action.")


COMMENT_ACTIONS = ("dismiss", "amend", "remove", "hold", "release", "approve", "reject")


@require_POST
@staff_only
def act_on_comment(request: HttpRequest, site: Site, comment_id: int, action: str) -> HttpResponse:
    try:
        data = cleaned(forms.DecisionForm(request.POST))
        message = _decide(action, request, site, comment_id, data)
    except BtlError as error:
        problem = Problem(error.message, action, comment_id, request.POST)
        return _page_again(request, site, error, problem=problem)
    return _done(request, site, message)


@require_POST
@staff_only
def bulk(request: HttpRequest, site: Site) -> HttpResponse:
    """Several comments, one service call and one audit entry each, so that one already
    decided by someone else is skipped and named rather than spoiling the rest."""
    try:
        data = cleaned(forms.BulkForm(request.POST))
        picked = forms.BulkForm.selected(request.POST.getlist("comment"))
    except BtlError as error:
        return _page_again(request, site, error,
                           problem=Problem(error.message, "bulk", None, request.POST))
    done: list[int] = []
    skipped: list[int] = []
    for comment_id, seen in picked:
        common = {"site": site, "actor": request.user, "comment_id": comment_id,
                  "seen_decision": seen}
        try:
            if data["action"] == "dismiss":
                services.dismiss_reports(**common, reason=data["reason"])
            else:
                services.remove_comment(**common, rule=data["rule"], reason=data["reason"])
        except (AlreadyDecided, NotFound):
            skipped.append(comment_id)
        except BtlError as error:
            # Each service checks its input (the rule cited) before touching a comment, so
            # a bad input is refused on the first comment, before anything changed.
            if not done:
                return _page_again(request, site, error,
                                   problem=Problem(error.message, "bulk", None, request.POST))
            raise
        else:
            done.append(comment_id)
    verb = "Dismissed the reports on" if data["action"] == "dismiss" else "Removed"
    told = (f"{verb} {len(done)} comment{'s' if len(done) != 1 else ''}." if done
            else "Nothing was changed.")
    if skipped:
        told += (
            f" {len(skipped)} had already been decided by someone else and "
            f"{'was' if len(skipped) == 1 else 'were'} left alone: "
            f"{', '.join(f'#{c}' for c in skipped)}."
        )
    messages.add_message(request, messages.SUCCESS if done else messages.WARNING, told)
    return SeeOther(safe_next_url(request, _queue_url(site)))


# --- authors ------------------------------------------------------------------------------

def _user_url(site: Site, user_id: int) -> str:
    return reverse("moderation_user", args=[site.slug, user_id])


@require_POST
@staff_only
def sanction_author(request: HttpRequest, site: Site, user_id: int) -> HttpResponse:
    try:
        data = cleaned(forms.SanctionForm(request.POST))
        sanction = services.sanction_author(site=site, actor=request.user, user_id=user_id,
                                            kind=data["kind"], days=data["days"],
                                            reason=data["reason"])
    except BtlError as error:
        problem = Problem(error.message, "sanction", _row_id(request), request.POST)
        return _page_again(request, site, error, problem=problem)
    name = sanction.user.public_name
    if sanction.kind == Sanction.Kind.PREMODERATION:
        message = f"{name} is now on pre-moderation: their new comments wait for approval."
    elif sanction.kind == Sanction.Kind.SUSPENSION and sanction.ends_at:
        message = f"{name} is suspended until {local_time(site, sanction.ends_at)}."
    else:
        message = f"{name} is banned from commenting on {site.name}."
    return _done(request, site, message, default=_user_url(site, user_id))


@require_POST
@staff_only
def lift_sanction(request: HttpRequest, site: Site, sanction_id: int) -> HttpResponse:
    try:
        data = cleaned(forms.LiftForm(request.POST))
        sanction = services.lift_sanction(site=site, actor=request.user,
                                          sanction_id=sanction_id, reason=data["reason"])
    except BtlError as error:
        return _page_again(request, site, error,
                           problem=Problem(error.message, "lift", None, request.POST))
    return _done(request, site,
                 f"{sanction.get_kind_display()} of {sanction.user.public_name} lifted.",
                 default=_user_url(site, sanction.user_id))


@require_POST
@staff_only
def add_note(request: HttpRequest, site: Site, user_id: int) -> HttpResponse:
    try:
        data = cleaned(forms.NoteForm(request.POST))
        note = services.add_moderator_note(site=site, actor=request.user, user_id=user_id,
                                           text=data["text"])
    except BtlError as error:
        problem = Problem(error.message, "note", _row_id(request), request.POST)
        return _page_again(request, site, error, problem=problem)
    return _done(request, site, f"Note on {note.user.public_name} added.",
                 default=_user_url(site, user_id))


@require_POST
@staff_only
def remove_all(request: HttpRequest, site: Site, user_id: int) -> HttpResponse:
    try:
        data = cleaned(forms.RemoveAllForm(request.POST))
        person = selectors.author_on_site(site=site, user_id=user_id)
        removed = services.remove_all_by_author(site=site, actor=request.user, user_id=user_id,
                                                rule=data["rule"], reason=data["reason"])
    except BtlError as error:
        return _page_again(request, site, error,
                           problem=Problem(error.message, "remove_all", None, request.POST))
    return _done(request, site,
                 f"Removed {removed} comment{'s' if removed != 1 else ''} by "
                 f"{person.public_name}, citing rule {data['rule']}.",
                 default=_user_url(site, user_id))


# --- articles -----------------------------------------------------------------------------

@require_POST
@staff_only
def comment_mode(request: HttpRequest, site: Site, article_id: int) -> HttpResponse:
    try:
        data = cleaned(forms.CommentModeForm(request.POST))
        article = services.set_comment_mode(site=site, actor=request.user,
                                            article_id=article_id, mode=data["mode"])
    except BtlError as error:
        return _page_again(request, site, error,
                           problem=Problem(error.message, "mode", None, request.POST))
    mode = Article.CommentMode(article.comment_mode).label.lower()
    return _done(request, site, f"Comments on “{article.title}” are now {mode}.")


# --- the audit trail as a spreadsheet -------------------------------------------------------

def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_row(entry: AuditEntry) -> list[str]:
    article = entry.comment.article if entry.comment else entry.article
    rule = f"{entry.rule.number}. {entry.rule.title}" if entry.rule else ""
    return [_cell(value) for value in (
        entry.created_at.astimezone(UTC).isoformat(timespec="seconds"),
        entry.actor_name,
        entry.action,
        entry.comment_id or "",
        article.title if article else "",
        entry.subject.username if entry.subject else "",
        rule,
        entry.reason,
        entry.text_before,
        entry.text_after,
        entry.cover,
    )]


@require_GET
@staff_only
def audit_csv(request: HttpRequest, site: Site) -> HttpResponse:
    """The whole trail, newest first, for the site's admins: it holds every removed text
    and every moderator's name, which is more than a moderator's job needs."""
    try:
        services.check_can_export_audit(site=site, actor=request.user)
    except NotAllowed as error:
        return refusal(request, error, site=site, back_url=_queue_url(site))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in selectors.decided(site=site, limit=EXPORT_LIMIT):
        writer.writerow(_csv_row(entry))
    stamp = clock.now().astimezone(site.zone).strftime("%Y-%m-%d")
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{site.slug}-audit-{stamp}.csv"'
    return response
