"""The audit evidence formats (docs/formats/): figures, headers, the log, reports, templates."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from releasekit.core.audit.formats import (
    UnitKind,
    is_sha256,
    parse_audit_log,
    parse_audit_report,
    parse_figure,
    parse_header,
    parse_paper_report,
    parse_period,
    valid_name,
)
from releasekit.core.versioning.versions import parse_version

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "docs" / "templates"


@pytest.mark.parametrize(
    ("text", "value", "percent", "decimals"),
    [
        pytest.param("+4.2%", "4.2", True, 1, id="signed-percent"),
        pytest.param("-1.30%", "-1.30", True, 2, id="negative"),
        pytest.param("\u22120.5 %", "-0.5", True, 1, id="unicode-minus-and-space"),
        pytest.param("25", "25", False, 0, id="count"),
        pytest.param(" 1.20 ", "1.20", False, 2, id="padded"),
    ],
)
def test_parse_figure(text: str, value: str, percent: bool, decimals: int) -> None:
    fig = parse_figure(text)
    assert fig is not None
    assert (fig.value, fig.percent, fig.decimals) == (Decimal(value), percent, decimals)


@pytest.mark.parametrize("text", ["", "n/a", "1,5", "1.2.3", "--1", "1e3", "12%%", "abc%"])
def test_parse_figure_refuses_non_numbers(text: str) -> None:
    assert parse_figure(text) is None


@pytest.mark.parametrize(
    ("stated", "computed", "agrees"),
    [
        pytest.param("83%", Fraction(500, 6), True, id="rounded-to-integer"),
        pytest.param("83.3%", Fraction(500, 6), True, id="one-decimal"),
        pytest.param("83.34%", Fraction(500, 6), False, id="wrong-second-decimal"),
        pytest.param("84%", Fraction(500, 6), False, id="wrong-integer"),
        pytest.param("14%", Fraction(100, 7), True, id="runbook-14-percent"),
        pytest.param("62.5%", Fraction(125, 2), True, id="exact"),
    ],
)
def test_stated_figure_agreement(stated: str, computed: Fraction, agrees: bool) -> None:
    fig = parse_figure(stated)
    assert fig is not None
    assert fig.agrees_with(computed) is agrees


def test_parse_period() -> None:
    assert parse_period("2024-01-01 to 2024-01-14") is not None
    assert parse_period("2024-01-14 to 2024-01-01") is None  # reversed
    assert parse_period("2024-01-01 - 2024-01-14") is None
    assert parse_period("2024-02-30 to 2024-03-01") is None


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("ICT_QM", True),
        ("a", True),
        ("A" * 64, True),
        ("A" * 65, False),
        ("1ABC", False),
        ("_X", False),
        ("ICT-QM", False),
        ("../x", False),
        ("ICT QM", False),
        ("ICT_QM\n", False),
    ],
)
def test_valid_name(name: str, ok: bool) -> None:
    assert valid_name(name) is ok


PINE = """// @version=6
// Strategy: ICT_QM
// Version: 2.1.0
// Audit: AUD-2024-01-15-001 (PASS)
// Released: 2024-01-20
strategy("x")
// Version: 9.9.9
"""


def test_pine_header() -> None:
    h = parse_header(PINE, shown_as="s.pine", kind="strategy", stem="ict_qm")
    assert h.findings == ()
    assert h.name == "ICT_QM"
    assert h.version == parse_version("2.1.0")  # the comment after the code is not the header
    assert (h.audit_id, h.audit_verdict) == ("AUD-2024-01-15-001", "PASS")
    assert str(h.released) == "2024-01-20"
    audit = h.get("Audit")
    assert audit is not None
    assert audit.line == 4


def test_python_model_header_after_shebang() -> None:
    text = (
        "#!/usr/bin/env python3\n# model: REGIME\n# version: 1.0.0\n"
        "# AUDIT: AUD-2024-01-10-001 (PASS)\n"
        '# Released: 2024-01-20\n"""doc"""\n'
    )
    h = parse_header(text, shown_as="m.py", kind="model", stem="regime")
    assert h.findings == ()
    assert h.name == "REGIME"


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        pytest.param("x = 1\n", "model", "no release header", id="no-header"),
        pytest.param(
            PINE.replace("// Version: 2.1.0\n", "// Version: 2.1.0\n// Version: 2.2.0\n"),
            "strategy",
            "appears twice",
            id="duplicate-key",
        ),
        pytest.param(
            PINE.replace("Strategy:", "Model:"), "strategy", "not `Model:`", id="model-key-in-pine"
        ),
        pytest.param(
            PINE.replace("ICT_QM", "../x"),
            "strategy",
            "not a valid strategy name",
            id="hostile-name",
        ),
        pytest.param(
            PINE.replace(" (PASS)", ""),
            "strategy",
            "not `AUD-YYYY-MM-DD-NNN (VERDICT)`",
            id="audit-without-verdict",
        ),
        pytest.param(
            PINE.replace("2024-01-15-001", "2024-02-30-001"),
            "strategy",
            "not `AUD-",
            id="audit-id-impossible-date",
        ),
        pytest.param(
            PINE.replace("// Released: 2024-01-20\n", ""),
            "strategy",
            "no `Released:`",
            id="no-released",
        ),
    ],
)
def test_header_problems(text: str, kind: str, words: str) -> None:
    h = parse_header(text, shown_as="f", kind=kind, stem="ict_qm")  # type: ignore[arg-type]
    assert any(words in f.message and f.rule == "AUD014" for f in h.findings), h.findings


LOG = """# Log

```
| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |
|---|---|---|---|---|---|---|---|
| AUD-2024-01-01-001 | FAKE | 1.0.0 | 1.0.0 | 2024-01-01 | x | PASS | r |
```

| Notes | |
|---|---|
| a legend table | ignored |

## 2023

| Verdict | Audit ID | Strategy | Version | Release | Date | Auditor | Report | Notes |
|---|---|---|---|---|---|---|---|---|
| PASS | AUD-2023-12-11-001 | ICT_QM | 2.1.0 | 1.2.1, v1.2.2 | 2023-12-11 | MO | [r](a.md) | x |

## 2024

| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |
|---|---|---|---|---|---|---|---|
| AUD-2024-01-15-001 | ICT_QM | 2.1.0 | — | 2024-01-15 | M. O. | **PASS** | [r](ict_qm_audit.md) |
| AUD-2024-01-16-001 | ICT_QM | 2.1.0 | 1.2.3, next | 2024-01-16 | M. O. | PASS | |
"""


def test_audit_log_tables_in_any_column_order_and_split_by_year() -> None:
    log = parse_audit_log(LOG, shown_as="log.md")
    assert log.findings == ()
    assert [r.audit_id for r in log.rows] == [
        "AUD-2023-12-11-001",
        "AUD-2024-01-15-001",
        "AUD-2024-01-16-001",
    ]  # not the one in the code block, not the legend
    first, second, third = log.rows
    assert log.releases(first) == ([parse_version("1.2.1"), parse_version("1.2.2")], [])
    assert log.releases(second) == ([], [])
    assert log.releases(third) == ([parse_version("1.2.3")], ["next"])
    assert second.verdict == "PASS"  # emphasis is not part of the verdict
    assert log.report_links(first) == ["a.md"]
    assert [r.audit_id for r in log.for_strategy("ict_qm")] == [r.audit_id for r in log.rows]
    assert first.line == 17


def test_audit_log_missing_column() -> None:
    log = parse_audit_log(
        "| Audit ID | Strategy |\n|---|---|\n| AUD-2024-01-01-001 | X |\n", shown_as="l"
    )
    [f] = log.findings
    assert f.rule == "AUD016"
    assert "Version, Release, Date, Auditor, Verdict, Report columns" in f.message


def test_audit_report_duplicate_sections_and_missing_summary() -> None:
    text = "# R\n\n## 5. Fixes\n\n- [x] a\n\n## 5. Fixes again\n\n## 6. Walk-forward\n\nnone\n"
    report = parse_audit_report(text, shown_as="r.md")
    messages = [f.message for f in report.findings]
    assert any("two sections numbered 5" in m for m in messages)
    assert any("no summary table" in m for m in messages)
    assert any("no walk-forward table" in m for m in messages)


@pytest.mark.parametrize(
    "name",
    [
        "audit_log.md",
        "audit_report.md",
        "paper_reconciliation.md",
        "strategy_header.pine",
        "model_header.py",
    ],
)
def test_templates_have_the_structure_the_gate_reads(name: str) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if name == "audit_log.md":
        log = parse_audit_log(text, shown_as=name)
        assert log.findings == ()
        assert len(log.rows) == 1
    elif name == "audit_report.md":
        report = parse_audit_report(text, shown_as=name)
        structural = [f for f in report.findings if "is not" not in f.message]
        assert structural == []  # only the placeholder values (AUD-YYYY-..., X.Y.Z) are flagged
        assert report.fixes is not None
        assert report.walk_forward is not None
        assert len(report.walk_forward.windows) == 1
    elif name == "paper_reconciliation.md":
        paper = parse_paper_report(text, shown_as=name)
        assert [m.name for m in paper.metrics] == ["Sharpe", "Trades", "Win rate"]
        assert all("period" in f.message for f in paper.findings)
    else:
        kind: UnitKind = "strategy" if name.endswith(".pine") else "model"
        stem = "strategy_name" if kind == "strategy" else "model_name"
        header = parse_header(text, shown_as=name, kind=kind, stem=stem)
        assert set(header.fields) >= {"Version", "Audit", "Released"}
        assert header.name_field is not None


def test_audit_log_sha256_column_is_optional_and_read_in_any_case() -> None:
    head = "| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |"
    row = "| AUD-2024-01-01-001 | X | 1.0.0 | 1.0.0 | 2024-01-01 | A | PASS | r |"
    old = parse_audit_log(f"{head}\n|{'---|' * 8}\n{row}\n", shown_as="l")
    [r] = old.rows
    assert old.findings == ()
    assert not old.has_sha256(r)
    assert old.sha256(r) == ""
    digest = "AB" * 32
    new = parse_audit_log(f"{head} sha256 |\n|{'---|' * 9}\n{row} {digest} |\n", shown_as="l")
    [r] = new.rows
    assert new.has_sha256(r)
    assert new.sha256(r) == digest
    assert is_sha256(digest)
    assert not is_sha256(digest[:-1])
    assert not is_sha256("g" * 64)


def test_walk_forward_windows_keep_their_out_of_sample_period() -> None:
    text = (
        "| Field | Value |\n|---|---|\n| Audit ID | AUD-2024-01-01-001 |\n\n"
        "## 6. Walk-forward\n\n"
        "| Window | IS return | OOS period | OOS return |\n|---|---|---|---|\n"
        "| 1 | +1% | 2022-01-01 to 2022-03-31 | +1% |\n"
    )
    report = parse_audit_report(text, shown_as="r.md")
    assert report.walk_forward is not None
    [window] = report.walk_forward.windows
    assert window.oos_period == "2022-01-01 to 2022-03-31"
