import pytest

from belowtheline.accounts.errors import NotASubscriber
from belowtheline.discussion import services
from belowtheline.discussion.errors import Forbidden
from belowtheline.discussion.models import Recommendation


@pytest.fixture
def comment(site, article, subscriber):
    return services.post_comment(site=site, article=article, author=subscriber, text="Good")


def test_recommending_twice_counts_once_and_can_be_undone(site, comment, other_subscriber):
    services.recommend_comment(site=site, comment_id=comment.pk, user=other_subscriber)
    again = services.recommend_comment(site=site, comment_id=comment.pk, user=other_subscriber)
    assert again.recommendation_count == 1
    undone = services.withdraw_recommendation(site=site, comment_id=comment.pk,
                                              user=other_subscriber)
    assert undone.recommendation_count == 0
    undone_again = services.withdraw_recommendation(site=site, comment_id=comment.pk,
                                                    user=other_subscriber)
    assert undone_again.recommendation_count == 0
    assert not Recommendation.objects.exists()


def test_nobody_recommends_their_own_comment(site, comment, subscriber):
    with pytest.raises(Forbidden) as exc:
        services.recommend_comment(site=site, comment_id=comment.pk, user=subscriber)
    assert exc.value.code == "own_comment"
    comment.refresh_from_db()
    assert comment.recommendation_count == 0


def test_only_subscribers_recommend(site, comment, reader):
    with pytest.raises(NotASubscriber):
        services.recommend_comment(site=site, comment_id=comment.pk, user=reader)
