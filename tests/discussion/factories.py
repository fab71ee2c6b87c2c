import factory

from belowtheline import clock
from belowtheline.discussion.models import Article, Rule, RulesVersion
from tests.sites.factories import SiteFactory


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    site = factory.SubFactory(SiteFactory)
    canonical_url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    title = factory.Sequence(lambda n: f"Story number {n}")
    published_at = factory.LazyFunction(clock.now)


class RulesVersionFactory(factory.django.DjangoModelFactory):
    """A published version with three rules unless `published_at=None` is given."""

    class Meta:
        model = RulesVersion
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    number = factory.Sequence(lambda n: n + 1)
    preamble = "Be civil, stay on topic, and remember you are responsible for what you post."
    published_at = factory.LazyFunction(clock.now)

    @factory.post_generation
    def rules(obj, create, extracted, **kwargs):  # noqa: N805
        if not create:
            return
        titles = extracted or ["Be civil", "Stay on topic", "No spam"]
        for number, title in enumerate(titles, start=1):
            Rule.objects.create(
                site=obj.site, rules_version=obj, number=number, title=title,
                text=f"The text of the rule called {title}.",
            )
