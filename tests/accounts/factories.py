from datetime import UTC, datetime

import factory

from belowtheline.accounts.models import Subscription, User
from tests.sites.factories import SiteFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    display_name = factory.Sequence(lambda n: f"Reader {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # An established account unless a test says otherwise: reports from accounts under a
    # day old count for little (discussion/reports.py), which tests ask for explicitly.
    date_joined = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    site = factory.SubFactory(SiteFactory)
    user = factory.SubFactory(UserFactory)
    status = Subscription.Status.ACTIVE
