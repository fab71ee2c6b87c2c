"""`btl serve`: a production-grade WSGI server (waitress) in front of the app.

Waitress is pure Python, so a fresh machine needs no compiler and no second process
manager to run the demo; production installs may put gunicorn or uvicorn there instead,
and run `btl worker` beside it. For the demo, `--with-worker` runs the background worker in
this process, and `--publisher-port` serves a stand-in publisher's site on a second port,
which embeds the thread cross-origin exactly as a real publisher would.
"""

import logging
import os
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger(__name__)


def _run_worker() -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    from belowtheline.integrations import webhooks

    # A delivery recorded just before a crash may never have been queued: queue it now.
    webhooks.deliver_due_webhooks()

    worker = Worker(queue_names=["default"], interval=1.0, batch=False,
                    backend_name="default", startup_delay=False, max_tasks=None,
                    worker_id="btl-serve", excluded_queue_names=[])
    worker.run()


def _allow_publisher(host: str, port: int) -> list[str]:
    """Let the demo site be embedded by the publisher page on the port chosen today."""
    from belowtheline.demo.loader import demo_site, publisher_origins
    from belowtheline.integrations.services import allow_embed_origins

    site = demo_site()
    if site is None:
        return []
    origins = publisher_origins(port)
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::"):
        origins.append(f"http://{host}:{port}")
    return allow_embed_origins(site=site, origins=origins)


def _serve_publisher(host: str, port: int, comments_port: int) -> None:
    from waitress import serve

    from belowtheline.demo.publisher import PublisherSite

    try:
        serve(PublisherSite(comments_port=comments_port), host=host, port=port, threads=2,
              ident="publisher-demo")
    except OSError as error:  # the port is taken: the comments site still runs
        logger.error("Publisher demo page not served on port %s: %s", port, error)


class Command(BaseCommand):
    help = "Serve Below the Line over HTTP with waitress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--with-worker", action="store_true",
                            help="Also run the background worker in this process.")
        parser.add_argument("--publisher-port", type=int, default=None,
                            help="Also serve the demo publisher's page on this port.")

    def handle(self, *args: Any, host: str, port: int, threads: int, with_worker: bool,
               publisher_port: int | None, **options: Any) -> None:
        from waitress import serve

        from belowtheline.wsgi import application

        if with_worker:
            threading.Thread(target=_run_worker, name="btl-worker", daemon=True).start()
            self.stdout.write("Background worker running in this process.")
        if publisher_port:
            for origin in _allow_publisher(host, publisher_port):
                self.stdout.write(f"The demo site now allows embedding from {origin}")
            threading.Thread(target=_serve_publisher, args=(host, publisher_port, port),
                             name="publisher-demo", daemon=True).start()
            self.stdout.write(
                f"Demo publisher page (embeds the thread cross-origin) on "
                f"http://{host}:{publisher_port}/"
            )
        self.stdout.write(f"Serving Below the Line on http://{host}:{port}/ (Ctrl-C stops it)")
        serve(application, host=host, port=port, threads=threads, ident="belowtheline")
