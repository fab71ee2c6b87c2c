"""The OpenAPI description says what the server accepts, and the server accepts what it
says. Each test here is a case the schema fuzz (test_schema_fuzz.py) found, kept so that it
fails on its own, with a name, if it comes back:

- an optional body was described as "an object or null", and null was refused (7 writes);
- `text`, `note` and the moderators' `reason` had no declared length limits;
- `page` was a free string and `sort` any string; the site's slug any string at all;
- 5.0 is an integer to JSON and its Schema, and was refused as an id;
- a key sent to an address with no site was answered 403 `api_key_wrong_site`, a status the
  description did not list for any operation.
"""

from typing import Any

import pytest
from django.test import Client

from belowtheline import clock
from belowtheline.accounts.api_keys import create_api_key
from belowtheline.discussion import selectors
from belowtheline.discussion import services as discussion
from belowtheline.discussion.services import MAX_COMMENT_LENGTH, MAX_REPORT_NOTE_LENGTH
from belowtheline.moderation.services import MAX_REASON_LENGTH
from tests.api.conftest import api_path, send


@pytest.fixture
def description(db) -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def _operations(description: dict[str, Any]):
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _body_schema(description: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        return description["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_an_optional_body_is_left_out_never_null(description):
    optional = [(path, method, operation) for path, method, operation in _operations(description)
                if "requestBody" in operation and not operation["requestBody"].get("required")]
    assert {path.rsplit("/", 1)[1] for path, _, _ in optional} >= {
        "acceptance", "dismiss", "hold", "release", "approve", "lift"}
    for path, method, operation in optional:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert {"type": "null"} not in schema.get("anyOf", []), (method, path)


@pytest.fixture
def as_moderator(client_for, moderator) -> Client:
    return client_for(moderator)


@pytest.fixture
def reported(site, comment, reader):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", note="Rude")
    return comment


@pytest.mark.parametrize("action", ["dismiss", "hold", "approve"])
def test_an_optional_body_may_be_left_out_and_null_is_refused_as_described(
    as_moderator, site, reported, action
):
    path = api_path(site, f"moderation/comments/{reported.pk}/{action}")
    null = send(as_moderator, "post", path, "null")
    assert (null.status_code, null.json()["code"]) == (400, "invalid_input")
    left_out = as_moderator.generic("POST", path)  # no body, no content type
    # Taken: the service answers (approving a published comment is a 409 of its own).
    assert left_out.status_code in (200, 409), left_out.json()
    assert left_out.json().get("code") != "invalid_input"


def test_rules_acceptance_needs_no_body(as_subscriber, site, rules):
    assert as_subscriber.generic("POST", api_path(site, "rules/acceptance")).status_code == 201


@pytest.mark.parametrize(
    ("schema_name", "field", "limit"),
    [
        ("CommentIn", "text", MAX_COMMENT_LENGTH),
        ("CommentEditIn", "text", MAX_COMMENT_LENGTH),
        ("ReportIn", "note", MAX_REPORT_NOTE_LENGTH),
        ("AmendIn", "text", MAX_COMMENT_LENGTH),
        ("AmendIn", "reason", MAX_REASON_LENGTH),
        ("RemoveIn", "reason", MAX_REASON_LENGTH),
        ("SanctionIn", "reason", MAX_REASON_LENGTH),
        ("ModeratorNoteIn", "text", 2000),
    ],
)
def test_typed_text_declares_the_limits_the_services_apply(description, schema_name, field,
                                                            limit):
    declared = description["components"]["schemas"][schema_name]["properties"][field]
    assert declared["maxLength"] == limit


def test_a_comment_at_the_declared_limit_is_taken_and_one_past_it_refused(
    description, as_subscriber, site, article
):
    limit = description["components"]["schemas"]["CommentIn"]["properties"]["text"]["maxLength"]
    path = api_path(site, f"articles/{article.pk}/comments")
    assert send(as_subscriber, "post", path, {"text": "a" * limit}).status_code == 201
    over = send(as_subscriber, "post", path, {"text": "b" * (limit + 1)})
    assert (over.status_code, over.json()["code"]) == (400, "text_too_long")
    empty = send(as_subscriber, "post", path, {"text": ""})  # under minLength 1
    assert empty.status_code == 400


def _query_parameter(description, path: str, name: str) -> dict[str, Any]:
    operation = description["paths"][path]["get"]
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def test_page_and_sort_are_described_as_the_server_reads_them(description, anonymous, site,
                                                              article):
    thread = "/api/v1/sites/{site}/articles/{article_id}/thread"
    page = _query_parameter(description, thread, "page")
    sort = _query_parameter(description, thread, "sort")
    assert (page["type"], page["minimum"], page["maximum"]) == ("integer", 1, selectors.MAX_PAGE)
    assert sort["enum"] == [s.value for s in selectors.Sort]
    base = api_path(site, f"articles/{article.pk}/thread")
    assert anonymous.get(base, {"page": page["maximum"], "sort": "oldest"}).status_code == 200
    for bad in [{"page": page["maximum"] + 1}, {"page": 0}, {"page": "two"},
                {"sort": "loudest"}]:
        assert anonymous.get(base, bad).status_code == 400, bad


def test_the_sites_slug_is_described_as_the_address_matches_it(description, anonymous):
    site = _query_parameter(description, "/api/v1/sites/{site}/rules", "site")
    assert site["pattern"] == r"^[-a-zA-Z0-9_]+$"
    answer = anonymous.get("/api/v1/sites/caf%C3%A9/rules")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


def test_a_whole_number_written_as_5_0_is_the_integer_5(as_moderator, site, reported,
                                                        as_subscriber, article, subscriber):
    seen = send(as_moderator, "get", api_path(site, "moderation/queue")).json()
    last = seen["items"][0]["last_decision_id"]
    held = send(as_moderator, "post", api_path(site, f"moderation/comments/{reported.pk}/hold"),
                {"seen_decision": float(last)})
    assert held.status_code == 200, held.json()
    parent = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="Still standing.")
    reply = send(as_subscriber, "post", api_path(site, f"articles/{article.pk}/comments"),
                 {"text": "Indeed.", "parent_id": float(parent.pk)})
    assert (reply.status_code, reply.json()["parent_id"]) == (201, parent.pk)
    for not_whole in [float(last) + 0.5, str(last), True]:
        refused = send(as_moderator, "post",
                       api_path(site, f"moderation/comments/{reported.pk}/release"),
                       {"seen_decision": not_whole})
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_input")


def test_a_key_at_an_address_with_no_site_is_refused_as_documented(description, site,
                                                                   site_admin):
    _, key = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    answer = Client().get("/api/v1/sites/nowhere/rules", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (answer.status_code, answer.json()["code"]) == (403, "api_key_wrong_site")
    for path, method, operation in _operations(description):
        if path.startswith("/api/v1/sites/"):
            assert "403" in operation["responses"], (method, path)
            assert "api_key_wrong_site" in operation["responses"]["403"]["description"]
