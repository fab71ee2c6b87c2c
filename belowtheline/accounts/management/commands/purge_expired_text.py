"""`btl purge_expired_text`: the retention purge that `btl worker` runs in its upkeep, for
installs that run it from cron instead, or to see what it does."""

from django.core.management.base import BaseCommand

from belowtheline.accounts.data_rights import purge_expired_text


class Command(BaseCommand):
    help = ("Purge the text of comments deleted by their authors or removed by moderators "
            "longer ago than their site's retention days (kept while a legal-risk report "
            "on them is open).")

    def handle(self, *args: object, **options: object) -> None:
        summary = purge_expired_text()
        self.stdout.write(
            f"Purged the text of {summary.texts_purged} comments; kept "
            f"{summary.kept_for_legal_reports} under open legal-risk reports; forgot "
            f"{summary.erased_identities_forgotten} erased token identities.")
