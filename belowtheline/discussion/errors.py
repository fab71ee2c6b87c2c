"""The discussion app's refusals. Each code is stable: the API documents it, clients rely on it."""

from belowtheline.errors import BtlError


class DiscussionError(BtlError):
    """Bad input that names a field: 400."""


class NotFound(DiscussionError):
    status = 404


class Forbidden(DiscussionError):
    status = 403


class Conflict(DiscussionError):
    status = 409
