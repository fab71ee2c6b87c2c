"""docs/export-format.md describes every field the exporter writes: a column added to a
model shows up in the file at once, and must show up in its description too."""

import re
from pathlib import Path

from belowtheline.portability.format import FORMAT_VERSION, key_of, record_types

DOC = Path(__file__).resolve().parents[2] / "docs" / "export-format.md"


def sections() -> dict[str, str]:
    text = DOC.read_text()
    parts = re.split(r"^### `([a-z_]+)`$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_description_starts_with_its_format_version():
    assert DOC.read_text().splitlines()[0] == f"Format version: {FORMAT_VERSION}"


def test_every_kind_of_record_and_every_field_is_described(db):
    described = sections()
    for record_type in record_types():
        assert record_type.name in described, record_type.name
        rows = re.findall(r"^\| `([a-z_]+)` \|", described[record_type.name], re.MULTILINE)
        assert rows == [key_of(f) for f in record_type.fields], record_type.name
