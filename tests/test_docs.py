"""The docs tell the truth about the code: every rule id a gate can emit is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULE_LITERAL = re.compile(r"""["']([A-Z]{3}\d{3})["']""")


def rule_ids_in_code() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "scripts" / "releasekit").rglob("*.py"):
        ids |= set(RULE_LITERAL.findall(path.read_text(encoding="utf-8")))
    return ids


def test_rule_ids_are_found_in_code() -> None:
    # Guards the scan itself: if the literal pattern stopped matching, the next test would
    # pass vacuously.
    assert {"CHG001", "VER001", "REL003"} <= rule_ids_in_code()


def test_every_rule_id_has_an_entry_in_docs_rules() -> None:
    documented = set(
        re.findall(r"^### ([A-Z]{3}\d{3}) ", (ROOT / "docs" / "rules.md").read_text(), re.MULTILINE)
    )
    missing = sorted(rule_ids_in_code() - documented)
    assert missing == [], f"document these rules in docs/rules.md: {missing}"
