"""The WSGI application `btl serve` runs: Django, behind the thread fast path.

The fast path answers the hot shared thread bodies from memory without entering Django
(see `belowtheline/fastpath.py`); a subscriber token's per-reader request runs its view
without Django's middleware stack (`belowtheline/viewer_path.py`), and so does a token's
new comment through the API (`belowtheline/posting_path.py`), and so does a moderator's
queue page (`belowtheline/desk_path.py`); everything else, and every request they are
not sure of, goes to Django unchanged.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
django_application = get_wsgi_application()

from belowtheline.desk_path import DeskPath  # noqa: E402 - needs the settings configured
from belowtheline.fastpath import FastPath  # noqa: E402
from belowtheline.posting_path import PostingPath  # noqa: E402
from belowtheline.viewer_path import ViewerPath  # noqa: E402

application = FastPath(DeskPath(ViewerPath(PostingPath(django_application))))
