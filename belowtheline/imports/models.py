"""What an import remembers of its source: the source's ids, for re-runs and merges.

Every thread, comment and author read from a file is first *staged* here (pass one, while
the file is streamed), then published into the discussion app's own tables (pass two).
Staged rows are invisible to readers, so a file that turns out to be broken at its last
line imports nothing; and they stay after publishing as the record of which source id
became which of our rows, so that running the same file again, resuming one that was
killed, or importing a newer export of the same forum merges instead of duplicating.

`source` names the system and the instance the ids belong to ("disqus:myforum",
"wordpress:https://blog.example.com", "isso:https://example.com"): two forums' comment
#12 are different comments.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from belowtheline.discussion.models import Article, Comment
from belowtheline.sites.models import Site


class ImportedThread(models.Model):
    """A source's thread (a Disqus thread, a WordPress post or page, an Isso thread)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=300)
    source_id = models.CharField(max_length=300)
    # Disqus names a thread two ways (its dsq:id and its <id> identifier); posts may use
    # either. Empty when the format has one id.
    alt_id = models.CharField(max_length=300, blank=True)
    url = models.TextField(blank=True)
    title = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # WordPress posts and pages become articles with or without comments; a Disqus
    # thread only when it has some (exports list every page the widget ever loaded on).
    always_create = models.BooleanField(default=False)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    run = models.CharField(max_length=32, help_text="The import run that last read it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "source", "source_id"],
                                    name="imported_thread_once"),
        ]
        indexes = [
            models.Index(fields=["site", "source", "alt_id"], name="imported_thread_alt"),
            models.Index(fields=["site", "source", "run"], name="imported_thread_run"),
        ]

    def __str__(self) -> str:
        return f"{self.source} thread {self.source_id}"


class ImportedComment(models.Model):
    """A source's comment, staged until published (`imported_at`), then kept as the map
    from its source id to our comment."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=300)
    source_id = models.CharField(max_length=300)
    alt_id = models.CharField(max_length=300, blank=True)
    thread = models.ForeignKey(ImportedThread, on_delete=models.CASCADE,
                               related_name="comments")
    # The parent as the source names it; `parent` once it is found among the staged rows.
    parent_ref = models.CharField(max_length=300, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    author_key = models.CharField(max_length=300)
    author_name = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Comment.Status.choices)
    created_at = models.DateTimeField()
    run = models.CharField(max_length=32, help_text="The import run that last read it.")
    imported_at = models.DateTimeField(null=True, blank=True)
    # Null after publishing only if our comment was later erased (a reader's deletion):
    # `imported_at` stays, so a re-import never brings it back.
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "source", "source_id"],
                                    name="imported_comment_once"),
            models.CheckConstraint(
                condition=Q(status__in=["published", "pending", "held", "removed",
                                        "deleted"]),
                name="imported_comment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "source", "alt_id"], name="imported_comment_alt"),
            # Pass two walks this run's unpublished comments thread by thread, in time order.
            models.Index(fields=["site", "source", "run", "imported_at", "thread",
                                 "created_at", "id"], name="imported_comment_todo"),
        ]

    def __str__(self) -> str:
        return f"{self.source} comment {self.source_id}"


class ImportedAuthor(models.Model):
    """A source's commenter and the account made for them.

    The account cannot sign in (no usable password, no email, a username sign-up and
    subscriber tokens can never produce), so nobody can take over an imported name's
    history by signing up with its email; the mapping lives here, not in accounts.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=300)
    author_key = models.CharField(max_length=300)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "source", "author_key"],
                                    name="imported_author_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} author {self.author_key}"
