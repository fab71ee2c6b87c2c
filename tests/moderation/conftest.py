"""The staff fixtures live in tests/conftest.py, shared with the API's moderation tests."""

from tests.conftest import make_staff

__all__ = ["make_staff"]
