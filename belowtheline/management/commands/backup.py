"""`btl backup [FILE]`: a consistent copy of a SQLite install while it takes writes."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from belowtheline.backup import BackupError, make_backup


class Command(BaseCommand):
    help = ("Back up the SQLite database and the secret key into one file, online "
            "(the server keeps running). PostgreSQL: see the README's Backups section.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Where to write the backup "
                            "(default var/backups/btl-<UTC time>.tar.gz).")

    def handle(self, *args: object, file: str | None, **options: object) -> None:
        if file:
            destination = Path(file)
        else:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            destination = Path(settings.VAR_DIR) / "backups" / f"btl-{stamp}.tar.gz"
        try:
            summary = make_backup(destination)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        key = ("with the secret key" if summary.with_secret_key else
               "WITHOUT the secret key (SECRET_KEY comes from the environment: keep it too)")
        self.stdout.write(f"backed up {summary.comments:,} comments {key} to {summary.path} "
                          f"({summary.size:,} bytes)")
