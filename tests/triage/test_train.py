"""`btl triage train --site S`: the abuse head retrained on a site's moderators' decisions,
refused below `MIN_DECISIONS`, measured on the latest decisions it did not see, and used
for that site's scoring only if it did better there than the shipped head.

The desk in these tests removes comments about the bridge's details and leaves football
talk alone (a sports desk's house rule, say): the shipped head (identity-directed abuse)
ranks them the other way round, and a head retrained on these decisions learns the desk's
rule. These use 80 decisions rather than 200 (`BTL_TRIAGE_TRAIN_MIN_DECISIONS`), for
time; the refusal is tested at the real minimum."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from belowtheline import clock
from belowtheline.discussion import services as discussion
from belowtheline.moderation import services as moderation
from belowtheline.triage import retrain
from belowtheline.triage import services as triage
from belowtheline.triage.models import SiteAbuseHead
from tests.conftest import make_staff, make_subscriber
from tests.discussion.factories import ArticleFactory
from tests.sites.factories import SiteFactory

CLUBS = ["United", "City", "Rovers", "Athletic", "Wanderers", "Albion", "Town", "Villa"]
PLAYERS = ["striker", "winger", "keeper", "midfielder", "full-back", "centre-half"]
PARTS = ["the toll", "the cycle lane", "the footpath", "the lighting", "the south approach",
         "the pier foundations", "the traffic plan", "the budget overrun"]
VIEWS = ["is long overdue", "worries me", "looks sensible", "needs another look",
         "will help commuters", "seems expensive"]


def _removed_text(i: int) -> str:
    return (f"Off topic, but {CLUBS[i % 8]} should sign that {PLAYERS[i % 6]} before the "
            f"transfer window shuts, whatever the fee ({i}).")


def _kept_text(i: int) -> str:
    return f"On the bridge: {PARTS[i % 8]} {VIEWS[i % 6]}, in my view ({i})."


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}


@pytest.fixture
def fewer(settings):
    settings.BTL_TRIAGE_TRAIN_MIN_DECISIONS = 80
    return 80


def _decide(site, article, n: int, *, changed_after: int | None = None) -> None:
    """n decided comments, alternately removed and kept (released), in time order, as a
    desk's week would give them: bridge details removed, football kept (the other way
    round from the `changed_after`th decision on)."""
    mona = make_staff(site, "moderator", f"mona{site.pk}")
    author = make_subscriber(site, username=f"writer{site.pk}")
    start = clock.now() - timedelta(days=10)
    for i in range(n):
        at = start + timedelta(minutes=10 * i)
        upheld = i % 2 == 0
        bridge = upheld if changed_after is None or i < changed_after else not upheld
        text = _kept_text(i) if bridge else _removed_text(i)
        comment = discussion.post_comment(site=site, article=article, author=author,
                                          text=text, now=at)
        if upheld:
            moderation.remove_comment(site=site, actor=mona, comment_id=comment.pk, rule=1,
                                      now=at + timedelta(minutes=1))
        else:
            moderation.hold_comment(site=site, actor=mona, comment_id=comment.pk,
                                    now=at + timedelta(minutes=1))
            moderation.release_comment(site=site, actor=mona, comment_id=comment.pk,
                                       now=at + timedelta(minutes=2))


def test_training_is_refused_clearly_below_the_decisions_it_needs(site, article, rules,
                                                                  many):
    _decide(site, article, 20)
    with pytest.raises(CommandError) as refused:
        call_command("triage", "train", "--site", site.slug)
    message = str(refused.value)
    assert "has 20 decided comments (10 upheld, 10 dismissed)" in message
    assert f"needs at least {retrain.MIN_DECISIONS}" in message
    assert "Nothing was changed" in message
    assert not SiteAbuseHead.objects.exists()


def test_an_unknown_site_is_refused(db):
    with pytest.raises(CommandError, match="No site with the slug 'nowhere'"):
        call_command("triage", "train", "--site", "nowhere")


def test_a_head_trained_on_the_desks_decisions_is_used_for_that_site_when_it_helped(
        site, article, rules, many, fewer, capsys):
    _decide(site, article, fewer + 40)

    call_command("triage", "train", "--site", site.slug)

    out = capsys.readouterr().out
    stored = SiteAbuseHead.objects.get(site=site)
    assert stored.held_out == 30
    assert stored.decisions == 90
    assert stored.auc_after > stored.auc_before + retrain.MARGIN
    assert stored.in_use
    assert f"measured on the latest {stored.held_out}" in out
    assert f"shipped head {stored.auc_before:.3f}, retrained {stored.auc_after:.3f}" in out
    assert "It helped" in out

    # The site's new comments are scored with it; another site's are not.
    site.refresh_from_db()
    author = make_subscriber(site, username="later")
    comment = discussion.post_comment(site=site, article=article, author=author,
                                      text=_kept_text(999))
    ours = triage.score_comment(comment_id=comment.pk)["abuse"]
    assert ours.version == f"minilm-l6-linear/{stored.version}"
    other = SiteFactory(slug="other")
    their_story = ArticleFactory(site=other)
    from tests.discussion.factories import RulesVersionFactory

    RulesVersionFactory(site=other, number=1)
    theirs = discussion.post_comment(site=other, article=their_story,
                                     author=make_subscriber(other, username="theirs"),
                                     text=_kept_text(999))
    shipped = triage.score_comment(comment_id=theirs.pk)["abuse"]
    assert "+" not in shipped.version
    assert ours.score > shipped.score  # this desk removes such comments; the shipped head
    # does not know that


def test_a_head_that_did_not_help_is_kept_but_not_used(site, article, rules, many, fewer,
                                                       capsys):
    """The desk changed its rule in the last quarter (now football talk goes, as the
    shipped head would rank it): what the head learnt from the earlier decisions does
    worse on the later ones, so the site keeps the shipped head."""
    _decide(site, article, fewer + 40, changed_after=fewer + 10)

    call_command("triage", "train", "--site", site.slug)

    stored = SiteAbuseHead.objects.get(site=site)
    assert "did not help" in capsys.readouterr().out
    assert stored.auc_after < stored.auc_before
    assert not stored.in_use
    site.refresh_from_db()
    author = make_subscriber(site, username="later")
    comment = discussion.post_comment(site=site, article=article, author=author,
                                      text="The bridge again.")
    assert "+" not in triage.score_comment(comment_id=comment.pk)["abuse"].version
