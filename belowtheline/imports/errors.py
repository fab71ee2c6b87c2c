"""Why an import was refused as a whole (the file, not one record of it)."""

from belowtheline.errors import BtlError


class ImportRefused(BtlError):
    """The file cannot be imported: not well-formed, truncated, the wrong format, not a
    database, or an unknown site. Nothing was written; the message says which and where."""
