"""`btl worker`: runs queued background work (webhook deliveries) until stopped.

A thin name over django-tasks-db's worker, so operators learn one command set.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background worker (webhook deliveries and other queued tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between looks at the queue when it is empty.")
        parser.add_argument("--batch", action="store_true",
                            help="Run what is queued, then exit (for cron or tests).")

    def handle(self, *args: object, interval: float, batch: bool, **options: object) -> None:
        from belowtheline.integrations import webhooks

        # A delivery recorded just before a crash may never have been queued: queue it now.
        webhooks.deliver_due_webhooks()
        extra = ["--batch"] if batch else []
        call_command("db_worker", "--interval", str(interval), *extra)
