"""`btl demo`: load the demo publication once, then say how to get in.

`make demo` runs this on every start. The first run loads the demo; later runs leave the
site as it is (a visitor's own comments and moderation survive a restart) and only print
the accounts again, because the passwords are the way in and nobody should have to look
for them.
"""

import os

from django.core.management.base import BaseCommand, CommandError

from belowtheline.demo import content
from belowtheline.demo.loader import load_demo
from belowtheline.errors import BtlError


class Command(BaseCommand):
    help = "Load the demo publication (first run only) and print the demo accounts."

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = load_demo()
        except BtlError as exc:
            raise CommandError(exc.message) from exc
        site = result.site
        if result.loaded:
            self.stdout.write(
                self.style.SUCCESS(
                    f'Loaded the demo publication "{site.name}": {result.articles} articles, '
                    f"{result.comments} comments, {result.reports} open reports, "
                    f"{result.awaiting} comments held or awaiting approval."
                )
            )
        else:
            self.stdout.write(
                f'The demo publication "{site.name}" (site "{site.slug}") is already loaded; '
                "nothing was added."
            )
        # The same PORT the Makefile passes to `btl serve`, so the address printed is the
        # one the server is about to listen on.
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f'Demo publication "{site.name}" is ready at http://127.0.0.1:{port}/')
        self.stdout.write("Accounts (username / password):")
        logins = [f"{a.username} / {a.password}" for a in content.ACCOUNTS]
        width = max(len(login) for login in logins)
        for login, account in zip(logins, content.ACCOUNTS, strict=True):
            self.stdout.write(f"  {login.ljust(width)}  — {account.role}")
