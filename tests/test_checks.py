import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_malformed_rate_limit_stops_start_up_with_a_named_check(settings, db):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "ten a minute"}
    with pytest.raises(SystemCheckError, match="btl.E001"):
        call_command("check")


def test_default_configuration_passes_the_checks(db):
    call_command("check")
