"""Configuration mistakes show up at start-up as system checks, not as 500s at 2 a.m."""

import os
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

_RATE = re.compile(r"^[1-9][0-9]*/[1-9][0-9]*$")


@register()
def check_rate_limits(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(
            f"Rate limit for {kind!r} is {spec!r}; expected COUNT/SECONDS such as 10/60.",
            hint=f"Fix BTL_RATE_{kind.upper()} in the environment.",
            id="btl.E001",
        )
        for kind, spec in settings.BTL_RATE_LIMITS.items()
        if not _RATE.match(str(spec))
    ]


@register(Tags.security, deploy=True)
def check_secret_key_source(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if os.environ.get("SECRET_KEY"):
        return []
    return [
        Warning(
            "SECRET_KEY is not set; a key generated into var/secret_key is in use.",
            hint="Set SECRET_KEY in the environment so every web process shares one key.",
            id="btl.W001",
        )
    ]


@register()
def check_static_manifest(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """BTL_STATIC_MANIFEST=1 without a collected manifest would 500 on every page that links
    a stylesheet; say so at start-up instead."""
    if not settings.BTL_STATIC_MANIFEST:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        return []
    return [
        Error(
            f"BTL_STATIC_MANIFEST is set but {manifest} does not exist.",
            hint="Run `btl collectstatic --noinput` with BTL_STATIC_MANIFEST=1 (`btl serve` "
                 "does it by itself), or unset BTL_STATIC_MANIFEST.",
            id="btl.E010",
        )
    ]
