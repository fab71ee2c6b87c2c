"""Per-site word lists: banned words refuse (or hold) a comment as it is posted, suspect
words flag it; matching sees through the usual disguises. The words here are mild."""

import pytest
from django.core.management import call_command

from belowtheline.discussion import services
from belowtheline.discussion.errors import Forbidden
from belowtheline.discussion.models import Comment
from belowtheline.triage import services as triage
from belowtheline.triage.models import SiteWord, TriageSettings
from belowtheline.triage.wordlists import WordMatcher


@pytest.mark.parametrize(("text", "found"), [
    ("You IDIOT", ["idiot"]),
    ("you 1d10t!", ["idiot"]),
    ("you iddiooot", ["idiot"]),
    ("an i.d.i.o.t idea", ["idiot"]),
    ("Îdiot", ["idiot"]),
    ("what a numpty", ["numpty"]),
    ("a bad egg", ["bad egg"]),
    ("a b@d egg", ["bad egg"]),
    ("idiotic", []),  # whole words only
    ("as it is", []),  # a held-down letter only lengthens a word: "as" is not "ass"
    ("first class assessment", []),
    ("what an asss", ["ass"]),
])
def test_matching_whole_words_through_disguises(text, found):
    matcher = WordMatcher.build(["idiot", "numpty", "bad egg", "ass"])
    assert matcher.find(text) == found


@pytest.fixture
def words(site):
    SiteWord.objects.create(site=site, word="numpty", kind=SiteWord.Kind.BANNED)
    SiteWord.objects.create(site=site, word="pillock", kind=SiteWord.Kind.SUSPECT)


def test_a_banned_word_refuses_the_comment_saying_which(site, article, subscriber, words):
    with pytest.raises(Forbidden) as refused:
        services.post_comment(site=site, article=article, author=subscriber,
                              text="What a nuumpty the mayor is.")
    assert refused.value.code == "banned_word"
    assert "\u201cnumpty\u201d" in refused.value.message
    assert not Comment.objects.exists()


def test_a_site_may_hold_banned_words_instead(site, article, subscriber, words):
    TriageSettings.objects.create(site=site, banned_words=TriageSettings.BannedWords.HOLD)
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="What a NUMPTY the mayor is.")
    assert comment.status == Comment.Status.PENDING


def test_the_list_is_read_afresh_after_an_edit(site, article, subscriber, words):
    services.post_comment(site=site, article=article, author=subscriber, text="A dolt.")
    SiteWord.objects.create(site=site, word="dolt", kind=SiteWord.Kind.BANNED)
    with pytest.raises(Forbidden):
        services.post_comment(site=site, article=article, author=subscriber, text="A d0lt.")
    SiteWord.objects.filter(word="dolt").get().delete()
    services.post_comment(site=site, article=article, author=subscriber, text="A dolt again.")


@pytest.mark.django_db(transaction=True)
def test_a_suspect_word_publishes_and_flags(site, article, subscriber, words, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The mayor is a p.i.l.l.o.c.k")
    assert comment.status == Comment.Status.PUBLISHED
    call_command("worker", "--batch", "--interval", "0", verbosity=0)
    flag = triage.scores_for(comment)["words"]
    assert flag.score == 1.0
    assert flag.explanation == "uses suspect \u201cpillock\u201d"
