from belowtheline.errors import BtlError


class ModerationError(BtlError):
    """Bad input for a moderation action: 400, naming the field."""


class NotAllowed(ModerationError):
    status = 403


class NotFound(ModerationError):
    status = 404


class AlreadyDecided(ModerationError):
    """Someone else acted first; nothing was applied twice."""

    status = 409
