"""`btl serve`: a production-grade WSGI server (waitress) in front of the app.

Waitress is pure Python, so a fresh machine needs no compiler and no second process
manager to run the demo; production installs may put gunicorn or uvicorn there instead.
"""

import os

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Below the Line over HTTP with waitress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: object, host: str, port: int, threads: int, **options: object) -> None:
        from waitress import serve

        from belowtheline.wsgi import application

        self.stdout.write(f"Serving Below the Line on http://{host}:{port}/ (Ctrl-C stops it)")
        serve(application, host=host, port=port, threads=threads, ident="belowtheline")
