"""`btl triage score`: score JSON lines from stdin, one line out per line in.
`btl triage rescore --site S [--since YYYY-MM-DD]`: score a site's stored comments again.
`btl triage train --site S`: retrain the abuse head on the site's moderators' decisions.

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
        rescore = sub.add_parser("rescore", help="Score a site's stored comments again.")
        rescore.add_argument("--site", required=True, help="The site's slug.")
        rescore.add_argument("--since", help="Only comments posted on or after this date "
                             "(YYYY-MM-DD, the site's time zone is not applied: UTC).")
        train = sub.add_parser("train", help="Retrain the abuse head on a site's decisions.")
        train.add_argument("--site", required=True, help="The site's slug.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "score":
            self.score()
        elif action == "rescore":
            self.rescore(options["site"], options.get("since"))
        elif action == "train":
            self.train(options["site"])

    def train(self, slug: str) -> None:
        """Retrain the abuse head on the site's moderators' decisions (see
        `triage/retrain.py`) and say, on the latest decisions it did not see, whether it
        did better than the shipped head; only then is it used for the site."""
        from django.core.management.base import CommandError

        from belowtheline import clock
        from belowtheline.sites.models import Site
        from belowtheline.triage.retrain import NotEnoughDecisions, train_site_head

        site = Site.objects.filter(slug=slug).first()
        if site is None:
            raise CommandError(f"No site with the slug {slug!r}.")
        try:
            report = train_site_head(site=site, now=clock.now())
        except NotEnoughDecisions as refused:
            raise CommandError(str(refused)) from None
        for line in report.lines(site):
            self.stdout.write(line)

    def rescore(self, slug: str, since: str | None) -> None:
        """Every stored comment of the site (since a date), with the current scorers: after
        a new model, or for comments posted before triage existed."""
        from datetime import UTC, datetime

        from django.core.management.base import CommandError

        from belowtheline.discussion.models import Comment
        from belowtheline.sites.models import Site
        from belowtheline.triage import services

        site = Site.objects.filter(slug=slug).first()
        if site is None:
            raise CommandError(f"No site with the slug {slug!r}.")
        comments = Comment.objects.filter(site=site)
        if since:
            try:
                start = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                raise CommandError("--since takes a date as YYYY-MM-DD.") from None
            comments = comments.filter(created_at__gte=start)
        ids = list(comments.order_by("created_at", "pk").values_list("pk", flat=True))
        total = len(ids)
        for done, comment_id in enumerate(ids, start=1):
            services.score_comment(comment_id=comment_id, again=True)
            if done == total or done % 20 == 0:
                filled = int(30 * done / total)
                self.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}",
                                  ending="")
        self.stderr.write("")
        self.stdout.write(f"Rescored {total} comment{'s' if total != 1 else ''} of {site.slug}.")

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
