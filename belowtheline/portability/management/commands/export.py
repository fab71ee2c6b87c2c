"""`btl export --site SLUG [FILE]`: everything a site holds, in one file that restores."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from belowtheline.imports.progress import Progress
from belowtheline.portability.export import default_name, write_export
from belowtheline.portability.services import record_export
from belowtheline.sites.models import Site


class Command(BaseCommand):
    help = ("Export a site — articles, comments with their edits, readers, reports, rules, "
            "the audit trail, sanctions, notes, triage and settings — as JSON Lines "
            "(docs/export-format.md); `btl import btl FILE --site SLUG` restores it. "
            "The file is gzip-compressed when its name ends in .gz.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="Where to write it (default "
                            "var/exports/btl-export-SLUG-<UTC time>.jsonl.gz).")
        parser.add_argument("--site", required=True, dest="site_slug",
                            help="The slug of the site to export.")
        parser.add_argument("--include-password-hashes", action="store_true",
                            help="Also write standalone accounts' password hashes, so that "
                                 "readers can sign in after a restore without resetting "
                                 "their passwords. Keep such a file like a password file.")
        parser.add_argument("--no-progress", action="store_true",
                            help="No progress bar or progress lines.")

    def handle(self, *args: object, file: str | None, site_slug: str,
               include_password_hashes: bool, no_progress: bool, **options: object) -> None:
        site = Site.objects.filter(slug=site_slug).first()
        if site is None:
            raise CommandError(f"there is no site {site_slug!r} (btl export --site SLUG).")
        destination = Path(file) if file else \
            Path(settings.VAR_DIR) / "exports" / default_name(site)
        if destination.is_dir():
            raise CommandError(f"{destination} is a directory: name the file to write.")
        progress = Progress(f"exporting {site.slug}", unit="records", enabled=not no_progress)
        try:
            with progress:
                summary = write_export(site, destination,
                                       password_hashes=include_password_hashes,
                                       progress=progress)
        except OSError as exc:
            raise CommandError(f"cannot write {destination}: {exc.strerror}.") from None
        except KeyboardInterrupt:
            raise CommandError("interrupted: no export was written.") from None
        record_export(site=site, actor=None, via="command line",
                      password_hashes=include_password_hashes, records=summary.total)
        comments = summary.records.get("comment", 0)
        self.stdout.write(f"exported {site.slug}: {summary.total:,} records "
                          f"({comments:,} comments) to {summary.path} "
                          f"({summary.size:,} bytes)")
