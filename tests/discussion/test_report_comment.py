import pytest
from django.contrib.auth.models import AnonymousUser

from belowtheline.discussion import hooks, services
from belowtheline.discussion.errors import Conflict, DiscussionError, Forbidden
from belowtheline.discussion.models import Disagreement, Report
from belowtheline.errors import BtlError


@pytest.fixture
def comment(site, article, subscriber):
    return services.post_comment(site=site, article=article, author=subscriber, text="Hot take")


def test_reader_who_is_not_a_subscriber_can_report(site, comment, reader):
    outcome = services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                      reason="legal_risk", note="Names a defendant")
    assert outcome.reported
    assert "Thank you" in outcome.message
    report = Report.objects.get()
    assert (report.reason, report.note, report.status) == ("legal_risk", "Names a defendant",
                                                           "open")


def test_second_report_by_same_reader_is_refused(site, comment, reader):
    services.report_comment(site=site, comment_id=comment.pk, reporter=reader, reason="spam")
    with pytest.raises(Conflict) as exc:
        services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                reason="abusive")
    assert exc.value.code == "already_reported"
    assert Report.objects.count() == 1


def test_i_just_disagree_is_counted_but_never_reaches_a_moderator(site, comment, reader):
    filed = []

    def spy(report, now):
        filed.append(report)

    hooks.register_on_report_filed(spy)
    try:
        outcome = services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                          reason="disagree")
    finally:
        hooks._report_filed_hooks.remove(spy)
    assert not outcome.reported
    assert "reply" in outcome.message
    assert not Report.objects.exists()
    assert filed == []
    assert Disagreement.objects.filter(comment=comment).count() == 1


def test_filed_report_is_passed_to_registered_hooks(site, comment, reader):
    filed = []

    def spy(report, now):
        filed.append(report.reason)

    hooks.register_on_report_filed(spy)
    try:
        services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                reason="off_topic")
    finally:
        hooks._report_filed_hooks.remove(spy)
    assert filed == ["off_topic"]


@pytest.mark.parametrize(
    ("reason", "note", "code", "field"),
    [
        ("rude", "", "reason_invalid", "reason"),
        (None, "", "reason_invalid", "reason"),
        ("spam", "n" * 501, "text_too_long", "note"),
    ],
)
def test_bad_report_is_refused_and_nothing_is_stored(site, comment, reader, reason, note, code,
                                                     field):
    with pytest.raises(DiscussionError) as exc:
        services.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                reason=reason, note=note)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Report.objects.exists()


def test_reporting_needs_a_sign_in_and_not_ones_own_comment(site, comment, subscriber):
    with pytest.raises(BtlError) as exc:
        services.report_comment(site=site, comment_id=comment.pk, reporter=AnonymousUser(),
                                reason="spam")
    assert exc.value.code == "sign_in_required"
    with pytest.raises(Forbidden):
        services.report_comment(site=site, comment_id=comment.pk, reporter=subscriber,
                                reason="spam")
    assert not Report.objects.exists()
