"""The HTML forms fuzzed with hypothesis: whatever is typed into any field of the comment,
reply, edit, report, sign-up and moderators' forms, the answer is a page or a redirect
(2xx, 3xx) or a refusal (4xx) with the form's error, never a 5xx; and what is accepted is
stored as typed, after the documented normalisation (line endings to LF, Unicode NFC,
surrounding whitespace trimmed), never altered or cut.

Bounded for CI (`BTL_FORM_FUZZ_EXAMPLES`, default 15 a form); derandomized, so a failure
repeats. Requests go through Django's test client, the whole middleware stack, against the
test's database.
"""

import os
import unicodedata

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from belowtheline.accounts.models import User
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation.models import ModeratorNote
from tests.conftest import make_staff, make_subscriber

EXAMPLES = int(os.environ.get("BTL_FORM_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

# Anything a browser can send in a form field: every code point but lone surrogates (which
# no browser can encode), often long, often with controls, bidi marks and combining marks.
typed = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.text(st.sampled_from("a \n\r\t\u200b\u202e\u2066\u0301\x00\x07<>&\"'é"), max_size=40),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=4990, max_size=5010),
)
# What a hostile client sends for a number or a choice.
numberish = st.one_of(st.integers(-2**70, 2**70).map(str), typed)


def as_stored(text: str) -> str:
    """The documented normalisation of typed text (discussion.services.clean_text)."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


@pytest.fixture
def forms_world(site, rules, article, settings):
    settings.BTL_RATE_LIMITS = {name: "100000/60" for name in settings.BTL_RATE_LIMITS}
    settings.BTL_RATE_SIGNUP = "100000/60"
    author = make_subscriber(site, username="sam", display_name="Sam Subscriber")
    parent = discussion.post_comment(site=site, article=article, author=author,
                                     text="The bridge is overdue.")
    mod = make_staff(site, "moderator", "mona_k")
    subscriber, moderator = Client(), Client()
    subscriber.force_login(author)
    moderator.force_login(mod)
    return {"site": site, "article": article, "author": author, "parent": parent,
            "subscriber": subscriber, "moderator": moderator}


def _never_a_server_error(response) -> None:
    assert response.status_code < 500, response.content[:500]


def test_the_comment_form_stores_what_it_accepts(forms_world):
    w = forms_world
    url = reverse("post_comment", args=[w["site"].slug, w["article"].pk])

    @FUZZ
    @given(text=typed, parent=st.one_of(st.none(), numberish, st.just(str(w["parent"].pk))))
    def post(text: str, parent: str | None) -> None:
        before = Comment.objects.count()
        data = {"text": text, **({"parent_id": parent} if parent is not None else {})}
        response = w["subscriber"].post(url, data)
        _never_a_server_error(response)
        created = Comment.objects.order_by("-pk").first()
        if Comment.objects.count() > before:
            assert response.status_code in (302, 303)
            assert created.text == as_stored(text)
        else:
            assert response.status_code >= 400  # refused, with the form again

    post()


def test_the_comment_form_refuses_bytes_that_are_not_utf8(forms_world):
    w = forms_world
    url = reverse("post_comment", args=[w["site"].slug, w["article"].pk])

    @FUZZ
    @given(raw=st.binary(min_size=1, max_size=200))
    def post(raw: bytes) -> None:
        before = Comment.objects.count()
        body = b"text=" + b"".join(b"%%%02X" % byte for byte in raw)
        response = w["subscriber"].generic("POST", url, body,
                                           content_type="application/x-www-form-urlencoded")
        _never_a_server_error(response)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            assert Comment.objects.count() == before  # nothing published from bad bytes
            return
        if Comment.objects.count() > before:
            assert Comment.objects.order_by("-pk").first().text == as_stored(text)

    post()


def test_the_edit_form_stores_what_it_accepts(forms_world):
    w = forms_world

    @FUZZ
    @given(text=typed)
    def edit(text: str) -> None:
        comment = discussion.post_comment(site=w["site"], article=w["article"],
                                          author=w["author"], text="Before the edit.")
        url = reverse("edit_comment", args=[w["site"].slug, comment.pk])
        response = w["subscriber"].post(url, {"text": text})
        _never_a_server_error(response)
        comment.refresh_from_db()
        if comment.text != "Before the edit.":
            assert comment.text == as_stored(text)
        else:
            assert response.status_code >= 400 or as_stored(text) == "Before the edit."

    edit()


def test_the_report_form_stores_what_it_accepts(forms_world, site, reader):
    w = forms_world
    client = Client()
    client.force_login(reader)

    @FUZZ
    @given(reason=st.one_of(st.sampled_from([*Report.Reason.values, "disagree"]), typed),
           note=typed)
    def report(reason: str, note: str) -> None:
        comment = discussion.post_comment(site=site, article=w["article"], author=w["author"],
                                          text="Report me.")
        url = reverse("report_comment", args=[site.slug, comment.pk])
        response = client.post(url, {"reason": reason, "note": note})
        _never_a_server_error(response)
        filed = Report.objects.filter(comment=comment).first()
        if filed is not None:
            assert (filed.reason, filed.note) == (reason, as_stored(note))

    report()


def test_the_signup_form_never_fails_on_what_is_typed(forms_world):
    url = reverse("signup")

    @FUZZ
    @given(username=typed, display_name=typed, email=typed, password=typed,
           same=st.booleans())
    def signup(username: str, display_name: str, email: str, password: str,
               same: bool) -> None:
        before = User.objects.count()
        response = Client().post(url, {
            "username": username, "display_name": display_name, "email": email,
            "password": password, "password_again": password if same else password + "x",
        })
        _never_a_server_error(response)
        if User.objects.count() == before:
            assert response.status_code >= 400  # the form again, with its errors

    signup()


def test_the_moderators_forms_never_fail_on_what_is_typed(forms_world):
    w = forms_world
    slug, author = w["site"].slug, w["author"].pk

    @FUZZ
    @given(action=st.sampled_from(["amend", "remove", "hold", "reject", "dismiss"]),
           text=typed, rule=numberish, reason=typed, seen=numberish)
    def decide(action: str, text: str, rule: str, reason: str, seen: str) -> None:
        comment = discussion.post_comment(site=w["site"], article=w["article"],
                                          author=w["author"], text="Moderate me.")
        url = reverse(f"moderation_{action}", args=[slug, comment.pk])
        response = w["moderator"].post(url, {"text": text, "rule": rule, "reason": reason,
                                             "seen_decision": seen})
        _never_a_server_error(response)
        comment.refresh_from_db()
        if action == "amend" and comment.text != "Moderate me.":
            assert comment.text == as_stored(text)

    @FUZZ
    @given(kind=st.one_of(st.sampled_from(["premoderation", "suspension", "ban"]), typed),
           days=numberish, reason=typed, note=typed)
    def sanction_and_note(kind: str, days: str, reason: str, note: str) -> None:
        response = w["moderator"].post(reverse("moderation_sanction", args=[slug, author]),
                                       {"kind": kind, "days": days, "reason": reason})
        _never_a_server_error(response)
        before = ModeratorNote.objects.count()
        response = w["moderator"].post(reverse("moderation_note", args=[slug, author]),
                                       {"text": note})
        _never_a_server_error(response)
        if ModeratorNote.objects.count() > before:
            assert ModeratorNote.objects.order_by("-pk").first().text == as_stored(note)

    decide()
    sanction_and_note()
