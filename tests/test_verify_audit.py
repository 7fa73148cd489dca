"""verify-audit on the example trading desk: it passes as shipped, and every rule blocks a copy.

Each case mutates a fresh copy of examples/trading-desk in tmp_path and asserts the rule id,
the exit code and the file:line of the finding that names the problem.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasekit import __version__
from releasekit.cli import main as releasekit_main
from releasekit.cli.verify_audit import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "trading-desk"
GOLDEN = Path(__file__).parent / "golden"

PINE = "strategies/pine_v6/ict_qm.pine"
SB_PINE = "strategies/pine_v6/session_breakout.pine"
MODEL = "models/regime_filter.py"
LOG = "docs/audits/audit_log.md"
REPORT = "docs/audits/ict_qm_audit.md"
SB_REPORT = "docs/audits/session_breakout_audit.md"
RF_REPORT = "docs/audits/regime_filter_audit.md"
PAPER = "docs/paper/ict_qm_paper.md"
POLICY = ".github/release-policy.yml"
ICT_ROW = "| AUD-2024-01-15-001 | ICT_QM | 2.1.0 | 1.2.3 | 2024-01-15 | M. Okafor | PASS |"


def copy_example(dest: Path) -> Path:
    """A copy of the example repository (without caches)."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return dest


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the example desk; the working directory is its parent."""
    repo = copy_example(tmp_path / "trading-desk")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return repo


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    """Run the gate with --format json; no traceback may reach stderr."""
    code = main([*args, "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, json.loads(captured.out)


def replace(repo: Path, rel: str, old: str, new: str) -> None:
    """Replace text in a file of the copy; the old text must be there."""
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(repo: Path, rel: str, marker: str) -> int:
    """The 1-based line of the first line of ``rel`` containing ``marker``."""
    for no, line in enumerate((repo / rel).read_text(encoding="utf-8").split("\n"), start=1):
        if marker in line:
            return no
    raise AssertionError(f"{marker!r} not in {rel}")


def errors(out: dict[str, Any]) -> list[dict[str, Any]]:
    """The error findings of a JSON report."""
    return [f for f in out["findings"] if f["level"] == "error"]


# ---------------------------------------------------------------------------------------------
# The example as shipped


def test_example_strategy_and_version_passes(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(
        ["--repo", "trading-desk", "--strategy", "ICT_QM", "--version", "1.2.3"], capsys
    )
    assert code == 0, out["findings"]
    assert out["verdict"] == "pass"
    [unit] = out["data"]["strategies"]
    assert unit["name"] == "ICT_QM"
    assert unit["audit_id"] == "AUD-2024-01-15-001"
    assert unit["release_documented"] is True
    assert unit["walk_forward"] == {"windows": 8, "profitable": 7, "consistency": "87.5%"}
    assert unit["paper_trades"] == 25
    assert out["data"]["release_date"] == "2024-01-15"


def test_example_all_passes_and_checks_every_unit(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(["--repo", "trading-desk", "--all"], capsys)
    assert code == 0, out["findings"]
    names = [u["name"] for u in out["data"]["strategies"]]
    assert sorted(names) == ["ICT_QM", "REGIME_FILTER", "SESSION_BREAKOUT"]
    assert out["data"]["version"] == "1.2.3"  # from version.yaml when --version is not given


def test_no_selection_means_all(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["--repo", "trading-desk", "--version=v1.2.3"], capsys)
    assert code == 0
    assert out["data"]["selection"] == "all strategies and models"


def test_acceptance_command_as_a_process() -> None:
    """The command the acceptance check runs, from the project root, as a whole process."""
    proc = subprocess.run(
        [
            sys.executable,
            "scripts/verify_audit.py",
            "--repo",
            "examples/trading-desk",
            "--strategy",
            "ICT_QM",
            "--version",
            "1.2.3",
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GITHUB_ACTIONS": ""},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["verdict"] == "pass"


def test_runbook_invocation_forms(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Phase 1 step 5 writes `--strategy=ICT_QM`; the pipeline passes the tag name, v-prefixed.
    assert releasekit_main(["verify-audit", "--repo", "trading-desk", "--strategy=ICT_QM"]) == 0
    assert releasekit_main(["verify-audit", "--repo", "trading-desk", "--version=v1.2.3"]) == 0
    assert "PASS" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Every rule blocks a mutated copy


Mutation = Callable[[Path], None]


def edits(*changes: tuple[str, str, str]) -> Mutation:
    def apply(repo: Path) -> None:
        for rel, old, new in changes:
            replace(repo, rel, old, new)

    return apply


def delete(rel: str) -> Mutation:
    def apply(repo: Path) -> None:
        (repo / rel).unlink()

    return apply


def append(rel: str, text: str) -> Mutation:
    def apply(repo: Path) -> None:
        with (repo / rel).open("a", encoding="utf-8") as fh:
            fh.write(text)

    return apply


def copy_file(src: str, dest: str) -> Mutation:
    def apply(repo: Path) -> None:
        (repo / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo / src, repo / dest)

    return apply


LATER_FAIL = (
    "| AUD-2024-01-15-002 | ICT_QM | 2.1.0 | — | 2024-01-15 | R. Diaz | FAIL |"
    " [ict_qm_audit.md](ict_qm_audit.md) |\n"
)
DUPLICATE = (
    "| AUD-2024-01-15-001 | ICT_QM | 2.1.0 | 1.2.3 | 2024-01-15 | R. Diaz | PASS |"
    " [ict_qm_audit.md](ict_qm_audit.md) |\n"
)

# (mutation, extra args, rule, file of the finding, marker of its line or None)
CASES = [
    pytest.param(delete(REPORT), [], "AUD001", REPORT, None, id="AUD001-report-missing"),
    pytest.param(
        edits((LOG, ICT_ROW, ICT_ROW.replace("| PASS |", "| FAIL |"))),
        [],
        "AUD002",
        LOG,
        "AUD-2024-01-15-001",
        id="AUD002-log-verdict-fail",
    ),
    pytest.param(
        edits((REPORT, "| Verdict | PASS |", "| Verdict | FAIL |")),
        [],
        "AUD002",
        REPORT,
        "| Verdict |",
        id="AUD002-report-verdict-fail",
    ),
    pytest.param(
        edits((PINE, "AUD-2024-01-15-001 (PASS)", "AUD-2024-01-15-001 (FAIL)")),
        [],
        "AUD002",
        PINE,
        "// Audit:",
        id="AUD002-header-verdict-disagrees-with-log",
    ),
    pytest.param(
        edits((REPORT, "- [x] Stop distance", "- [ ] Stop distance")),
        [],
        "AUD003",
        REPORT,
        "Stop distance",
        id="AUD003-open-fix",
    ),
    pytest.param(
        edits((REPORT, "- [x] Stop distance", "- Stop distance")),
        [],
        "AUD003",
        REPORT,
        "Stop distance",
        id="AUD003-fix-not-a-task-item",
    ),
    pytest.param(
        edits(
            (MODEL, "(PASS)", "(PASS-WITH-FIXES)"),
            (RF_REPORT, "| Verdict | PASS |", "| Verdict | PASS-WITH-FIXES |"),
            (
                LOG,
                "| 1.2.3 | 2024-01-10 | A. Sato | PASS |",
                "| 1.2.3 | 2024-01-10 | A. Sato | PASS-WITH-FIXES |",
            ),
        ),
        ["--strategy", "REGIME_FILTER"],
        "AUD003",
        RF_REPORT,
        "## 5. Fixes",
        id="AUD003-pass-with-fixes-lists-no-fix",
    ),
    pytest.param(
        edits(
            (REPORT, "| +2.4% | 1.10 |", "| -2.4% | -1.10 |"),
            (REPORT, "| +2.9% | 1.21 |", "| -2.9% | -1.21 |"),
            (REPORT, "| +1.8% | 0.87 |", "| -0.2% | -0.07 |"),
            (REPORT, "Consistency: 87.5% (7 of 8", "Consistency: 50% (4 of 8"),
        ),
        [],
        "AUD004",
        REPORT,
        "| Window |",
        id="AUD004-walk-forward-below-threshold",
    ),
    pytest.param(
        edits(
            (REPORT, "| +2.4% | 1.10 |", "| 0.0% | 0.00 |"),
            (REPORT, "| +2.9% | 1.21 |", "| 0.00% | 0.00 |"),
            (REPORT, "| +1.8% | 0.87 |", "| -0.0% | 0.00 |"),
            (REPORT, "Consistency: 87.5% (7 of 8", "Consistency: 50% (4 of 8"),
        ),
        [],
        "AUD004",
        REPORT,
        "| Window |",
        id="AUD004-break-even-windows-are-not-profitable",
    ),
    pytest.param(
        edits(
            (
                POLICY,
                "walk_forward_consistency_above: 0.60",
                "walk_forward_consistency_above: 0.625",
            )
        ),
        ["--strategy", "REGIME_FILTER"],
        "AUD004",
        RF_REPORT,
        "| Window |",
        id="AUD004-threshold-is-strictly-greater",
    ),
    pytest.param(
        edits((REPORT, "| +2.4% | 1.10 |", "| -2.4% | -1.10 |")),
        [],
        "AUD005",
        REPORT,
        "Consistency:",
        id="AUD005-stated-consistency-disagrees-with-table",
    ),
    pytest.param(
        edits((REPORT, "| +2.4% | 1.10 |", "| n/a | 1.10 |")),
        [],
        "AUD005",
        REPORT,
        "| 2 | 2021-04-01",
        id="AUD005-unreadable-oos-return",
    ),
    pytest.param(
        edits((REPORT, "## 6. Walk-forward", "## 8. Walk-forward")),
        [],
        "AUD005",
        REPORT,
        "| Field | Value |",
        id="AUD005-no-section-6",
    ),
    pytest.param(
        edits((PAPER, "| Sharpe | 1.20 | 1.40 | 14.3% |", "| Sharpe | 1.10 | 1.40 | 21.4% |")),
        [],
        "AUD006",
        PAPER,
        "| Sharpe |",
        id="AUD006-paper-divergence-over-20-percent",
    ),
    pytest.param(
        edits((PAPER, "| Net return | 1.9% | 2.2% | 13.6% |", "| Net return | 0.4% | 0.0% | 0% |")),
        [],
        "AUD007",
        PAPER,
        "| Net return |",
        id="AUD007-zero-backtest-figure",
    ),
    pytest.param(
        edits((PAPER, "| 1.40 | 14.3% |", "| 1.40 | 4.3% |")),
        [],
        "AUD007",
        PAPER,
        "| Sharpe |",
        id="AUD007-stated-divergence-disagrees",
    ),
    pytest.param(
        edits(
            (
                PAPER,
                "| Backtest period | 2024-01-01 to 2024-01-14 |",
                "| Backtest period | 2023-12-01 to 2023-12-14 |",
            )
        ),
        [],
        "AUD007",
        PAPER,
        "| Backtest period |",
        id="AUD007-backtest-over-another-period",
    ),
    pytest.param(
        edits(
            (
                PAPER,
                "2024-01-01 to 2024-01-14 |\n| Backtest period | 2024-01-01 to 2024-01-14",
                "2024-01-02 to 2024-01-16 |\n| Backtest period | 2024-01-02 to 2024-01-16",
            )
        ),
        [],
        "AUD007",
        PAPER,
        "| Paper period |",
        id="AUD007-paper-period-after-release",
    ),
    pytest.param(
        edits((PAPER, "| Win rate | 52.0% | 55.6% | 6.5% |\n", "")),
        [],
        "AUD007",
        PAPER,
        "| Metric |",
        id="AUD007-required-metric-missing",
    ),
    pytest.param(delete(PAPER), [], "AUD007", PAPER, None, id="AUD007-paper-report-missing"),
    pytest.param(
        edits((PAPER, "| Trades | 25 | 27 | 7.4% |", "| Trades | 9 | 10 | 10.0% |")),
        [],
        "AUD008",
        PAPER,
        "| Trades |",
        id="AUD008-too-few-paper-trades",
    ),
    pytest.param(
        edits(),
        ["--release-date", "2024-02-15"],
        "AUD009",
        REPORT,
        "| Date |",
        id="AUD009-audit-31-days-old",
    ),
    pytest.param(
        edits(),
        ["--release-date", "2024-01-14"],
        "AUD009",
        REPORT,
        "| Date |",
        id="AUD009-audit-after-release",
    ),
    pytest.param(
        edits(("version.yaml", "release_date: 2024-01-15", "release_date: 2024-03-01")),
        [],
        "AUD009",
        REPORT,
        "| Date |",
        id="AUD009-stale-against-version-yaml-date",
    ),
    pytest.param(
        edits((PINE, "// Released: 2024-01-20", "// Released: 2024-01-10")),
        [],
        "AUD009",
        PINE,
        "// Released:",
        id="AUD009-released-before-audit",
    ),
    pytest.param(
        edits((PINE, "AUD-2024-01-15-001", "AUD-2024-01-15-009")),
        [],
        "AUD010",
        PINE,
        "// Audit:",
        id="AUD010-header-audit-not-in-log",
    ),
    pytest.param(
        edits((SB_PINE, "AUD-2024-01-12-001 (PASS-WITH-FIXES)", "AUD-2024-01-15-001 (PASS)")),
        ["--strategy", "SESSION_BREAKOUT"],
        "AUD010",
        LOG,
        "AUD-2024-01-15-001",
        id="AUD010-audit-of-another-strategy",
    ),
    pytest.param(
        edits((PINE, "// Version: 2.1.0", "// Version: 2.2.0")),
        [],
        "AUD011",
        LOG,
        "AUD-2024-01-15-001",
        id="AUD011-header-version-not-audited",
    ),
    pytest.param(
        edits((REPORT, "| Version | 2.1.0 |", "| Version | 2.0.0 |")),
        [],
        "AUD011",
        REPORT,
        "| Version |",
        id="AUD011-report-of-another-version",
    ),
    pytest.param(
        edits((LOG, "| ICT_QM | 2.1.0 | 1.2.3 |", "| ICT_QM | 2.1.0 | — |")),
        [],
        "AUD012",
        LOG,
        "AUD-2024-01-15-001",
        id="AUD012-release-not-in-log",
    ),
    pytest.param(
        edits(("version.yaml", "version: 1.2.3", "version: 1.2.4")),
        ["--version", "1.2.4"],
        "AUD012",
        LOG,
        "AUD-2024-01-15-001",
        id="AUD012-next-release-not-documented",
    ),
    pytest.param(
        edits((PINE, "// Strategy: ICT_QM\n", "")),
        [],
        "AUD014",
        PINE,
        None,
        id="AUD014-header-without-name",
    ),
    pytest.param(
        edits((PINE, "// Strategy: ICT_QM", "// Strategy: ICT_QX")),
        [],
        "AUD014",
        PINE,
        "// Strategy:",
        id="AUD014-header-name-is-not-the-file-name",
    ),
    pytest.param(
        edits((PINE, "// Version: 2.1.0", "// Version: 2.1")),
        [],
        "AUD014",
        PINE,
        "// Version:",
        id="AUD014-header-version-not-semver",
    ),
    pytest.param(
        copy_file(PINE, "strategies/pine_v5/ict_qm.pine"),
        [],
        "AUD015",
        "strategies/pine_v6/ict_qm.pine",
        None,
        id="AUD015-strategy-defined-twice",
    ),
    pytest.param(
        append(LOG, DUPLICATE),
        [],
        "AUD016",
        LOG,
        "R. Diaz",
        id="AUD016-duplicate-audit-id",
    ),
    pytest.param(
        edits(
            (
                LOG,
                "| 1.0.0 | 1.0.0 | 2023-08-28 | M. Okafor | PASS |",
                "| 1.0.0 | 1.0.0 | 2023-08-28 | M. Okafor | Passed |",
            )
        ),
        [],
        "AUD016",
        LOG,
        "2023-08-28",
        id="AUD016-verdict-not-a-verdict",
    ),
    pytest.param(delete(LOG), [], "AUD016", LOG, None, id="AUD016-audit-log-missing"),
    pytest.param(
        edits((REPORT, "| Audit ID | AUD-2024-01-15-001 |", "| Audit ID | AUD-2023-12-11-001 |")),
        [],
        "AUD017",
        REPORT,
        "| Audit ID |",
        id="AUD017-report-of-another-audit",
    ),
    pytest.param(
        edits((REPORT, "| Date | 2024-01-15 |", "| Date | 2024-01-14 |")),
        [],
        "AUD017",
        REPORT,
        "| Date |",
        id="AUD017-report-date-disagrees-with-log",
    ),
    pytest.param(
        edits((REPORT, "## 5. Fixes", "## 5. Notes")),
        [],
        "AUD017",
        REPORT,
        "## 5. Notes",
        id="AUD017-section-5-misnamed",
    ),
    pytest.param(
        append(LOG, LATER_FAIL),
        [],
        "AUD018",
        LOG,
        "R. Diaz",
        id="AUD018-later-audit-failed",
    ),
]


@pytest.mark.parametrize(("mutate", "extra", "rule", "rel", "marker"), CASES)
def test_rule_blocks_mutated_copy(
    desk: Path,
    capsys: pytest.CaptureFixture[str],
    mutate: Mutation,
    extra: list[str],
    rule: str,
    rel: str,
    marker: str | None,
) -> None:
    mutate(desk)
    selection = [] if "--strategy" in extra else ["--strategy", "ICT_QM"]
    code, out = run_json(["--repo", "trading-desk", *selection, *extra], capsys)
    assert code == 1, out
    assert out["verdict"] == "blocked"
    hits = [f for f in errors(out) if f["rule"] == rule]
    assert hits, f"no {rule} error in {errors(out)}"
    where = {(f["file"], f["line"]) for f in hits}
    expected_line = line_of(desk, rel, marker) if marker is not None else None
    if expected_line is None:
        assert any(file == f"trading-desk/{rel}" for file, _ in where), where
    else:
        assert (f"trading-desk/{rel}", expected_line) in where, where
    assert all(f["hint"] for f in hits), "every error says how to fix it"


def test_report_link_elsewhere_is_a_warning(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace(
        desk,
        LOG,
        f"{ICT_ROW} [ict_qm_audit.md](ict_qm_audit.md) |",
        f"{ICT_ROW} [report](old/ict_qm.md) |",
    )
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 0
    [warning] = [f for f in out["findings"] if f["level"] == "warning"]
    assert warning["rule"] == "AUD017"
    assert warning["line"] == line_of(desk, LOG, "AUD-2024-01-15-001")


@pytest.mark.parametrize(
    ("release_date", "code"),
    [
        pytest.param("2024-02-14", 0, id="30-days-old-passes"),
        pytest.param("2024-02-15", 1, id="31-days-old-blocks"),
    ],
)
def test_audit_age_boundary(
    desk: Path, capsys: pytest.CaptureFixture[str], release_date: str, code: int
) -> None:
    got, out = run_json(
        ["--repo", "trading-desk", "--strategy", "ICT_QM", "--release-date", release_date], capsys
    )
    assert got == code
    # The paper period ended before either date, so only the audit's age decides.
    assert {f["rule"] for f in errors(out)} <= {"AUD009"}


def test_divergence_of_exactly_20_percent_passes(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # |1.12 - 1.40| / 1.40 = 0.2 exactly: "within 20%" includes 20%, with no float rounding.
    replace(desk, PAPER, "| Sharpe | 1.20 | 1.40 | 14.3% |", "| Sharpe | 1.12 | 1.40 | 20.0% |")
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 0, errors(out)


def test_stated_consistency_may_be_rounded(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace(desk, REPORT, "Consistency: 87.5%", "Consistency: 88%")
    code, _ = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 0
    replace(desk, REPORT, "Consistency: 88%", "Consistency: 87.4%")
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 1
    assert [f["rule"] for f in errors(out)] == ["AUD005"]


def test_missing_evidence_gives_notices_for_rules_that_cannot_apply(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / REPORT).unlink()
    (desk / PAPER).unlink()
    _, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    notices = {f["rule"] for f in out["findings"] if f["level"] == "notice"}
    assert {"AUD003", "AUD004", "AUD006", "AUD008"} <= notices


def test_unknown_strategy_is_blocked(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["--repo", "trading-desk", "--strategy", "NOPE"], capsys)
    assert code == 1
    assert [f["rule"] for f in errors(out)] == ["AUD015"]
    assert "nope.pine" in errors(out)[0]["message"]


def test_several_strategies_at_once(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(
        ["--repo", "trading-desk", "--strategy", "ICT_QM", "--strategy", "regime_filter"], capsys
    )
    assert code == 0
    assert [u["name"] for u in out["data"]["strategies"]] == ["ICT_QM", "REGIME_FILTER"]


def test_future_release_date_in_version_yaml_blocks(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(desk, "version.yaml", "release_date: 2024-01-15", "release_date: 9999-01-15")
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 1
    assert any("in the future" in f["message"] for f in errors(out) if f["rule"] == "AUD009")


# ---------------------------------------------------------------------------------------------
# Refused input: exit 2, a precise message, never a traceback


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../../etc/passwd", id="path-traversal"),
        pytest.param("ICT_QM;rm -rf /", id="shell-syntax"),
        pytest.param("$(id)", id="command-substitution"),
        pytest.param("ICT_QM/../x", id="slash"),
        pytest.param("ict qm", id="space"),
        pytest.param("", id="empty"),
        pytest.param("A" * 65, id="too-long"),
        pytest.param("ICT_QM\n", id="newline"),
        pytest.param("-x", id="option-like"),
    ],
)
def test_hostile_strategy_names_are_refused(
    desk: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out = run_json(["--repo", "trading-desk", f"--strategy={name}"], capsys)
    assert code == 2
    assert out["verdict"] == "error"
    assert "not a strategy name" in out["problem"]["message"]
    assert out["problem"]["hint"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--version", "main"], "not a release version", id="version-not-semver"),
        pytest.param(
            ["--version", "1.2.4"], "version.yaml is for 1.2.3", id="version-not-version-yaml"
        ),
        pytest.param(["--release-date", "2024-13-01"], "not a date", id="release-date-invalid"),
        pytest.param(["--release-date", "9999-01-01"], "in the future", id="release-date-future"),
        pytest.param(["--strategy", "ICT_QM", "--all"], "not allowed with", id="two-selections"),
    ],
)
def test_bad_options_are_refused(
    desk: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code = main(["--repo", "trading-desk", *args])
    captured = capsys.readouterr()
    assert code == 2
    assert words in captured.out
    assert "Traceback" not in captured.err


def test_no_release_date_anywhere_is_refused(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / "version.yaml").unlink()
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 2
    assert "no release date" in out["problem"]["message"]
    code, out = run_json(
        [
            "--repo",
            "trading-desk",
            "--strategy",
            "ICT_QM",
            "--version",
            "1.2.3",
            "--release-date",
            "2024-01-15",
        ],
        capsys,
    )
    assert code == 0, out


def test_symlink_out_of_the_repo_is_refused(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text((desk / REPORT).read_text())
    (desk / REPORT).unlink()
    (desk / REPORT).symlink_to(outside)
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 2
    assert "outside the repository" in out["problem"]["message"]


def test_oversized_audit_report_is_refused(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (desk / REPORT).open("a") as fh:
        fh.write("x" * (8 * 1024 * 1024 + 1))
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 2
    assert "over the" in out["problem"]["message"]
    assert out["problem"]["file"] == f"trading-desk/{REPORT}"


def test_missing_repo_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run_json(["--repo", "no-such-dir"], capsys)
    assert code == 2
    assert "not found" in out["problem"]["message"]


def test_invalid_policy_is_refused_with_its_line(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(desk, POLICY, "  paper_min_trades: 10", "  paper_min_trade: 10")
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 2
    assert out["problem"]["file"] == f"trading-desk/{POLICY}"
    assert out["problem"]["line"] == line_of(desk, POLICY, "paper_min_trade:")
    assert "did you mean `paper_min_trades`" in out["problem"]["hint"]


def test_missing_policy_means_runbook_defaults(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / POLICY).unlink()
    code, out = run_json(["--repo", "trading-desk", "--strategy", "ICT_QM"], capsys)
    assert code == 0
    [notice] = [f for f in out["findings"] if f["rule"] == "POL001"]
    assert notice["level"] == "notice"
    assert out["data"]["thresholds"]["audit_max_age_days"] == 30


# ---------------------------------------------------------------------------------------------
# Anti-bias results (--bias-junit)


def junit(tmp_path: Path, body: str, name: str = "bias.xml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


PASSING_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="2">
<testcase classname="tests.test_bias" name="test_a" time="0.01"/>
<testcase classname="tests.test_bias" name="test_b" time="0.01"/>
</testsuite></testsuites>"""


@pytest.mark.parametrize(
    ("body", "code", "level", "words"),
    [
        pytest.param(PASSING_JUNIT, 0, None, None, id="all-pass"),
        pytest.param(
            PASSING_JUNIT.replace(
                'time="0.01"/>\n<testcase',
                'time="0.01"><failure message="x"/></testcase>\n<testcase',
                1,
            ).replace('failures="0"', 'failures="1"'),
            1,
            "error",
            "1 failed",
            id="a-failure-blocks",
        ),
        pytest.param(
            PASSING_JUNIT.replace(
                'name="test_b" time="0.01"/>',
                'name="test_b"><error message="collection"/></testcase>',
            ),
            1,
            "error",
            "1 errored",
            id="an-error-blocks",
        ),
        pytest.param(
            '<testsuite name="pytest" tests="0" failures="0" errors="0" skipped="0"></testsuite>',
            1,
            "error",
            "no anti-bias test ran",
            id="zero-tests-block",
        ),
        pytest.param(
            PASSING_JUNIT.replace('time="0.01"/>', 'time="0.01"><skipped/></testcase>'),
            1,
            "error",
            "no anti-bias test ran",
            id="all-skipped-blocks",
        ),
        pytest.param(
            PASSING_JUNIT.replace(
                'name="test_b" time="0.01"/>', 'name="test_b"><skipped message="slow"/></testcase>'
            ),
            0,
            "warning",
            "skipped",
            id="one-skipped-warns",
        ),
        pytest.param(
            PASSING_JUNIT.replace('failures="0"', 'failures="2"'),
            1,
            "error",
            "2 failed",
            id="suite-totals-win-over-missing-cases",
        ),
    ],
)
def test_bias_junit(
    desk: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str,
    code: int,
    level: str | None,
    words: str | None,
) -> None:
    path = junit(tmp_path, body)
    got, out = run_json(
        ["--repo", "trading-desk", "--strategy", "ICT_QM", "--bias-junit", str(path)], capsys
    )
    assert got == code, out["findings"]
    bias = [f for f in out["findings"] if f["rule"] == "AUD013"]
    if level is None:
        assert bias == []
        assert out["data"]["bias_tests"]["passed"] == 2
    else:
        assert any(f["level"] == level and words in f["message"] for f in bias), bias


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            "<testsuite tests='1'><testcase name='&lol2;'/></testsuite>",
            "document type",
            id="billion-laughs-doctype",
        ),
        pytest.param(
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<testsuite tests='1'><testcase name='&x;'/></testsuite>",
            "document type",
            id="external-entity",
        ),
        pytest.param("<testsuite><testcase", "not well-formed", id="truncated"),
        pytest.param("<html><body/></html>", "not JUnit", id="not-junit"),
        pytest.param("<testsuite tests='many'/>", "not a count", id="bad-count"),
    ],
)
def test_unsafe_or_broken_junit_is_refused(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, words: str
) -> None:
    path = junit(tmp_path, body)
    code, out = run_json(
        ["--repo", "trading-desk", "--strategy", "ICT_QM", "--bias-junit", str(path)], capsys
    )
    assert code == 2
    assert words in out["problem"]["message"]


def run_example_bias_tests(repo: Path, xml: Path) -> int:
    """Run the desk's own anti-bias tests the way its CI does, writing JUnit XML."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_bias.py",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={xml}",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return proc.returncode


def test_example_bias_tests_run_pass_and_can_fail(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.xml"
    assert run_example_bias_tests(desk, good) == 0
    code, out = run_json(["--repo", "trading-desk", "--bias-junit", str(good)], capsys)
    assert code == 0, out["findings"]
    assert out["data"]["bias_tests"]["passed"] == out["data"]["bias_tests"]["tests"] > 0

    # Introduce look-ahead: the moving average reads the next bar.
    replace(
        desk,
        "features/bars.py",
        "        window_sum += v\n",
        "        window_sum += values[i + 1] if i + 1 < len(values) else v\n",
    )
    bad = tmp_path / "bad.xml"
    assert run_example_bias_tests(desk, bad) == 1
    code, out = run_json(["--repo", "trading-desk", "--bias-junit", str(bad)], capsys)
    assert code == 1
    [failure] = [f for f in errors(out) if f["rule"] == "AUD013"]
    assert "test_bias.py" in failure["message"] or "test_bias" in failure["message"]
    assert "sma" in failure["message"]


# ---------------------------------------------------------------------------------------------
# --changed-since (a real git repository in tmp_path)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env
    )
    return proc.stdout


@pytest.fixture
def git_desk(desk: Path) -> Path:
    """The desk copy as a git repository with one commit on branch main."""
    git(desk, "init", "-q", "-b", "main")
    git(desk, "add", "-A")
    git(desk, "commit", "-q", "-m", "base")
    git(desk, "checkout", "-q", "-b", "release/v1.2.3")
    return desk


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_changed_since_checks_only_changed_strategies(
    git_desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(git_desk, SB_REPORT, "- [x] Slippage raised", "- [ ] Slippage raised")
    commit_all(git_desk, "reopen a fix")
    code, out = run_json(["--repo", "trading-desk", "--changed-since", "main"], capsys)
    assert code == 1
    assert [u["name"] for u in out["data"]["strategies"]] == ["SESSION_BREAKOUT"]
    assert {f["rule"] for f in errors(out)} == {"AUD003"}


def test_changed_since_with_nothing_changed_is_a_notice(
    git_desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(git_desk, "CHANGELOG.md", "## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n- x\n")
    commit_all(git_desk, "docs")
    code, out = run_json(["--repo", "trading-desk", "--changed-since", "main"], capsys)
    assert code == 0
    assert out["data"]["strategies"] == []
    assert any(f["rule"] == "AUD019" for f in out["findings"])


def test_changed_audit_log_checks_everything(
    git_desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    append(LOG, "\n")(git_desk)
    commit_all(git_desk, "log")
    code, out = run_json(["--repo", "trading-desk", "--changed-since", "main"], capsys)
    assert code == 0
    assert len(out["data"]["strategies"]) == 3


def test_changed_since_in_a_subdirectory_of_the_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As in releasekit's own repository: the desk is examples/trading-desk of a larger tree.
    top = tmp_path / "top"
    desk = copy_example(top / "examples" / "trading-desk")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    replace(desk, PINE, "plot(qmDir", "// comment\nplot(qmDir")
    git(top, "commit", "-q", "-am", "touch ict_qm")
    monkeypatch.chdir(top)
    code, out = run_json(["--repo", "examples/trading-desk", "--changed-since", "HEAD~1"], capsys)
    assert code == 0, out
    assert [u["name"] for u in out["data"]["strategies"]] == ["ICT_QM"]


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        pytest.param("no-such-branch", "does not know the ref", id="unknown-ref"),
        pytest.param("--output=/tmp/x", "not a git ref", id="option-injection"),
        pytest.param("main..HEAD", "not a git ref", id="range-not-a-ref"),
        pytest.param("main; rm -rf /", "not a git ref", id="shell-syntax"),
    ],
)
def test_bad_changed_since_ref_is_exit_2(
    git_desk: Path, capsys: pytest.CaptureFixture[str], ref: str, words: str
) -> None:
    code, out = run_json(["--repo", "trading-desk", f"--changed-since={ref}"], capsys)
    assert code == 2
    assert words in out["problem"]["message"]


def test_changed_since_outside_git_is_exit_2(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(["--repo", "trading-desk", "--changed-since", "main"], capsys)
    assert code == 2
    assert "not inside a git repository" in out["problem"]["message"]


def test_git_missing_is_exit_3(
    git_desk: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(git_desk / "no-bin-here"))
    code, out = run_json(["--repo", "trading-desk", "--changed-since", "main"], capsys)
    assert code == 3
    assert "git is not installed" in out["problem"]["message"]


# ---------------------------------------------------------------------------------------------
# No crash on damaged evidence: every file of the copy, damaged several ways


def _damages() -> list[Any]:
    files = [PINE, MODEL, LOG, REPORT, PAPER, "version.yaml", POLICY]
    damages: dict[str, Callable[[str], str]] = {
        "halved": lambda t: t[: len(t) // 2],
        "no-pipes": lambda t: t.replace("|", " "),
        "no-digits": lambda t: "".join("x" if c.isdigit() else c for c in t),
        "empty": lambda _: "",
        "doubled": lambda t: t + t,
        "nul-byte": lambda t: t + "\x00",
    }
    return [
        pytest.param(rel, fn, id=f"{rel.rsplit('/', 1)[-1]}-{name}")
        for rel in files
        for name, fn in damages.items()
    ]


@pytest.mark.parametrize(("rel", "damage"), _damages())
def test_damaged_files_never_crash(
    desk: Path, capsys: pytest.CaptureFixture[str], rel: str, damage: Callable[[str], str]
) -> None:
    path = desk / rel
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, out = run_json(["--repo", "trading-desk", "--all", "--version", "1.2.3"], capsys)
    assert code in (0, 1, 2), out  # never 3: that would be a releasekit bug
    assert out["problem"] is None or out["problem"]["kind"] == "input"


# ---------------------------------------------------------------------------------------------
# Golden Markdown (RELEASEKIT_UPDATE_GOLDEN=1 rewrites the files)


def _golden(name: str, text: str) -> None:
    text = text.replace(f"releasekit {__version__}", "releasekit VERSION")
    golden = GOLDEN / f"verify_audit_{name}.md"
    if os.environ.get("RELEASEKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_golden_markdown_pass(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["--repo", "examples/trading-desk", "--all", "--format", "markdown"]) == 0
    _golden("pass", capsys.readouterr().out)


def test_golden_markdown_blocked(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace(desk, REPORT, "- [x] Kill zones", "- [ ] Kill zones")
    replace(desk, PAPER, "| Sharpe | 1.20 | 1.40 | 14.3% |", "| Sharpe | 1.05 | 1.40 | 25.0% |")
    code = main(
        [
            "--repo",
            "trading-desk",
            "--strategy",
            "ICT_QM",
            "--release-date",
            "2024-02-20",
            "--format",
            "markdown",
        ]
    )
    assert code == 1
    _golden("blocked", capsys.readouterr().out)


# ---------------------------------------------------------------------------------------------
# The examples in docs/verify-audit.md are real output


@pytest.mark.parametrize("marker", ["failing-example", "refused-example"])
def test_docs_examples_are_exact(marker: str) -> None:
    text = (ROOT / "docs" / "verify-audit.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker} -->\n```console\n", 1)[1].split("```", 1)[0]
    lines = block.split("\n")
    command = lines[0].removeprefix("$ ")
    expected = []
    for line in lines[1:]:
        if line.startswith("$ "):
            break
        expected.append(line)
    argv = shlex.split(command)
    assert argv[:2] == ["python", "scripts/verify_audit.py"]
    proc = subprocess.run(
        [sys.executable, *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GITHUB_ACTIONS": "", "NO_COLOR": "1"},
    )
    assert proc.stdout == "\n".join(expected).rstrip("\n") + "\n"
    assert proc.stderr == ""
