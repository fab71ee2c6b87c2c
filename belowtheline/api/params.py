"""Path and query parameters shared by the routers."""

from typing import Annotated

from ninja import Path

from belowtheline.api.schemas import MAX_ID

# What the address's `slug` converter matches: anything else is no address of ours (404).
SiteSlug = Annotated[
    str, Path(description="The site's slug, e.g. `gazette`.", pattern=r"^[-a-zA-Z0-9_]+$")
]
# An id beyond what the database can hold is bad input (400), not a missing row.
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID)]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]
