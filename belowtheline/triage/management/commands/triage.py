"""`btl triage score`: score JSON lines from stdin, one line out per line in.

    echo '{"text": "Agreed.", "article_title": "...", "article_meta": "", "parent_text": "..."}' \
      | btl triage score

See `belowtheline/triage/batch.py` for the fields. A line that is not valid input gets a
line with nulls and an "error" (the exit status is then 1), so output lines always match
input lines.
"""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Triage scores: `score` reads JSON lines on stdin and writes scores on stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("score", help="Score JSON lines from stdin (abuse, offtopic, spam, legal).")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "score":
            self.score()

    def score(self) -> None:
        from belowtheline.triage.batch import FIELDS, BatchScorer

        scorer = BatchScorer()
        failed = 0
        out = self.stdout
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                result: dict[str, Any] = {**dict.fromkeys(FIELDS), "error": f"not JSON: {exc.msg}"}
            else:
                result = next(scorer.score_all([obj]))
            if "error" in result:
                failed += 1
                self.stderr.write(f"line {number}: {result['error']}")
            out.write(json.dumps(result))
            out.flush()
        if failed:
            sys.exit(1)
