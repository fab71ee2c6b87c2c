"""Recommending: subscribers only, once each, never one's own comment."""

from belowtheline.discussion.models import Recommendation
from tests.api.conftest import api_path


def recommendation_path(site, comment) -> str:
    return api_path(site, f"comments/{comment.pk}/recommendation")


def test_subscriber_recommends_a_comment(as_other, site, comment):
    response = as_other.put(recommendation_path(site, comment))

    assert response.status_code == 200
    assert response.json() == {
        "comment_id": comment.pk, "recommended": True, "recommendation_count": 1
    }
    thread = as_other.get(api_path(site, f"articles/{comment.article_id}/thread")).json()
    assert thread["comments"][0]["viewer"]["recommended"] is True
    assert thread["comments"][0]["recommendation_count"] == 1


def test_recommending_twice_counts_once(as_other, site, comment):
    as_other.put(recommendation_path(site, comment))
    response = as_other.put(recommendation_path(site, comment))

    assert response.status_code == 200
    assert response.json()["recommendation_count"] == 1
    assert Recommendation.objects.filter(site=site, comment=comment).count() == 1


def test_withdrawing_a_recommendation_takes_it_back(as_other, site, comment):
    as_other.put(recommendation_path(site, comment))

    response = as_other.delete(recommendation_path(site, comment))

    assert response.status_code == 200
    assert response.json() == {
        "comment_id": comment.pk, "recommended": False, "recommendation_count": 0
    }
    assert not Recommendation.objects.filter(site=site, comment=comment).exists()
    assert as_other.delete(recommendation_path(site, comment)).json()[
        "recommendation_count"
    ] == 0


def test_nobody_recommends_their_own_comment(as_subscriber, site, comment):
    response = as_subscriber.put(recommendation_path(site, comment))

    assert response.status_code == 403
    assert response.json()["code"] == "own_comment"
    comment.refresh_from_db()
    assert comment.recommendation_count == 0


def test_a_reader_who_does_not_subscribe_cannot_recommend(as_reader, site, comment):
    response = as_reader.put(recommendation_path(site, comment))

    assert response.status_code == 403
    assert response.json()["code"] == "subscription_required"
    assert not Recommendation.objects.filter(site=site).exists()


def test_anonymous_reader_is_asked_to_sign_in_to_recommend(anonymous, site, comment):
    response = anonymous.put(recommendation_path(site, comment))

    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_required"


def test_recommending_an_unknown_comment_is_not_found(as_other, site, comment):
    response = as_other.put(api_path(site, "comments/999999/recommendation"))

    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"
