"""Anti-bias test results from pytest's JUnit XML (``pytest tests/test_bias.py --junitxml=F``).

Stdlib only, with defusedxml's caution done by hand: a document type declaration is refused
before parsing, so no entity can be declared, expanded ("billion laughs") or fetched (XXE).
pytest never writes one. The size is bounded by the caller's ``read_text`` limit. The tree is
built through expat directly (``ElementTree.TreeBuilder``), which records each element's line
for the error messages; ElementTree's own parser keeps none.

Counting fails closed: a test case with a ``<failure>`` or ``<error>`` child counts as failed,
and a ``<testsuite failures="N" errors="N">`` total larger than the cases we saw wins (pytest
reports some collection errors only in the totals).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.parsers import expat

from releasekit.errors import InputError

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_MAX_NAMES = 5


@dataclass(frozen=True)
class BiasResults:
    """What the anti-bias run reported."""

    shown_as: str
    tests: int
    failures: int
    errors: int
    skipped: int
    failed_names: tuple[str, ...]

    @property
    def ran(self) -> int:
        """Test cases that ran (not skipped)."""
        return max(self.tests - self.skipped, 0)

    @property
    def passed(self) -> int:
        """Test cases that ran and neither failed nor errored."""
        return max(self.ran - self.failures - self.errors, 0)


def _total(suites: list[ET.Element], attr: str, shown_as: str, lines: dict[int, int]) -> int:
    total = 0
    for s in suites:
        raw = s.get(attr, "0").strip() or "0"
        if not raw.isdigit():
            raise InputError(
                f"<testsuite {attr}={raw!r}> is not a count",
                file=shown_as,
                line=lines.get(id(s)),
                hint="pass the JUnit XML file pytest wrote (--junitxml=FILE)",
            )
        total += int(raw)
    return total


def _parse(text: str, *, shown_as: str) -> tuple[ET.Element, dict[int, int]]:
    """The XML's root element, and the line of each element (by ``id``)."""
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}
    parser = expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        lines[id(builder.start(tag, attrs))] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise InputError(
            f"the JUnit XML is not well-formed: {expat.ErrorString(exc.code)}"
            f" (line {exc.lineno}, column {exc.offset + 1})",
            file=shown_as,
            line=exc.lineno,
            hint="pass the file pytest wrote with --junitxml",
        ) from None
    return builder.close(), lines


def parse_junit(text: str, *, shown_as: str) -> BiasResults:
    """Read pytest's JUnit XML; unusable or unsafe XML is an ``InputError`` (exit 2)."""
    dtd = _DTD.search(text)
    if dtd is not None:
        raise InputError(
            "the JUnit XML declares a document type or entities, which are refused",
            file=shown_as,
            line=text.count("\n", 0, dtd.start()) + 1,
            hint="pass the file pytest wrote with --junitxml; it has no <!DOCTYPE>",
        )
    root, lines = _parse(text, shown_as=shown_as)  # DTDs refused above; size bounded by read_text
    if root.tag not in ("testsuites", "testsuite"):
        raise InputError(
            f"the file is XML but not JUnit (root element <{root.tag}>)",
            file=shown_as,
            line=lines.get(id(root)),
            hint="pass the file pytest wrote with --junitxml",
        )
    suites = [root] if root.tag == "testsuite" else root.findall(".//testsuite")
    cases = root.findall(".//testcase")
    failures = errors = skipped = 0
    names: list[str] = []
    for case in cases:
        failed = case.find("failure") is not None
        errored = case.find("error") is not None
        if failed:
            failures += 1
        if errored:
            errors += 1
        if not failed and not errored and case.find("skipped") is not None:
            skipped += 1
        if (failed or errored) and len(names) < _MAX_NAMES:
            cls = case.get("classname", "")
            names.append(f"{cls}::{case.get('name', '?')}" if cls else case.get("name", "?"))
    tests = max(len(cases), _total(suites, "tests", shown_as, lines))
    return BiasResults(
        shown_as=shown_as,
        tests=tests,
        failures=max(failures, _total(suites, "failures", shown_as, lines)),
        errors=max(errors, _total(suites, "errors", shown_as, lines)),
        skipped=max(skipped, _total(suites, "skipped", shown_as, lines)),
        failed_names=tuple(names),
    )
