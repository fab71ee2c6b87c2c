"""A site's data out and back in: `btl export` writes it, `btl import btl` restores it.

The format (JSON Lines, documented field by field in docs/export-format.md) is the
publisher's own copy of everything the site holds, so that it can leave with its data and
come back with it: written by `export.py`, read by `restore.py`, both driven by the one
list of record types in `format.py`.
"""
