"""Each scorer on fixed examples, with the real encoder and the committed heads.

The abusive examples are mild and invented (no real slurs in this repository); what they
check is the order a moderator expects: clear abuse above clear civility, an obfuscated
insult seen as the insult, an off-topic comment above an on-topic one.
"""

import numpy as np
import pytest

from belowtheline.triage import spam
from belowtheline.triage.models_runtime import shared_encodings, shared_heads
from belowtheline.triage.scorers import AbuseScorer, LegalScorer, OffTopicScorer, SpamScorer
from belowtheline.triage.scoring import CommentInput
from belowtheline.triage.text import deobfuscate

ARTICLE = dict(
    article_title="Council approves new bridge over the river",
    article_meta="The £40m crossing will open in 2028 and take traffic off the old bridge.",
)
CIVIL = "Thank you for explaining the council's budget so clearly, I learned a lot."
INSULT = "You are a stupid idiot and a pathetic moron."
HATEFUL = ("People of that religion are all savages, they should be thrown out of our "
           "country and never let back in.")


@pytest.fixture(scope="module")
def abuse():
    return AbuseScorer(shared_encodings(), shared_heads())


@pytest.fixture(scope="module")
def offtopic():
    return OffTopicScorer(shared_encodings(), shared_heads())


def test_identity_directed_abuse_scores_above_a_civil_comment(abuse):
    hateful = abuse.score(CommentInput(text=HATEFUL, **ARTICLE))
    civil = abuse.score(CommentInput(text=CIVIL, **ARTICLE))
    assert hateful.value > 0.5 > civil.value
    assert hateful.value - civil.value > 0.3
    assert "weighed most" in hateful.explanation
    assert abuse.version.startswith("minilm-l6-linear/")


def test_an_insult_between_readers_shows_on_the_insult_signal(abuse):
    insult = abuse.score(CommentInput(text=INSULT, parent_text=CIVIL, **ARTICLE))
    civil = abuse.score(CommentInput(text=CIVIL, **ARTICLE))
    assert insult.details["insult"] > 0.5 > civil.details["insult"]
    assert "insult or profanity" in insult.explanation


def test_obfuscated_insult_is_read_as_the_insult(abuse):
    assert deobfuscate("You are a s.t.u.p.i.d 1d10t") == "You are a stupid idiot"
    assert deobfuscate("stuuuupid") == "stupid"
    assert deobfuscate("We paid $100 in 2016") == "We paid $100 in 2016"
    plain = abuse.score(CommentInput(text="You are a stupid idiot."))
    hidden = abuse.score(CommentInput(text="You are a s.t.u.p.i.d 1d10t."))
    assert hidden.details["insult"] == pytest.approx(plain.details["insult"], abs=0.02)
    assert hidden.details["insult"] > 0.5


def test_on_topic_comment_scores_below_an_off_topic_one(offtopic):
    on = offtopic.score(CommentInput(
        text="A new bridge will finally take the lorries off the old one, though £40m "
             "seems a lot for the council to spend.", **ARTICLE))
    off = offtopic.score(CommentInput(
        text="My favourite recipe for lemon cake needs three eggs and plenty of butter, "
             "bake it for forty minutes.", **ARTICLE))
    assert off.value > on.value + 0.2
    assert "closest to the article" in on.explanation


def test_the_closest_paragraph_of_the_body_is_named(offtopic):
    body = ("The council voted on Tuesday to approve the bridge, after two years of "
            "consultation with residents.\n\nThe football club said the new crossing "
            "would help supporters reach the stadium on match days.")
    score = offtopic.score(CommentInput(
        text="Great news for the football supporters, match days at the stadium are chaos.",
        article_body=body, **ARTICLE))
    assert "the paragraph beginning \u201cThe football club said" in score.explanation


def test_short_replies_are_not_off_topic(offtopic):
    parent = "The bridge is a waste of money when the buses are so bad."
    for reply in ("Agreed.", "Thanks, Linda", "Well said."):
        score = offtopic.score(CommentInput(text=reply, parent_text=parent, **ARTICLE))
        assert score.value < 0.2, reply
        assert "short reply" in score.explanation


ORIGINAL = ("Earn five thousand pounds a week from home with this one simple trick, "
            "thousands already have: http://quick-cash.example.com/start")


def test_perturbed_copies_of_a_comment_are_near_duplicates():
    index = spam.MemoryIndex()
    index.add("original", spam.signature(ORIGINAL), account="a", thread="t1")
    copies = [
        ORIGINAL.upper(),
        ORIGINAL.replace(",", "").replace(":", ""),
        ORIGINAL.replace("simple trick", "really simple little trick"),
        ORIGINAL.replace("http://quick-cash.example.com/start", "https://other.example.net/x"),
    ]
    for copy in copies:
        assert [m.key for m in index.matches(spam.signature(copy))] == ["original"], copy
    unrelated = "The council should have spent the money on the buses instead of a bridge."
    assert index.matches(spam.signature(unrelated)) == []


def test_spam_score_grows_with_copies_threads_and_accounts():
    index = spam.MemoryIndex()
    scorer = SpamScorer(index)
    assert scorer.score(CommentInput(text=ORIGINAL)).value < 0.5
    for n in range(3):
        index.add(n, spam.signature(ORIGINAL), account=f"user{n}", thread=f"thread{n}")
    result = scorer.score(CommentInput(text=ORIGINAL.lower()))
    assert result.value > 0.9
    assert "same text as 3 comments in 3 threads by 3 accounts" in result.explanation


def test_short_common_replies_are_never_duplicates():
    assert spam.signature("Agreed.") is None
    assert spam.signature("Well said, thank you") is None


def test_links_from_a_new_account_count_more():
    text = "Look here http://a.example.com and http://b.example.com for more"
    old = SpamScorer(spam.MemoryIndex()).score(CommentInput(text=text))
    new = SpamScorer(spam.MemoryIndex()).score(CommentInput(text=text, author_is_new=True))
    assert new.value > old.value > 0
    assert "less than a day old" in new.explanation


def test_naming_a_person_in_active_proceedings_is_a_legal_risk():
    scorer = LegalScorer()
    marked = dict(article_title="Two men questioned over warehouse fire",
                  proceedings_active=True, proceedings_people=("Graham Tulley", "R v Tulley"))
    guilty = scorer.score(CommentInput(text="Everyone knows Tulley did it.", **marked))
    named = scorer.score(CommentInput(text="I used to work with graham tulley years ago.",
                                      **marked))
    assert guilty.value > named.value > 0.5
    assert "Tulley" in guilty.details["matched"]
    assert "on an article marked active proceedings" in guilty.explanation
    unmarked = scorer.score(CommentInput(text="I used to work with Graham Tulley years ago."))
    assert unmarked.value == 0


def test_alleging_a_crime_against_a_named_person_on_any_article():
    scorer = LegalScorer()
    result = scorer.score(CommentInput(text="John Smith is a fraudster who stole from his "
                                            "clients.", **ARTICLE))
    assert result.value > 0.5
    assert result.details["matched"] == ["John Smith", "fraudster"]
    assert scorer.score(CommentInput(text=CIVIL, **ARTICLE)).value == 0


def test_the_encoder_gives_the_sentence_embedding_the_model_was_trained_for():
    enc = shared_encodings()
    a, b, c = (enc.last(t) for t in ("The cat sat on the mat.", "A cat was sitting on a mat.",
                                     "Interest rates rose again this quarter."))
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert a @ b > 0.7 > a @ c


def test_the_training_data_loads_where_the_readme_says(request):
    from belowtheline.triage.training import data

    if not (data.data_dir() / data.FOX).exists():
        pytest.skip(f"the labelled data is not at {data.data_dir()} (../shared/data): "
                    "set BTL_DATA_DIR to run this")
    fox = data.fox()
    assert len(fox.texts) == 748
    assert int(fox.labels.sum()) == 214
    assert len(fox.articles) == 5


def test_a_reply_is_judged_against_its_parent_as_well_as_the_article(offtopic):
    """The head compares a reply with its parent at every layer: one that takes up the
    parent's point is on-topic, the same length of unrelated talk under it is not."""
    parent = "The toll on the new bridge will push lorries back onto the old one."
    on = offtopic.score(CommentInput(
        text="Quite, the toll will just send the lorries back over the old bridge again.",
        parent_text=parent, **ARTICLE))
    off = offtopic.score(CommentInput(
        text="Does anyone know a good plumber near the station, my boiler broke again.",
        parent_text=parent, **ARTICLE))
    assert off.value > on.value + 0.3
    assert "to the comment it answers" in on.explanation


def test_the_off_topic_score_is_the_trained_head_over_the_training_features(offtopic):
    """The worker and the training script build the same features (a drift between them
    would score every comment with a head fitted on something else)."""
    from belowtheline.triage.features import offtopic_features, unit

    enc = offtopic.enc
    text = "A new bridge will take the lorries off the old one, which is long overdue."
    parent = "The old bridge has been closed to lorries twice this year."
    headline = ". ".join((ARTICLE["article_title"], ARTICLE["article_meta"]))
    x = offtopic_features(unit(enc.layers(text)), unit(enc.layers(headline)),
                          unit(enc.layers(parent)))
    c = offtopic.heads.offtopic
    expected = 1.0 / (1.0 + np.exp(-(x @ c[:-1] + c[-1])))
    got = offtopic.score(CommentInput(text=text, parent_text=parent, **ARTICLE)).value
    assert got == pytest.approx(expected, abs=2e-3)
