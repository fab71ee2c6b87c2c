"""Reporting: any signed-in reader, once per comment; "I just disagree" is not a report."""

import pytest

from belowtheline.discussion.models import Disagreement, Report
from tests.api.conftest import api_path, send


def reports_path(site, comment) -> str:
    return api_path(site, f"comments/{comment.pk}/reports")


def test_a_reader_reports_a_comment_to_the_moderators(as_reader, site, comment, reader):
    response = send(as_reader, "post", reports_path(site, comment),
                    {"reason": "legal_risk", "note": "Names a defendant."})

    assert response.status_code == 201
    assert response.json()["reported"] is True
    assert "moderators" in response.json()["message"]
    report = Report.objects.get(site=site, comment=comment)
    assert (report.reporter, report.reason, report.note) == (
        reader, "legal_risk", "Names a defendant."
    )
    thread = as_reader.get(api_path(site, f"articles/{comment.article_id}/thread")).json()
    assert thread["comments"][0]["viewer"]["reported"] is True


def test_a_report_needs_no_note(as_other, site, comment):
    response = send(as_other, "post", reports_path(site, comment), {"reason": "spam"})

    assert response.status_code == 201
    assert Report.objects.get(site=site, comment=comment).note == ""


def test_second_report_by_same_reader_is_refused(as_reader, site, comment):
    send(as_reader, "post", reports_path(site, comment), {"reason": "abusive"})

    response = send(as_reader, "post", reports_path(site, comment), {"reason": "spam"})

    assert response.status_code == 409
    assert response.json()["code"] == "already_reported"
    assert Report.objects.filter(site=site, comment=comment).count() == 1


def test_disagreeing_is_answered_and_never_queued(as_reader, site, comment, reader):
    response = send(as_reader, "post", reports_path(site, comment), {"reason": "disagree"})

    assert response.status_code == 200
    assert response.json()["reported"] is False
    assert "reply" in response.json()["message"]
    assert not Report.objects.filter(site=site).exists()
    assert Disagreement.objects.filter(site=site, comment=comment, user=reader).count() == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"reason": "boring"}, "reason_invalid", "reason"),
        ({"reason": ""}, "reason_invalid", "reason"),
        ({}, "invalid_input", "reason"),
        ({"reason": ["spam"]}, "invalid_input", "reason"),
        ({"reason": "spam", "note": "x" * 501}, "text_too_long", "note"),
        ({"reason": "spam", "note": "a\u0000b"}, "text_invalid", "note"),
        ({"reason": "spam", "note": 7}, "invalid_input", "note"),
    ],
)
def test_a_bad_report_is_refused_naming_its_field(as_reader, site, comment, body, code, field):
    response = send(as_reader, "post", reports_path(site, comment), body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert not Report.objects.filter(site=site).exists()
    assert not Disagreement.objects.filter(site=site).exists()


def test_nobody_reports_their_own_comment(as_subscriber, site, comment):
    response = send(as_subscriber, "post", reports_path(site, comment), {"reason": "spam"})

    assert response.status_code == 403
    assert response.json()["code"] == "own_comment"


def test_anonymous_reader_is_asked_to_sign_in_to_report(anonymous, site, comment):
    response = send(anonymous, "post", reports_path(site, comment), {"reason": "spam"})

    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_required"
    assert not Report.objects.filter(site=site).exists()


def test_reporting_an_unknown_comment_is_not_found(as_reader, site, comment):
    response = send(as_reader, "post", api_path(site, "comments/999999/reports"),
                    {"reason": "spam"})

    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"
