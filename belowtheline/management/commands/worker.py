"""`btl worker`: runs queued background work (webhook deliveries, triage scoring) until
stopped. At start it queues what was missed while it was down (`worker.on_start`).

It outlives database outages (belowtheline/worker.py) and beats a heartbeat that
`/readyz?worker=1` checks. SIGTERM or Ctrl-C lets the task in hand finish, then stops.
"""

import signal
from types import FrameType

from django.core.management.base import BaseCommand, CommandParser

from belowtheline.worker import TaskLoop, default_worker_id


class Command(BaseCommand):
    help = "Run the background worker (webhook deliveries, triage scoring, other tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between looks at the queue when it is empty.")
        parser.add_argument("--batch", action="store_true",
                            help="Run what is queued, then exit (for cron or tests).")

    def handle(self, *args: object, interval: float, batch: bool, **options: object) -> None:
        if batch:
            from django.core.management import call_command

            from belowtheline.worker import on_start

            on_start()
            call_command("db_worker", "--batch", "--interval", str(interval))
            return
        loop = TaskLoop(worker_id=default_worker_id(), interval=interval)

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stdout.write(f"{signal.strsignal(signum)}: finishing the task in hand")
            loop.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {loop.worker_id} running; SIGTERM or Ctrl-C stops it")
        loop.run()
