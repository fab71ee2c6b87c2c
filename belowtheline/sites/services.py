"""Setting up a publication."""

from datetime import time

from django.db import transaction

from belowtheline.sites.config_cache import config_changed
from belowtheline.sites.models import CoverKind, CoverPeriod, Site


def seed_default_cover(*, site: Site) -> None:
    """Full-time cover Monday to Friday 09:00–18:00, part-time at all other times: the
    schedule a new site starts with, for its admins to change."""
    with transaction.atomic():
        if CoverPeriod.objects.filter(site=site).exists():
            return
        CoverPeriod.objects.bulk_create(
            CoverPeriod(site=site, weekday=day, starts=time(9), ends=time(18),
                        kind=CoverKind.FULL_TIME)
            for day in range(5)
        )
        config_changed(site_id=site.pk)  # bulk_create skips CoverPeriod.save
