"""Staff of the test site, a staff member of another site, and a comment to act on."""

import pytest

from belowtheline.accounts.models import StaffRole
from belowtheline.discussion import services as discussion
from belowtheline.sites.services import seed_default_cover
from tests.accounts.factories import UserFactory
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory


def make_staff(site, role: str, username: str, cover: str = "full_time"):
    user = UserFactory(username=username, display_name=username.title())
    StaffRole.objects.create(site=site, user=user, role=role, cover=cover)
    return user


@pytest.fixture
def covered_site(site):
    """The test site with the default schedule: full-time 9–6 on weekdays, UK time."""
    seed_default_cover(site=site)
    return site


@pytest.fixture
def moderator(site):
    return make_staff(site, "moderator", "mona_k")


@pytest.fixture
def second_moderator(site):
    return make_staff(site, "moderator", "max_p", cover="part_time")


@pytest.fixture
def editor(site):
    return make_staff(site, "editor", "ed_r")


@pytest.fixture
def site_admin(site):
    return make_staff(site, "admin", "ada_l")


@pytest.fixture
def other_site(db):
    other = SiteFactory(slug="elsewhere", name="The Elsewhere Echo")
    RulesVersionFactory(site=other, number=1)
    return other


@pytest.fixture
def foreign_moderator(other_site):
    return make_staff(other_site, "moderator", "fred_x")


@pytest.fixture
def comment(site, article, subscriber):
    return discussion.post_comment(site=site, article=article, author=subscriber,
                                   text="The council is corrupt, everyone knows it.")


@pytest.fixture
def reported(site, comment, reader):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", note="Unfounded accusation")
    return comment


@pytest.fixture
def other_article(other_site):
    return ArticleFactory(site=other_site)


@pytest.fixture
def readers(db):
    return [UserFactory(username=f"complainer{i}") for i in range(6)]
