"""What counts as text a person typed, for every field people type into.

Comments, replies, edits, amendments, report notes, display names (typed or from a
publisher's token), moderators' reasons and notes, and rules all pass through here, so
that one rule decides everywhere: a comment of zero-width spaces would otherwise publish as
an empty box, a name of bidi controls would flip the line it sits on, and bytes that were
not UTF-8 would publish as "��".
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "\ufffd"  # what a decoder leaves for bytes that were not UTF-8
# Combining marks on one character: Vietnamese and Indic scripts stack up to about four;
# dozens ("Zalgo" text) spill over the lines around them.
MAX_COMBINING_RUN = 8
# Whitespace (Z*), format characters (Cf: zero-width spaces and joiners, bidi controls,
# the BOM) and combining marks (M*) show nothing by themselves.
_INVISIBLE_CATEGORIES = ("Zs", "Zl", "Zp", "Cf", "Mn", "Me", "Cc")


def is_visible(ch: str) -> bool:
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES


def has_visible_text(text: str) -> bool:
    """Whether anything would show: not only whitespace, zero-width and bidi controls, or
    combining marks with no character to sit on."""
    return any(is_visible(ch) for ch in text)


def problem(text: str) -> tuple[str, str] | None:
    """(code, message) for what makes `text` unfit to store and show; None when fine.

    Emptiness is the caller's to judge (an optional note may be empty), but text that is
    there and shows nothing is refused here.
    """
    if REPLACEMENT in text:
        return ("text_invalid", "The text contains characters that could not be read "
                "(it was not sent as UTF-8). Please type it again.")
    if text.strip() and not has_visible_text(text):
        return ("text_invisible", "That text has no visible characters.")
    run = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            run += 1
            if run > MAX_COMBINING_RUN:
                return ("text_invalid", "The text stacks too many accents on one letter.")
        else:
            run = 0
    return None


def clean_name(name: str, max_length: int) -> str:
    """A display name as it will be shown: trimmed, NFC, at most `max_length`; '' when it
    shows nothing, so the caller can fall back to another name."""
    name = unicodedata.normalize("NFC", name).strip()[:max_length]
    if problem(name) is not None or not has_visible_text(name):
        return ""
    return "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
