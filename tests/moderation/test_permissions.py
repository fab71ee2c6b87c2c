"""Every moderation service refuses readers, subscribers and other sites' staff, and
changes nothing when it does."""

import pytest
from django.contrib.auth.models import AnonymousUser

from belowtheline.moderation import services
from belowtheline.moderation.errors import NotAllowed
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction


def _actions(site, comment, target_user, article):
    return {
        "dismiss": lambda who: services.dismiss_reports(site=site, actor=who,
                                                        comment_id=comment.pk),
        "amend": lambda who: services.amend_comment(site=site, actor=who, comment_id=comment.pk,
                                                    text="x", rule=1, reason="y"),
        "remove": lambda who: services.remove_comment(site=site, actor=who,
                                                      comment_id=comment.pk, rule=1),
        "hold": lambda who: services.hold_comment(site=site, actor=who, comment_id=comment.pk),
        "release": lambda who: services.release_comment(site=site, actor=who,
                                                        comment_id=comment.pk),
        "approve": lambda who: services.approve_comment(site=site, actor=who,
                                                        comment_id=comment.pk),
        "reject": lambda who: services.reject_comment(site=site, actor=who,
                                                      comment_id=comment.pk, rule=1),
        "remove_all": lambda who: services.remove_all_by_author(site=site, actor=who,
                                                                user_id=target_user.pk, rule=1),
        "sanction": lambda who: services.sanction_author(site=site, actor=who,
                                                         user_id=target_user.pk, kind="ban",
                                                         reason="r"),
        "note": lambda who: services.add_moderator_note(site=site, actor=who,
                                                        user_id=target_user.pk, text="n"),
        "comment_mode": lambda who: services.set_comment_mode(site=site, actor=who,
                                                              article_id=article.pk,
                                                              mode="closed"),
    }


ACTIONS = ["dismiss", "amend", "remove", "hold", "release", "approve", "reject", "remove_all",
           "sanction", "note", "comment_mode"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["anonymous", "reader", "subscriber", "foreign_moderator"])
def test_moderation_is_refused_to_anyone_but_this_sites_staff(
    request, site, article, reported, subscriber, action, who
):
    person = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    act = _actions(site, reported, subscriber, article)[action]
    with pytest.raises(NotAllowed):
        act(person)
    reported.refresh_from_db()
    article.refresh_from_db()
    assert reported.status == "published"
    assert article.comment_mode == "open"
    assert not AuditEntry.objects.exists()
    assert not Sanction.objects.exists()
    assert not ModeratorNote.objects.exists()


def test_lifting_a_sanction_is_refused_to_other_sites_staff(site, subscriber, moderator,
                                                           foreign_moderator, other_site):
    sanction = services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                                        kind="premoderation", reason="Repeated abuse")
    with pytest.raises(NotAllowed):
        services.lift_sanction(site=site, actor=foreign_moderator, sanction_id=sanction.pk)
    # Through their own site the sanction is simply not there.
    with pytest.raises(services.NotFound):
        services.lift_sanction(site=other_site, actor=foreign_moderator,
                               sanction_id=sanction.pk)
    sanction.refresh_from_db()
    assert sanction.lifted_at is None


def test_another_sites_comment_is_not_found_by_its_moderator(other_site, reported,
                                                            foreign_moderator):
    with pytest.raises(services.NotFound):
        services.remove_comment(site=other_site, actor=foreign_moderator,
                                comment_id=reported.pk, rule=1)
    reported.refresh_from_db()
    assert reported.status == "published"


@pytest.mark.parametrize("role", ["moderator", "editor", "site_admin"])
def test_every_staff_role_can_moderate(request, site, reported, role):
    person = request.getfixturevalue(role)
    services.dismiss_reports(site=site, actor=person, comment_id=reported.pk)
    assert AuditEntry.objects.get().actor == person
