"""The base of every domain error: a stable code for machines, a message for people."""


class BtlError(Exception):
    """A rule said no. `code` is stable and documented; `message` can be shown to a reader."""

    status: int = 400

    def __init__(self, code: str, message: str, *, field: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body
