"""A comment as a row of the dashboard: what the row shows (`build_rows`, the one place
a row's data is worked out) and its HTML (`row_html`), for the queue tabs, a comment's
page and an author's page alike.

The HTML is written here rather than in a template because a page of 50 rows has a dozen
forms each: through Django's template engine that was 50-60 ms of CPU a page, most of a
rendering, and here it is a few. Everything a reader or an author wrote goes through
`_e` (HTML escaping, as the templates' autoescaping does); what is marked safe is our
own markup or was escaped where it was built. To show something new in a row (a triage
score, say), add it to `Row` in `build_rows` and print it in the section of `row_html`
where it belongs.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince

from belowtheline.discussion.models import Comment, Report, Rule
from belowtheline.moderation.models import Sanction
from belowtheline.moderation.selectors import QueueItem
from belowtheline.sites.models import Site

# The queue shows a reason in a word or two; the reader's form spells out its examples.
REASON_SHORT = {value: label.split(" (")[0] for value, label in Report.Reason.choices}
STATUS_LABELS = dict(Comment.Status.choices)
SANCTION_LABELS = dict(Sanction.Kind.choices)


def _e(value: object) -> str:
    """As the templates' autoescaping: our own safe markup as it is, anything else escaped."""
    if isinstance(value, SafeData):
        return str(value)
    return escape(str(value))


def _s(n: int) -> str:
    """The template filter `pluralize`."""
    return "" if n == 1 else "s"


@dataclass(frozen=True)
class Problem:
    """A refused action, shown at its row with what the moderator had typed."""

    message: str
    form: str  # dismiss | amend | remove | hold | release | approve | reject | sanction | …
    comment_id: int | None = None
    data: QueryDict | None = None

    def value(self, name: str) -> str:
        """What the moderator had put in one field of the refused form."""
        return self.data.get(name, "") if self.data is not None else ""


@dataclass(frozen=True)
class Moment:
    """An instant as a row shows it, in the site's time: `<time datetime=iso title=long>
    short</time>`. Formatted here because Django's date filter costs tens of microseconds
    a call and a page of rows has hundreds; the names come from Django's translations."""

    iso: str
    long: str  # 24 November 2026, 17:57 GMT (the filter's 'j F Y, H:i T')
    short: str  # Tue 24 Nov, 17:57 ('D j M, H:i')

    @classmethod
    def of(cls, site: Site, instant: datetime | None) -> "Moment | None":
        if instant is None:
            return None
        local = instant.astimezone(site.zone)
        clock_time = f"{local.hour:02d}:{local.minute:02d}"
        return cls(
            iso=local.isoformat(),
            long=f"{local.day} {MONTHS[local.month]} {local.year}, {clock_time} "
                 f"{local.tzname()}",
            short=f"{WEEKDAYS_ABBR[local.weekday()]} {local.day} "
                  f"{str(MONTHS_3[local.month]).title()}, {clock_time}",
        )


def _day(site: Site, instant: datetime, *, year: bool = False) -> str:
    """'4 Dec' or '4 Dec 2026' in the site's time (the date filter's 'j M' and 'j M Y')."""
    local = instant.astimezone(site.zone)
    text = f"{local.day} {str(MONTHS_3[local.month]).title()}"
    return f"{text} {local.year}" if year else text


@dataclass
class Row:
    """A queue item as a row shows it."""

    item: QueueItem
    reasons: list[tuple[str, str, int]]  # (code, short label, count), most reported first
    problem: Problem | None = None
    urls: dict[str, str] = field(default_factory=dict)  # its links and forms' actions
    pk: str = ""  # the comment's id as text: it is in a dozen attributes of the row
    posted: Moment | None = None
    first_report: Moment | None = None
    first_report_ago: str = ""
    reasons_html: str = ""  # the reasons as the row's badges
    hidden: str = ""  # every decision form's hidden fields (CSRF, next, seen decision)
    author_hidden: str = ""  # the author forms' (CSRF, next, row)
    priority: str = ""  # the score as shown, one decimal

    @property
    def comment(self) -> Comment:
        return self.item.comment


@dataclass(frozen=True)
class RowChoices:
    """What every row's forms offer, worked out once a page: the rules to cite and the
    sanctions, as lists (a refused form marks the moderator's choice) and as <option>s."""

    rules: list[Rule]
    rule_options: SafeString
    sanction_options: SafeString

    @classmethod
    def of(cls, rules: Iterable[Rule]) -> "RowChoices":
        rule_list = list(rules)
        return cls(
            rules=rule_list,
            rule_options=mark_safe("".join(  # noqa: S308 - escaped here
                f'<option value="{_e(r.number)}">{_e(r.number)}. {_e(r.title)}</option>'
                for r in rule_list)),
            sanction_options=mark_safe("".join(  # noqa: S308 - our own labels, escaped
                f'<option value="{_e(value)}">{_e(_sanction_choice(value))}</option>'
                for value in SANCTION_LABELS)),
        )

    def rule_select(self, problem: Problem | None, form: str) -> str:
        """A rule <select>'s options: the moderator's choice marked when their form came
        back refused, the page's shared options otherwise."""
        if problem is None or problem.form != form:
            return self.rule_options
        chosen = problem.value("rule")
        return "".join(
            f'<option value="{_e(r.number)}"{" selected" if chosen == str(r.number) else ""}>'
            f"{_e(r.number)}. {_e(r.title)}</option>" for r in self.rules)

    def sanction_select(self, problem: Problem | None) -> str:
        if problem is None or problem.form != "sanction":
            return self.sanction_options
        chosen = problem.value("kind")
        return "".join(
            f'<option value="{_e(value)}"{" selected" if chosen == value else ""}>'
            f"{_e(_sanction_choice(value))}</option>" for value in SANCTION_LABELS)


def _sanction_choice(kind: str) -> str:
    return "Suspension for…" if kind == Sanction.Kind.SUSPENSION else SANCTION_LABELS[kind]


# --- a row's data ---------------------------------------------------------------------------

# A row links to its comment, author and thread and has a form for each action: reversing
# a dozen URLs for each of 50 rows was a good part of the page's time. Each address is
# reversed once a page with a stand-in id, and the row's ids are put in its place.
_STAND_IN = 2_147_483_647
_BY_COMMENT = {"comment": "moderation_comment",
               **{action: f"moderation_{action}" for action in
                  ("dismiss", "amend", "remove", "hold", "release", "approve", "reject")}}
_BY_AUTHOR = {"user": "moderation_user", "sanction": "moderation_sanction",
              "note": "moderation_note"}


def _url_patterns(site: Site) -> dict[str, str]:
    def pattern(name: str) -> str:
        return reverse(name, args=[site.slug, _STAND_IN]).replace(str(_STAND_IN), "{}")

    return {key: pattern(name) for key, name in {**_BY_COMMENT, **_BY_AUTHOR,
                                                 "thread": "thread"}.items()}


def _row_urls(patterns: dict[str, str], comment: Comment) -> dict[str, str]:
    urls = {key: patterns[key].format(comment.pk) for key in _BY_COMMENT}
    urls.update({key: patterns[key].format(comment.author_id) for key in _BY_AUTHOR})
    urls["thread"] = patterns["thread"].format(comment.article_id)
    return urls


def _priority(score: float) -> str:
    """The score with one decimal, halves rounded up (the template filter `floatformat:1`):
    scores are whole thousandths, so this is exact."""
    tenths = (round(score * 1000) + 50) // 100
    return f"{tenths // 10}.{tenths % 10}"


def build_rows(site: Site, items: list[QueueItem], problem: Problem | None, here: str, *,
               csrf_token: str, now: datetime) -> list[Row]:
    """The rows as the page shows them, with what every row repeats (addresses, ids, the
    forms' hidden fields) worked out here once."""
    patterns = _url_patterns(site)
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(csrf_token)}">'
    next_field = f'<input type="hidden" name="next" value="{_e(here)}">'
    rows = []
    for item in items:
        comment = item.comment
        reasons = [(code, REASON_SHORT.get(code, code), n)
                   for code, n in item.reasons.most_common()]
        rows.append(Row(
            item=item,
            reasons=reasons,
            reasons_html="".join(
                f'<span class="reason reason-{_e(code)}">{_e(label)}'
                f'{f" ×{n}" if n > 1 else ""}</span>' for code, label, n in reasons),
            first_report_ago=timesince(item.first_report_at, now)
            if item.first_report_at else "",
            problem=problem if problem and problem.comment_id == comment.pk else None,
            urls=_row_urls(patterns, comment),
            pk=str(comment.pk),
            posted=Moment.of(site, comment.created_at),
            first_report=Moment.of(site, item.first_report_at),
            hidden=f'{token}{next_field}<input type="hidden" name="seen_decision" '
                   f'value="{item.last_decision_id}">',
            author_hidden=f'{token}{next_field}<input type="hidden" name="row" '
                          f'value="{comment.pk}">',
            priority=_priority(item.score),
        ))
    return rows


# --- a row's HTML ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RowLayout:
    """Which parts a page's rows have: the queue's rows can be selected for the bulk form;
    the queue and a comment's page offer the author's sanctions and notes; an author's own
    page leaves out who wrote each comment."""

    selectable: bool = False
    author_actions: bool = False
    hide_author: bool = False


def rows_html(site: Site, rows: list[Row], choices: RowChoices, layout: RowLayout) -> SafeString:
    return mark_safe("".join(  # noqa: S308 - row_html escapes what it prints
        row_html(site, row, choices, layout) for row in rows))


def row_html(site: Site, row: Row, choices: RowChoices, layout: RowLayout) -> str:
    """One <li> of a queue: its badges and links, the comment (and what it replies to),
    its reports, its author's record, and the decisions open to it."""
    c, item, pk = row.comment, row.item, row.pk
    out: list[str] = []
    add = out.append
    classes = f"row status-{_e(c.status)}{' legal' if item.legal_risk else ''}" + (
        " has-problem" if row.problem else "")
    add(f'\n<li id="row-{pk}" class="{classes}" tabindex="-1" data-row data-comment="{pk}">'
        '\n  <div class="row-head">')
    if layout.selectable:
        add(f'<input type="checkbox" name="comment" value="{pk}:{item.last_decision_id}" '
            f'form="bulk" aria-label="Select comment #{pk}" data-row-select>')
    if item.legal_risk:
        add('<span class="badge legal">Legal risk</span>')
    if item.flag is not None:
        add('<span class="badge triage-held">Held by triage</span>' if item.flag.held
            else '<span class="badge flagged">Flagged by triage</span>')
    add(_status_badge(c))
    if c.amended_at:
        add('<span class="badge amended">Amended</span>')
    if c.edited_at:
        add('<span class="badge edited">Edited by author</span>')
    article = c.article
    add(f'<a class="article" href="{_e(row.urls["thread"])}#comment-{pk}">'
        f"{_e(article.title)}</a>")
    if article.comment_mode != "open":
        add(f'<span class="mode">comments '
            f"{_e(article.get_comment_mode_display().lower())}</span>")
    posted = row.posted
    meta = (f'<span class="row-meta">\n      <a href="{_e(row.urls["comment"])}" '
            f"title=\"This comment's audit trail\">#{pk}</a>\n      · "
            f'{_time(posted)}')
    if item.open_reports:
        meta += ('\n      · <span class="score" title="Priority: reports weighted by '
                 "reporters' track record and triage's scores, plus age\">priority "
                 f"{row.priority}</span>")
    add(meta + "\n    </span>\n  </div>")
    if c.parent_id is not None and c.parent is not None:
        add(_parent(c.parent))
    text = c.text.replace("\r\n", "\n").replace("\r", "\n")
    add(f'<div class="comment-text">{_e(text).replace(chr(10), "<br>")}</div>')
    if item.open_reports:
        add(_reports(row))
    if item.scores:
        add(_scores(item))
    if not layout.hide_author:
        add(_author_line(site, row))
    add(_actions(row, choices, layout))
    add("</li>\n")
    return "\n    ".join(out)


def _time(moment: Moment | None) -> str:
    if moment is None:
        return '<time datetime="" title=""></time>'
    return (f'<time datetime="{_e(moment.iso)}" title="{_e(moment.long)}">'
            f"{_e(moment.short)}</time>")


def _status_badge(c: Comment) -> str:
    if c.status == Comment.Status.HELD:
        return '<span class="badge held">Held</span>'
    if c.status == Comment.Status.PENDING:
        return '<span class="badge pending">Awaiting approval</span>'
    if c.status == Comment.Status.REMOVED:
        rule = f" · rule {_e(c.moderation_rule.number)}" if c.moderation_rule else ""
        return f'<span class="badge removed">Removed{rule}</span>'
    if c.status == Comment.Status.DELETED:
        return '<span class="badge deleted">Deleted by author</span>'
    return ""


def _parent(parent: Comment) -> str:
    state = ("" if parent.status == Comment.Status.PUBLISHED
             else f" ({_e(STATUS_LABELS.get(parent.status, parent.status).lower())})")
    return (f'<blockquote class="parent"><span class="label">In reply to '
            f"{_e(parent.author.public_name)}{state}:</span> "
            f"{_e(Truncator(parent.text).chars(300))}</blockquote>")


def _reports(row: Row) -> str:
    item = row.item
    first = row.first_report
    notes = ""
    if item.notes:
        notes = "".join(f"<li>{_e(note)}</li>" for note in item.notes)
        if item.more_notes:
            notes += (f'<li class="hint"><a href="{_e(row.urls["comment"])}">'
                      f"{item.more_notes} more note{_s(item.more_notes)}</a></li>")
        notes = f'<ul class="report-notes">{notes}</ul>'
    weighed = item.weight_words.split(" (", 1)
    weight = (f' <span class="weight" title="Reports weighed by who filed them, as the '
              f'automatic holds compare them">({_e(weighed[1])}</span>'
              if len(weighed) == 2 else "")
    return (f'<div class="reports">\n    <strong>{item.open_reports} report'
            f"{_s(item.open_reports)}</strong>{weight}\n    {row.reasons_html}\n    "
            f'<span class="age">first <time datetime="{_e(first.iso if first else "")}" '
            f'title="{_e(first.long if first else "")}">{_e(row.first_report_ago)} ago'
            f"</time></span>\n    {notes}\n  </div>")


def _scores(item: QueueItem) -> str:
    """Triage's scores worth a look, each in its scorer's words; those that reached the
    site's flag threshold first, marked. Explanations quote the comment and the article
    (a phrase, a name, a paragraph's opening): escaped like everything a reader wrote."""
    lines = "".join(
        f'<li class="triage-score{" over" if line.flagged else ""}" '
        f'data-scorer="{_e(line.scorer)}" title="{_e(line.version)}">'
        f'<span class="label">{_e(line.label)}</span> <strong>{line.score:.2f}</strong>'
        f'{" — " + _e(line.explanation) if line.explanation else ""}</li>'
        for line in item.scores)
    return f'<ul class="triage-scores" aria-label="Triage scores">{lines}</ul>'


def _author_line(site: Site, row: Row) -> str:
    c, record = row.comment, row.item.author
    out = [f'<div class="author-line">\n    by <a class="author-name" '
           f'href="{_e(row.urls["user"])}">{_e(c.author.public_name)}</a> '
           f'<span class="username">{_e(c.author.username)}</span>']
    if record:
        upheld = ' class="upheld"' if record.reports_upheld else ""
        out.append(f'<span class="record">{record.comments_posted:,} comment'
                   f"{_s(record.comments_posted)} · <span title=\"Comments of theirs on "
                   f'which reports were upheld"{upheld}>{record.reports_upheld} upheld '
                   "against them</span></span>")
        out.append("".join(
            f'<span class="badge sanction">{_e(SANCTION_LABELS.get(s.kind, s.kind))}'
            f'{f" until {_day(site, s.ends_at)}" if s.ends_at else ""}</span>'
            for s in record.sanctions))
        if record.notes:
            notes = "".join(
                f'<li>{_e(note.text)} <span class="hint">— '
                f'{_e((note.author.get_username() if note.author else "") or "a former moderator")}'
                f", {_day(site, note.created_at, year=True)}</span></li>"
                for note in record.notes)
            count = len(record.notes)
            out.append(f'<details class="notes-fold"><summary>{count} note{_s(count)}'
                       f'</summary>\n      <ul class="mod-notes">{notes}</ul>\n    </details>')
    out.append("</div>")
    return "\n    ".join(out)


def _inline_form(action: str, hidden: str, label: str, name: str, *,
                 css: str = "secondary") -> str:
    """A one-button decision (dismiss, hold, release, approve)."""
    css_attr = f' class="{css}"' if css else ""
    return (f'<form class="inline" method="post" action="{_e(action)}">\n      {hidden}\n'
            f'      <button type="submit"{css_attr} data-action="{name}">{label}</button>\n'
            "    </form>")


def _actions(row: Row, choices: RowChoices, layout: RowLayout) -> str:
    """The decisions open to the comment in its state. Each form sends the last decision
    the moderator saw, so a decision made meanwhile by someone else is never overwritten."""
    c, p, pk, urls, hidden = row.comment, row.problem, row.pk, row.urls, row.hidden
    out = ['<div class="row-actions">']
    add = out.append

    def opened(form: str) -> str:
        return " open" if p is not None and p.form == form else ""

    def typed(form: str, name: str) -> str:
        return _e(p.value(name)) if p is not None and p.form == form else ""

    if c.status in (Comment.Status.PUBLISHED, Comment.Status.HELD):
        if row.item.open_reports and c.status == Comment.Status.PUBLISHED:
            add(_inline_form(urls["dismiss"], hidden, "Dismiss reports", "dismiss"))
        elif row.item.flag is not None and c.status == Comment.Status.PUBLISHED:
            add(_inline_form(urls["dismiss"], hidden, "Dismiss flag", "dismiss"))
        if c.status == Comment.Status.PUBLISHED:
            add(_inline_form(urls["hold"], hidden, "Hold", "hold"))
        else:
            add(_inline_form(urls["release"], hidden, "Release", "release"))
        add(f'<details class="fold" data-fold="remove"{opened("remove")}>\n'
            f'      <summary>Remove</summary>\n'
            f'      <form method="post" action="{_e(urls["remove"])}" class="decision">\n'
            f"        {hidden}\n"
            f'        <label for="remove-rule-{pk}">Rule broken</label>\n'
            f'        <select id="remove-rule-{pk}" name="rule" required>\n'
            f'          <option value="">Choose a rule…</option>\n'
            f'          {choices.rule_select(p, "remove")}\n'
            f"        </select>\n"
            f'        <label for="remove-reason-{pk}">Reason <span class="hint">(optional; '
            f"the author is told)</span></label>\n"
            f'        <input type="text" id="remove-reason-{pk}" name="reason" '
            f'maxlength="2000" value="{typed("remove", "reason")}">\n'
            f'        <button type="submit" class="danger">Remove, citing this rule</button>\n'
            f"      </form>\n    </details>")
        text = typed("amend", "text") if p is not None and p.form == "amend" else _e(c.text)
        add(f'<details class="fold" data-fold="amend"{opened("amend")}>\n'
            f'      <summary>Amend</summary>\n'
            f'      <form method="post" action="{_e(urls["amend"])}" class="decision">\n'
            f"        {hidden}\n"
            f'        <label for="amend-text-{pk}">Amended text</label>\n'
            f'        <textarea id="amend-text-{pk}" name="text" rows="4" maxlength="5000" '
            f"required>{text}</textarea>\n"
            f'        <label for="amend-rule-{pk}">Rule broken</label>\n'
            f'        <select id="amend-rule-{pk}" name="rule" required>\n'
            f'          <option value="">Choose a rule…</option>\n'
            f'          {choices.rule_select(p, "amend")}\n'
            f"        </select>\n"
            f'        <label for="amend-reason-{pk}">Reason <span class="hint">(the author '
            f"is told)</span></label>\n"
            f'        <input type="text" id="amend-reason-{pk}" name="reason" '
            f'maxlength="2000" required value="{typed("amend", "reason")}">\n'
            f'        <button type="submit">Save the amended text</button>\n'
            f"      </form>\n    </details>")
    elif c.status == Comment.Status.PENDING:
        add(_inline_form(urls["approve"], hidden, "Approve", "approve", css=""))
        add(f'<details class="fold" data-fold="reject"{opened("reject")}>\n'
            f'      <summary>Reject</summary>\n'
            f'      <form method="post" action="{_e(urls["reject"])}" class="decision">\n'
            f"        {hidden}\n"
            f'        <label for="reject-rule-{pk}">Rule broken <span class="hint">(or give '
            f"a reason)</span></label>\n"
            f'        <select id="reject-rule-{pk}" name="rule">\n'
            f'          <option value="">No particular rule</option>\n'
            f'          {choices.rule_select(p, "reject")}\n'
            f"        </select>\n"
            f'        <label for="reject-reason-{pk}">Reason <span class="hint">(the author '
            f"is told)</span></label>\n"
            f'        <input type="text" id="reject-reason-{pk}" name="reason" '
            f'maxlength="2000" value="{typed("reject", "reason")}">\n'
            f'        <button type="submit" class="danger">Reject</button>\n'
            f"      </form>\n    </details>")
    if layout.author_actions:
        fold_open = " open" if p is not None and p.form in ("sanction", "note") else ""
        add(f'<details class="fold" data-fold="author"{fold_open}>\n'
            f"    <summary>Author…</summary>\n    " + author_actions_html(
                person_name=c.author.public_name, form_id=pk, sanction_url=urls["sanction"],
                note_url=urls["note"], hidden=row.author_hidden, problem=p,
                choices=choices) + "\n  </details>")
    add(f'<a class="audit-link" href="{_e(urls["comment"])}">Audit trail</a>')
    if not layout.hide_author:
        add(f'<a class="audit-link" href="{_e(urls["user"])}">Author’s record</a>')
    if p is not None:
        add(f'<p class="alert error row-problem" role="alert">{_e(p.message)}</p>')
    add("</div>")
    return "\n  ".join(out)


def author_actions_html(*, person_name: str, form_id: str, sanction_url: str, note_url: str,
                        hidden: str, problem: Problem | None, choices: RowChoices) -> str:
    """Sanctions and notes on one author, on this site only: in a row, and on the
    author's own page."""
    p = problem

    def typed(form: str, name: str, default: str = "") -> str:
        return _e(p.value(name)) if p is not None and p.form == form else default

    return (
        '<div class="author-actions">\n'
        f'  <form method="post" action="{_e(sanction_url)}" class="decision sanction-form">\n'
        f"    {hidden}\n"
        "    <fieldset>\n"
        f"      <legend>Sanction {_e(person_name)}</legend>\n"
        f'      <label for="kind-{form_id}">Measure</label>\n'
        f'      <select id="kind-{form_id}" name="kind" required>\n'
        f"        {choices.sanction_select(p)}\n"
        "      </select>\n"
        f'      <label for="days-{form_id}">Days <span class="hint">(suspension only)</span>'
        "</label>\n"
        f'      <input type="number" id="days-{form_id}" name="days" min="1" max="3650" '
        f'inputmode="numeric" value="{typed("sanction", "days", "7")}">\n'
        f'      <label for="sanction-reason-{form_id}">Reason <span class="hint">(recorded)'
        "</span></label>\n"
        f'      <input type="text" id="sanction-reason-{form_id}" name="reason" '
        f'maxlength="2000" required value="{typed("sanction", "reason")}">\n'
        '      <button type="submit" class="danger">Apply</button>\n'
        "    </fieldset>\n"
        "  </form>\n"
        f'  <form method="post" action="{_e(note_url)}" class="decision note-form">\n'
        f"    {hidden}\n"
        "    <fieldset>\n"
        "      <legend>Note for other moderators</legend>\n"
        f'      <label for="note-{form_id}" class="visually-hidden">Note</label>\n'
        f'      <textarea id="note-{form_id}" name="text" rows="2" maxlength="2000" '
        f'required>{typed("note", "text")}</textarea>\n'
        '      <button type="submit" class="secondary">Add note</button>\n'
        "    </fieldset>\n"
        "  </form>\n"
        "</div>"
    )


def hidden_fields(*, csrf_token: str, here: str, **more: Any) -> str:
    """A form's hidden fields: the CSRF token, where to come back to, and any others."""
    extra = "".join(f'<input type="hidden" name="{_e(name)}" value="{_e(value)}">'
                    for name, value in more.items())
    return (f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(csrf_token)}">'
            f'<input type="hidden" name="next" value="{_e(here)}">{extra}')
