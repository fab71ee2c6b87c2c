import pytest


@pytest.fixture(autouse=True)
def _receivers_on_this_machine(settings):
    """These tests' webhook receivers listen on 127.0.0.1, which production refuses
    (tests/integrations/test_webhook_destinations.py tests the refusal itself)."""
    settings.BTL_WEBHOOK_ALLOW_PRIVATE = True
