"""`btl triage score`: JSON lines in, one line of four scores out per line, in order."""

import io
import json
import sys

import pytest
from django.core.management import call_command

ARTICLE = {"article_title": "Council approves new bridge over the river",
           "article_meta": "The £40m crossing will open in 2028."}


def run(monkeypatch, lines: list[str]) -> tuple[list[dict], int]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in lines)))
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command("triage", "score", stdout=out, stderr=err)
    except SystemExit as exc:
        status = int(exc.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines()], status


def test_scores_come_back_one_line_per_input_in_order(monkeypatch):
    inputs = [
        {"text": "You are a stupid idiot and a pathetic moron.", "parent_text": "I like it.",
         **ARTICLE},
        {"text": "The bridge will ease traffic on the old crossing.", "parent_text": "", **ARTICLE},
        {"text": "Agreed.", "parent_text": "The bridge is overdue.", **ARTICLE},
        {"text": "Everyone knows Tulley did it.", "article_title": "Man questioned",
         "article_meta": {"standfirst": "Police are questioning a man.",
                          "proceedings_active": True, "people": ["Graham Tulley"]},
         "parent_text": ""},
    ]
    results, status = run(monkeypatch, [json.dumps(i) for i in inputs])
    assert status == 0
    assert len(results) == 4
    for result in results:
        assert set(result) == {"abuse", "offtopic", "spam", "legal"}
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in result.values())
    assert results[2]["offtopic"] < 0.2  # a short reply is not off-topic
    assert results[3]["legal"] > 0.9
    assert results[1]["legal"] == 0.0


def test_a_repeated_text_in_the_same_run_is_a_near_duplicate(monkeypatch):
    spam = ("Earn five thousand pounds a week from home with this one simple trick, "
            "thousands already have: http://quick-cash.example.com/start")
    lines = [json.dumps({"text": t, **ARTICLE, "parent_text": ""})
             for t in (spam, spam.upper(), spam.replace("simple", "really simple"))]
    results, _ = run(monkeypatch, lines)
    assert results[0]["spam"] < results[1]["spam"] < results[2]["spam"]


@pytest.mark.parametrize("bad", ["not json", json.dumps(["a list"]), json.dumps({"text": 5})])
def test_a_bad_line_gets_an_error_line_and_the_rest_still_scored(monkeypatch, bad):
    good = json.dumps({"text": "The bridge is good news.", **ARTICLE, "parent_text": ""})
    results, status = run(monkeypatch, [good, bad, good])
    assert status == 1
    assert len(results) == 3
    assert "error" in results[1]
    assert results[1]["abuse"] is None
    assert isinstance(results[0]["abuse"], float)
    assert isinstance(results[2]["abuse"], float)


@pytest.mark.django_db
def test_rescore_scores_a_sites_stored_comments_since_a_date(site, article, subscriber):
    from datetime import timedelta

    from belowtheline import clock
    from belowtheline.discussion import services
    from belowtheline.triage.models import CommentScore

    old = services.post_comment(site=site, article=article, author=subscriber,
                                text="An old comment about the bridge.",
                                now=clock.now() - timedelta(days=10))
    new = services.post_comment(site=site, article=article, author=subscriber,
                                text="A new comment about the bridge.")
    out, err = io.StringIO(), io.StringIO()
    since = (clock.now() - timedelta(days=2)).date().isoformat()
    call_command("triage", "rescore", "--site", site.slug, "--since", since, stdout=out, stderr=err)
    assert "Rescored 1 comment of gazette." in out.getvalue()
    assert "1/1" in err.getvalue()
    assert set(CommentScore.objects.filter(comment=new).values_list("scorer", flat=True)) == {
        "abuse", "insult", "offtopic", "spam", "legal", "words"}
    assert not CommentScore.objects.filter(comment=old).exists()


@pytest.mark.django_db
def test_rescore_of_an_unknown_site_says_so(site):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No site with the slug 'nowhere'"):
        call_command("triage", "rescore", "--site", "nowhere")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("triage", "rescore", "--site", site.slug, "--since", "last week")
