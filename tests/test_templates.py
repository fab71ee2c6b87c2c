"""Django's `{# … #}` comments end at the line's end: one spread over several lines is
printed to the reader as text (it once put "{# The comment box as this viewer gets it…"
at the top of every subscriber's comment box in the embed)."""

from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "belowtheline").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_comment_spills_onto_the_page(template: Path) -> None:
    for number, line in enumerate(template.read_text().splitlines(), 1):
        if "{#" in line:
            assert "#}" in line[line.index("{#"):], (
                f"{template.name}:{number}: a {{# comment must close on its own line; "
                "use {% comment %} for several lines"
            )
