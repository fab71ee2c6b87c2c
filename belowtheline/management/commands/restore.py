"""`btl restore FILE`: put a `btl backup` file back, database and secret key."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from belowtheline.backup import BackupError, restore_backup, sqlite_path


class Command(BaseCommand):
    help = ("Restore a backup made by `btl backup` over the configured SQLite database "
            "(stop `btl serve` and `btl worker` first).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file.")
        parser.add_argument("--yes", action="store_true",
                            help="Replace an existing database without asking.")

    def handle(self, *args: object, file: str, yes: bool, **options: object) -> None:
        try:
            target = sqlite_path()
            if target.exists() and target.stat().st_size and not yes:
                raise CommandError(f"{target} already holds a database; everything in it "
                                   "would be replaced by the backup. Run again with --yes.")
            summary = restore_backup(Path(file))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        key = "and the secret key " if summary.secret_key_restored else ""
        self.stdout.write(f"restored {summary.comments:,} comments {key}from the backup of "
                          f"{summary.created_at} into {summary.database}; start the server "
                          "and the worker again")
