
from belowtheline.discussion import services
from belowtheline.discussion.models import Comment


def test_subscriber_comment_appears_at_once_and_is_counted(site, article, subscriber):
    comment = services.post_comment(
        site=site, article=article, author=subscriber, text="  First!\r\nSecond line  "
    )
    article.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.text == "First!\nSecond line"
    assert article.comment_count == 1
