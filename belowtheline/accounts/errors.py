from belowtheline.errors import BtlError


class AccountError(BtlError):
    pass


class NotSignedIn(AccountError):
    status = 403


class NotASubscriber(AccountError):
    status = 403
