from belowtheline.errors import BtlError


class AccountError(BtlError):
    pass


class NotSignedIn(AccountError):
    status = 403


class NotASubscriber(AccountError):
    status = 403


class EmailNotConfirmed(AccountError):
    """A new account whose address is not confirmed yet (403 `email_not_confirmed`)."""

    status = 403


class TokenRefused(AccountError):
    """A subscriber token we will not honour. Always 401: the caller must get a new token
    from the publisher, and we never fall back to another identity."""

    status = 401


class ApiKeyRefused(AccountError):
    """An API key that is unknown or revoked (401)."""

    status = 401


class ApiKeyWrongSite(AccountError):
    """A valid key sent to another site's address: keys act on their own site only."""

    status = 403


class NotAnAdmin(AccountError):
    """Only a site's admins (and superusers) manage its API keys."""

    status = 403


class ApiKeyNotFound(AccountError):
    status = 404
