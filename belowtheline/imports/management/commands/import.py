"""`btl import FORMAT FILE --site SLUG`: bring comments from another system into a site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from belowtheline.errors import BtlError
from belowtheline.imports.formats import FORMATS, run_import
from belowtheline.imports.progress import Progress


class Command(BaseCommand):
    help = ("Import comments into a site from " + "; ".join(
        f"{name}: {fmt.description}" for name, fmt in FORMATS.items())
        + ". Safe to run again: what was imported before is matched, not duplicated.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=list(FORMATS), help="The file's format.")
        parser.add_argument("file", help="The export file (or Isso database).")
        parser.add_argument("--site", required=True, dest="site_slug",
                            help="The slug of the site the comments belong to.")
        parser.add_argument("--base-url", default=None,
                            help="Isso only: the address page paths are joined to "
                                 "(default: the site's first allowed origin).")
        parser.add_argument("--no-progress", action="store_true",
                            help="No progress bar or progress lines.")

    def handle(self, *args: object, format: str, file: str, site_slug: str,
               base_url: str | None, no_progress: bool, **options: object) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        progress = Progress(f"importing {path.name}", enabled=not no_progress)
        try:
            with progress:
                summary = run_import(format, path, site_slug=site_slug, progress=progress,
                                     base_url=base_url)
        except BtlError as exc:
            raise CommandError(f"{file}: {exc.message} Nothing was imported.") from exc
        except KeyboardInterrupt:
            raise CommandError("interrupted: what was committed stays; run the same "
                               "command again to finish the import.") from None
        for line in summary.lines():
            self.stdout.write(line)
