"""Audit evidence that cannot be gamed: each attack on verify-audit blocks, its control passes.

Attacks (issue "Sign-off that cannot be gamed"): new logic behind an old header and audit
(AUD020), a symlinked strategies directory or evidence file (AUD021), walk-forward windows
pasted twice (AUD005), a fix ticked but not verified (AUD003). And the two kinds of pull
request: a change PR reports the next release's evidence as notices (AUD022), a release PR
(or a release/*, hotfix/* branch) needs all of it. Every case runs on a fresh copy of
examples/trading-desk, whose evidence passes as shipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from releasekit.cli.audit import main as audit_main
from releasekit.cli.verify_audit import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "trading-desk"
PINE = "strategies/pine_v6/ict_qm.pine"
LOG = "docs/audits/audit_log.md"
REPORT = "docs/audits/ict_qm_audit.md"
SB_REPORT = "docs/audits/session_breakout_audit.md"
PAPER = "docs/paper/ict_qm_paper.md"
ICT_AUDIT = "AUD-2024-01-15-001"
# The logic change of the attack: the stop moves, the header and the audit stay as they were.
LOGIC = ("atrLength   = input.int(14,", "atrLength   = input.int(7,")


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the example desk; the working directory is its parent."""
    repo = tmp_path / "desk"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_HEAD_REF", raising=False)
    return repo


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["--repo", "desk", *args, "--format", "json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, json.loads(out.out)


def stamp(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = audit_main(["stamp", *args, "--repo", "desk", "--format", "json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, json.loads(out.out)


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(out: dict[str, Any], rule: str | None = None) -> list[dict[str, Any]]:
    return [
        f for f in out["findings"] if f["level"] == "error" and (rule is None or f["rule"] == rule)
    ]


def sha(repo: Path, rel: str) -> str:
    return hashlib.sha256((repo / rel).read_bytes()).hexdigest()


ICT = ["--strategy", "ICT_QM", "--version", "1.2.3"]


# ---------------------------------------------------------------------------------------------
# AUD020: the file that ships is the file that was audited


def test_control_the_audited_file_passes(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(ICT, capsys)
    assert code == 0, errors(out)
    [unit] = out["data"]["strategies"]
    assert unit["sha256"] == sha(desk, PINE)
    assert unit["audited_file_matches"] is True


def test_new_logic_behind_the_old_header_and_audit_blocks(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(desk, PINE, *LOGIC)
    code, out = run(ICT, capsys)
    assert code == 1
    [hit] = errors(out, "AUD020")
    assert hit["file"] == f"desk/{PINE}"
    assert sha(desk, PINE)[:12] in hit["message"]
    assert "not the file AUD-2024-01-15-001 audited" in hit["message"]
    assert {f["rule"] for f in errors(out)} == {"AUD020"}  # the header alone looks fine


def test_a_comment_is_a_change_too(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Bytes, not meaning: the auditor read the file, and any edit needs a new look.
    (desk / PINE).write_text((desk / PINE).read_text() + "// tweak\n", encoding="utf-8")
    code, out = run(ICT, capsys)
    assert code == 1
    assert errors(out, "AUD020")


def test_crlf_checkout_of_the_audited_file_still_matches(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (desk / PINE).read_text(encoding="utf-8")
    (desk / PINE).write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    code, out = run(ICT, capsys)
    assert code == 0, errors(out)


def test_restoring_a_file_to_an_earlier_audited_one_names_that_audit(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The header names the newest audit, but the file is the one an older audit covered.
    edit(desk, PINE, *LOGIC)
    changed = sha(desk, PINE)
    log = (desk / LOG).read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(log) if line.startswith("| AUD-2023-12-11-001 "))
    log[i] = log[i].rsplit("| — |", 1)[0] + f"| {changed} |"
    (desk / LOG).write_text("\n".join(log) + "\n", encoding="utf-8")
    code, out = run(ICT, capsys)
    assert code == 1
    [hit] = errors(out, "AUD020")
    assert "it is the file AUD-2023-12-11-001 audited" in hit["message"]


def test_log_without_the_column_gives_the_value_to_paste(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = (desk / LOG).read_text(encoding="utf-8")
    lines = [ln.rsplit("|", 2)[0] + "|" if ln.startswith("|") else ln for ln in log.splitlines()]
    (desk / LOG).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "SHA-256" not in (desk / LOG).read_text()
    code, out = run(ICT, capsys)
    assert code == 1
    [hit] = errors(out, "AUD020")
    assert "has no SHA-256 column" in hit["message"]
    assert sha(desk, PINE) in hit["hint"]
    assert "releasekit audit stamp ICT_QM --audit AUD-2024-01-15-001" in hit["hint"]
    # The migration the hint names: stamp, and the same release passes.
    code, report = stamp(["ICT_QM"], capsys)
    assert code == 0
    assert report["data"]["added_column"] is True
    assert run(ICT, capsys)[0] == 0


def test_empty_cell_gives_the_value_to_paste(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(desk, LOG, sha(desk, PINE), "—")
    code, out = run(ICT, capsys)
    assert code == 1
    [hit] = errors(out, "AUD020")
    assert "records no SHA-256" in hit["message"]
    assert sha(desk, PINE) in hit["hint"]


def test_malformed_hash_is_an_error(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(desk, LOG, sha(desk, PINE), "abc123")
    code, out = run(ICT, capsys)
    assert code == 1
    assert "is not a SHA-256" in errors(out, "AUD020")[0]["message"]


# ---------------------------------------------------------------------------------------------
# releasekit audit stamp


def test_stamp_is_idempotent_and_dry_run_writes_nothing(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (desk / LOG).read_text(encoding="utf-8")
    code, out = stamp(["ICT_QM"], capsys)
    assert code == 0
    assert out["data"]["changed"] is False
    assert (desk / LOG).read_text(encoding="utf-8") == before
    edit(desk, LOG, sha(desk, PINE), "—")
    code, out = stamp(["ICT_QM", "--dry-run"], capsys)
    assert code == 0
    assert out["data"]["changed"] is True
    assert sha(desk, PINE) not in (desk / LOG).read_text(encoding="utf-8")
    code, out = stamp(["ICT_QM"], capsys)
    assert code == 0
    assert (desk / LOG).read_text(encoding="utf-8") == before


def test_stamp_never_rebinds_an_audit_to_changed_code(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(desk, PINE, *LOGIC)
    before = (desk / LOG).read_text(encoding="utf-8")
    code, out = stamp(["ICT_QM"], capsys)
    assert code == 2
    assert "already records the SHA-256" in out["problem"]["message"]
    assert (desk / LOG).read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["ICT_QM", "--audit", "AUD-2023-08-28-001"], "audited ICT_QM 1.0.0", id="old"),
        pytest.param(
            ["ICT_QM", "--audit", "AUD-2024-01-12-001"], "is of SESSION_BREAKOUT", id="other"
        ),
        pytest.param(
            ["ICT_QM", "--audit", "AUD-2099-01-01-001"], "not in the audit log", id="none"
        ),
        pytest.param(["NOPE"], "no source files define NOPE", id="unknown"),
    ],
)
def test_stamp_refuses_the_wrong_audit(
    desk: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out = stamp(args, capsys)
    assert code == 2
    assert words in out["problem"]["message"]


def test_stamp_keeps_escaped_pipes_and_other_cells(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        desk,
        LOG,
        "| M. Okafor | PASS | [ict_qm_audit.md](ict_qm_audit.md) | 1b8f",
        "| M. O\\|k | PASS | [ict_qm_audit.md](ict_qm_audit.md) | 1b8f",
    )
    edit(desk, LOG, sha(desk, PINE), "")
    assert stamp(["ICT_QM"], capsys)[0] == 0
    assert f"| M. O\\|k | PASS | [ict_qm_audit.md](ict_qm_audit.md) | {sha(desk, PINE)} |" in (
        desk / LOG
    ).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# AUD021: governed symlinks are findings, never followed, never skipped


def test_symlinked_strategies_directory_is_not_skipped(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = desk / "vendor" / "pine"
    real.parent.mkdir()
    (desk / "strategies" / "pine_v6").rename(real)
    (desk / "strategies" / "pine_v6").symlink_to(Path("..") / "vendor" / "pine")
    code, out = run(["--all"], capsys)
    assert code == 1
    [hit] = errors(out, "AUD021")
    assert hit["file"] == "desk/strategies/pine_v6"
    assert [u["name"] for u in out["data"]["strategies"]] == ["REGIME_FILTER"]


def test_control_a_real_strategies_directory_passes(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["--all"], capsys)
    assert code == 0, errors(out)
    assert len(out["data"]["strategies"]) == 3


def test_symlinked_strategy_file_is_a_finding(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / "vendor").mkdir()
    (desk / PINE).rename(desk / "vendor" / "ict_qm.pine")
    (desk / PINE).symlink_to(Path("..") / ".." / "vendor" / "ict_qm.pine")
    code, out = run(["--all"], capsys)
    assert code == 1
    assert [f["file"] for f in errors(out, "AUD021")] == [f"desk/{PINE}"]


def test_symlinked_audit_report_is_not_read(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (desk / REPORT).rename(desk / "docs" / "ict_qm_audit.md")
    (desk / REPORT).symlink_to(Path("..") / "ict_qm_audit.md")
    code, out = run(ICT, capsys)
    assert code == 1
    assert [f["file"] for f in errors(out, "AUD021")] == [f"desk/{REPORT}"]
    assert not errors(out, "AUD001")  # not "does not exist": it is a link, and said so


def test_symlinked_directory_leading_outside_is_exit_2(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    (desk / "strategies" / "pine_v6").rename(outside)
    (desk / "strategies" / "pine_v6").symlink_to(outside)
    code, out = run(["--all"], capsys)
    assert code == 2
    assert "outside the repository" in out["problem"]["message"]


# ---------------------------------------------------------------------------------------------
# AUD005: walk-forward windows are distinct

WINDOW_1 = (
    "| 1 | 2021-01-01 to 2021-12-31 | +14.2% | 1.61 | 2022-01-01 to 2022-03-31 | +3.1% | 1.32 |"
)


def test_window_pasted_twice_more_blocks(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(desk, REPORT, WINDOW_1, f"{WINDOW_1}\n{WINDOW_1}\n{WINDOW_1}")
    edit(desk, REPORT, "Consistency: 87.5% (7 of 8", "Consistency: 90.0% (9 of 10")
    code, out = run(ICT, capsys)
    assert code == 1
    hits = errors(out, "AUD005")
    assert len(hits) == 2
    assert all("window 1 appears twice" in f["message"] for f in hits)


def test_same_period_under_another_id_blocks(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(desk, REPORT, WINDOW_1, f"{WINDOW_1}\n{WINDOW_1.replace('| 1 |', '| 9 |', 1)}")
    edit(desk, REPORT, "Consistency: 87.5% (7 of 8", "Consistency: 88.9% (8 of 9")
    code, out = run(ICT, capsys)
    assert code == 1
    [hit] = errors(out, "AUD005")
    assert "the same out-of-sample period 2022-01-01 to 2022-03-31" in hit["message"]


def test_control_distinct_windows_pass(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = (
        "| 9 | 2023-01-01 to 2023-12-31 | +10.0% | 1.20 | 2024-01-01 to 2024-03-31 | +1.0% | 0.50 |"
    )
    (desk / REPORT).write_text(
        (desk / REPORT).read_text().replace(WINDOW_1, f"{WINDOW_1}\n{extra}", 1), encoding="utf-8"
    )
    edit(desk, REPORT, "Consistency: 87.5% (7 of 8", "Consistency: 88.9% (8 of 9")
    code, out = run(ICT, capsys)
    assert code == 0, errors(out)


# ---------------------------------------------------------------------------------------------
# AUD003: a fix is complete when ticked and explicitly verified

SLIPPAGE = "- [x] Slippage raised from 1 to 2 ticks in the strategy properties to match paper fills"
SB = ["--strategy", "SESSION_BREAKOUT", "--version", "1.2.3"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param(f"{SLIPPAGE} (not verified)", "says it is not verified", id="not-verified"),
        pytest.param(f"{SLIPPAGE} — verification pending", "says it is not verified", id="pending"),
        pytest.param(f"{SLIPPAGE} — unverified", "says it is not verified", id="unverified"),
        pytest.param(f"{SLIPPAGE} — Verified: TBD", "its verification is 'TBD'", id="tbd"),
        pytest.param(SLIPPAGE, "does not say how it was verified", id="silent"),
    ],
)
def test_ticked_fix_that_is_not_verified_blocks(
    desk: Path, capsys: pytest.CaptureFixture[str], text: str, why: str
) -> None:
    report = (desk / SB_REPORT).read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(report) if line.startswith(SLIPPAGE))
    report[i : i + 2] = [text]
    (desk / SB_REPORT).write_text("\n".join(report) + "\n", encoding="utf-8")
    code, out = run(SB, capsys)
    assert code == 1
    [hit] = errors(out, "AUD003")
    assert why in hit["message"]
    assert "Verified:" in hit["hint"]


def test_control_verification_in_a_nested_item_passes(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = (desk / SB_REPORT).read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(report) if line.startswith(SLIPPAGE))
    report[i : i + 2] = [SLIPPAGE, "  - Verified: backtest re-run with 2 ticks of slippage"]
    (desk / SB_REPORT).write_text("\n".join(report) + "\n", encoding="utf-8")
    code, out = run(SB, capsys)
    assert code == 0, errors(out)


# ---------------------------------------------------------------------------------------------
# Change PRs and release PRs (--changed-since BASE)


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
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env
    ).stdout


def branch_with_logic_change(desk: Path, branch: str) -> None:
    git(desk, "init", "-q", "-b", "main")
    git(desk, "add", "-A")
    git(desk, "commit", "-q", "-m", "base")
    git(desk, "checkout", "-q", "-b", branch)
    edit(desk, PINE, *LOGIC)
    edit(desk, PINE, "// Version: 2.1.0", "// Version: 2.2.0")
    git(desk, "commit", "-q", "-am", "tighter stop")


def test_change_pr_reports_what_the_release_will_need(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branch_with_logic_change(desk, "feature/tighter-stop")
    code, out = run(["--changed-since", "main"], capsys)
    assert code == 0, errors(out)
    rules = {f["rule"] for f in out["findings"]}
    assert "AUD012" not in rules  # no "add 1.2.3 to the Release column": 1.2.3 is not next
    assert out["data"]["version"] is None
    assert out["data"]["pull_request"] == "change"
    [needed] = [f for f in out["findings"] if f["rule"] == "AUD022" and f["file"]]
    assert needed["level"] == "notice"
    for name in (REPORT, LOG, PAPER, sha(desk, PINE)):
        assert name in needed["message"]
    before = [f for f in out["findings"] if f["message"].startswith("before release:")]
    assert {f["rule"] for f in before} >= {"AUD011", "AUD020"}


def test_change_pr_still_blocks_a_broken_header(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branch_with_logic_change(desk, "feature/x")
    edit(desk, PINE, "// Version: 2.2.0", "// Version: two")
    code, out = run(["--changed-since", "main"], capsys)
    assert code == 1
    assert {f["rule"] for f in errors(out)} == {"AUD014"}


@pytest.mark.parametrize("branch", ["release/v1.3.0", "hotfix/stop"])
def test_release_and_hotfix_branches_only_add_checks(
    desk: Path, capsys: pytest.CaptureFixture[str], branch: str
) -> None:
    branch_with_logic_change(desk, branch)
    code, out = run(["--changed-since", "main"], capsys)
    assert code == 1
    assert {"AUD011", "AUD020"} <= {f["rule"] for f in errors(out)}


def test_branch_name_from_the_pull_request_event_counts(
    desk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    branch_with_logic_change(desk, "feature/x")
    git(desk, "checkout", "-q", "--detach")  # as actions/checkout leaves a pull request
    monkeypatch.setenv("GITHUB_HEAD_REF", "release/v1.3.0")
    code, out = run(["--changed-since", "main"], capsys)
    assert code == 1
    assert errors(out, "AUD020")


def test_release_pr_changing_the_version_needs_everything(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branch_with_logic_change(desk, "feature/x")
    edit(desk, "version.yaml", "version: 1.2.3", "version: 1.3.0")
    git(desk, "commit", "-q", "-am", "cut 1.3.0")
    code, out = run(["--changed-since", "main", "--release-date", "2024-01-20"], capsys)
    assert code == 1
    assert {"AUD011", "AUD012", "AUD020"} <= {f["rule"] for f in errors(out)}
    assert "1.3.0" in errors(out, "AUD012")[0]["message"]


def test_control_change_pr_without_strategy_changes_passes_quietly(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(desk, "init", "-q", "-b", "main")
    git(desk, "add", "-A")
    git(desk, "commit", "-q", "-m", "base")
    git(desk, "checkout", "-q", "-b", "feature/docs")
    (desk / "README.md").write_text("changed\n", encoding="utf-8")
    git(desk, "commit", "-q", "-am", "docs")
    code, out = run(["--changed-since", "main"], capsys)
    assert code == 0
    assert out["data"]["strategies"] == []


# ---------------------------------------------------------------------------------------------
# Hints point where `init` puts the templates


def test_missing_report_and_paper_hints_name_the_init_templates(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / REPORT).unlink()
    (desk / PAPER).unlink()
    _, out = run(ICT, capsys)
    [aud001] = errors(out, "AUD001")
    [aud007] = errors(out, "AUD007")
    assert "docs/releasekit-templates/audit_report.md" in aud001["hint"]
    assert "docs/releasekit-templates/paper_reconciliation.md" in aud007["hint"]


# ---------------------------------------------------------------------------------------------
# The shared audit-evidence step (signoff-gate, evidence) and the pure stamp


def test_audit_evidence_step_binds_content_and_tells_change_prs_apart(desk: Path) -> None:
    from releasekit.gates.audit_evidence import AuditEvidenceRequest, audit_evidence
    from releasekit.workspace.policy import load_policy

    policy, _ = load_policy(desk)
    edit(desk, PINE, *LOGIC)
    request = AuditEvidenceRequest(
        repo=desk, release_type="strategy", audited=True, changed=frozenset({PINE})
    )
    report, units = audit_evidence(request, policy)
    assert report is not None
    assert [u.name for u in units] == ["ICT_QM"]
    assert report.verdict == "blocked"
    assert any(f.rule == "AUD020" and f.level == "error" for f in report.findings)
    change = audit_evidence(
        AuditEvidenceRequest(
            repo=desk,
            release_type="strategy",
            audited=True,
            changed=frozenset({PINE}),
            release_pr=False,
        ),
        policy,
    ).report
    assert change is not None
    assert change.verdict != "blocked"
    assert any(f.rule == "AUD022" for f in change.findings)


def test_audit_evidence_step_reports_a_symlink_a_docs_pr_would_hide(desk: Path) -> None:
    from releasekit.gates.audit_evidence import AuditEvidenceRequest, audit_evidence
    from releasekit.workspace.policy import load_policy

    policy, _ = load_policy(desk)
    (desk / "strategies" / "extra.pine").symlink_to(Path("pine_v6") / "ict_qm.pine")
    request = AuditEvidenceRequest(
        repo=desk, release_type="docs", audited=False, changed=frozenset({"README.md"})
    )
    report, _ = audit_evidence(request, policy)
    assert report is not None
    assert [f.file for f in report.findings if f.rule == "AUD021"] == ["desk/strategies/extra.pine"]


def test_stamp_adds_the_column_to_every_audit_table_and_pads_short_rows() -> None:
    from releasekit.core.audit.stamp import stamp_log

    digest = "ab" * 32
    text = (
        "| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |\n"
        "|---|:---:|---|---|---|---|---|---|\n"
        "| AUD-2024-01-01-001 | X | 1.0.0 | 1.0.0 | 2024-01-01 | A | PASS\n"
        "\n"
        "Older audits:\n"
        "\n"
        "| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| AUD-2023-01-01-001 | Y | 1.0.0 | — | 2023-01-01 | A | FAIL | r |\n"
    )
    result = stamp_log(
        text,
        shown_as="log",
        audit_id="AUD-2024-01-01-001",
        strategy="x",
        version="1.0.0",
        sha256=digest.upper(),
    )
    lines = result.text.split("\n")
    assert result.added_column
    assert lines[0].endswith("| Report | SHA-256 |")
    assert lines[1] == "|---|:---:|---|---|---|---|---|---|---|"
    assert lines[2].endswith(f"| PASS| | {digest} |")
    assert lines[6].endswith("| Report | SHA-256 |")
    assert lines[8].endswith("| FAIL | r | |")


def test_release_pr_checks_what_an_earlier_change_pr_left_unaudited(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The change PR merged with notices; the release PR only bumps the version. It ships
    # every strategy, so the changed one is checked, and its unaudited code blocks.
    branch_with_logic_change(desk, "feature/x")
    git(desk, "checkout", "-q", "main")
    git(desk, "merge", "-q", "--no-ff", "-m", "merge", "feature/x")
    git(desk, "checkout", "-q", "-b", "release/cut")
    edit(desk, "version.yaml", "version: 1.2.3", "version: 1.3.0")
    git(desk, "commit", "-q", "-am", "cut 1.3.0")
    code, out = run(["--changed-since", "main", "--release-date", "2024-01-20"], capsys)
    assert code == 1
    assert len(out["data"]["strategies"]) == 3
    assert [f["file"] for f in errors(out, "AUD020")] == [f"desk/{PINE}"]
