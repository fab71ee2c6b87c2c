"""Ids in addresses: the range the databases can hold, and nothing past it.

Django's `int` converter takes any run of digits, and an id past 2**63 - 1 then fails
inside the database driver (SQLite's "Python int too large", PostgreSQL's bigint out of
range) as a server error. The `id` converter stops at the range, so such an address is a
plain 404, as the API's bounded ids already are.
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("past the largest id")  # Django: this pattern does not match
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
