"""What ``releasekit init`` writes into a repository: pure text, planned before any write.

The files come from the templates shipped with releasekit (``releasekit/templates``, the same
files as docs/templates), so what a newcomer gets is what the docs show, plus what the
scaffolded workflows need to pass on the first pull request and the first tag: the tools'
requirements files, a ``src/`` package, and the anti-bias test stub the policy names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from releasekit.core.report import Finding, finding
from releasekit.errors import InputError

_USES_RE = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+@[0-9a-f]{40}$")
_TAG_RE = re.compile(r"^v\d+\.\d+\.\d+$")
_OWNER_RE = re.compile(r"^@[A-Za-z0-9-]+(?:/[A-Za-z0-9._-]+)?$")
# A GitHub login (39 characters at most, no leading, trailing or double hyphen), or a team
# as org/team-slug. Values go into YAML unquoted, so nothing else may pass.
_LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_TEAM_RE = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_TZ_RE = re.compile(r"^[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*$")
PLACEHOLDER_USES = "OWNER/releasekit"
# The templates pin `@<sha> # vX.Y.Z`; the version in the comment is replaced by releasekit's.
_PLACEHOLDER_REF_RE = re.compile(r"<sha> # v\d+\.\d+\.\d+")
PLACEHOLDER_OWNERS = "@OWNER/release-managers"
BIAS_TEST = "tests/test_bias.py"
SECRETS_BASELINE = ".secrets.baseline"
SRC_PACKAGE = "src/__init__.py"

# Every shipped template and where init writes it. Workflow callers are pinned to the
# releasekit commit (``_workflow``); the others are copied as they are.
CALLER_TEMPLATES: dict[str, str] = {
    "workflows/releasekit.yml": ".github/workflows/releasekit.yml",
    "workflows/release.yml": ".github/workflows/release.yml",
    "workflows/prepare-release.yml": ".github/workflows/prepare-release.yml",
    "workflows/tag-release.yml": ".github/workflows/tag-release.yml",
    "workflows/rollout.yml": ".github/workflows/rollout.yml",
    "workflows/rollback.yml": ".github/workflows/rollback.yml",
    "workflows/hotfix-sla.yml": ".github/workflows/hotfix-sla.yml",
}
COPIED_TEMPLATES: dict[str, str] = {
    "dependabot.yml": ".github/dependabot.yml",
    "audit_report.md": "docs/releasekit-templates/audit_report.md",
    "paper_reconciliation.md": "docs/releasekit-templates/paper_reconciliation.md",
    "strategy_header.pine": "docs/releasekit-templates/strategy_header.pine",
    "model_header.py": "docs/releasekit-templates/model_header.py",
}
# Templates init reads and fills in (their destination is in ``plan_files``), and those it
# never writes: the first version and changelog are made for ``--version``, and the incident
# record is what ``rollback run`` opens as an issue, read from the package.
FILLED_TEMPLATES = ("release-policy.yml", "audit_log.md")
NOT_WRITTEN_TEMPLATES = ("CHANGELOG.md", "version.yaml", "incident.md")
TEMPLATE_NAMES = (*CALLER_TEMPLATES, *COPIED_TEMPLATES, *FILLED_TEMPLATES)

# The policy and the workflows decide what a release needs: CODEOWNERS must cover them
# (docs/branch-protection.md).
PROTECTED = (".github/release-policy.yml", ".github/workflows/", ".github/CODEOWNERS")

# init option -> the policy roles it fills. An auditor audits models as well as strategies.
ROLE_OPTIONS: dict[str, tuple[str, ...]] = {
    "--founder": ("founder",),
    "--auditor": ("audit", "model_audit"),
    "--risk": ("risk",),
    "--code-reviewer": ("code_review",),
}
# The roles the default release types need that the template leaves empty (code_review is
# held by anyone with write permission).
UNFILLED_BY_DEFAULT = ("audit", "model_audit", "risk", "founder")

# The tools release-checks.yml runs (lint, tests, anti-bias tests, security), at the versions
# releasekit's own CI runs (tests/test_init.py holds them to requirements-dev.txt).
DEV_TOOLS = (
    "ruff==0.17.6",
    "mypy==2.4.1",
    "pytest==9.0.3",
    "pytest-cov==7.1.0",
    "detect-secrets==1.5.0",
    "pip-audit==2.10.1",
)


@dataclass(frozen=True)
class ScaffoldOptions:
    """The choices ``releasekit init`` takes from its options."""

    uses: str | None  # OWNER/releasekit@<40-hex sha>, or None for placeholders
    uses_version: str | None  # vX.Y.Z, the comment beside the pinned SHA
    owners: str | None  # @org/team for CODEOWNERS
    version: str
    date: dt.date
    releasekit_version: str = "0.1.0"  # the placeholder pin's comment: the releasekit in use
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # option -> logins/teams
    timezone: str | None = None  # IANA name for the policy's `timezone:`, None: template's


def validate_options(opts: ScaffoldOptions) -> None:
    """Refuse option values that would write a broken or unsafe workflow or policy (exit 2)."""
    if opts.uses is not None and not _USES_RE.match(opts.uses):
        raise InputError(
            f"--uses {opts.uses!r} is not OWNER/REPO@<full 40-character commit SHA>",
            hint="pin releasekit to a commit: --uses acme/releasekit@<sha> --uses-version v1.0.0",
        )
    if opts.uses_version is not None and not _TAG_RE.match(opts.uses_version):
        raise InputError(f"--uses-version {opts.uses_version!r} is not vX.Y.Z", hint="e.g. v1.0.0")
    if opts.owners is not None and not _OWNER_RE.match(opts.owners):
        raise InputError(
            f"--owners {opts.owners!r} is not a GitHub user or team", hint="e.g. @acme/release"
        )
    for option, names in opts.roles.items():
        for name in names:
            if not (_LOGIN_RE.match(name) or _TEAM_RE.match(name)):
                raise InputError(
                    f"{option} {name!r} is not a GitHub login or an org/team-slug",
                    hint=f"e.g. {option} m-okafor or {option} acme/auditors (no @)",
                )
    if opts.timezone is not None and not _TZ_RE.match(opts.timezone):
        raise InputError(
            f"--timezone {opts.timezone!r} is not an IANA time zone name",
            hint="e.g. --timezone America/New_York",
        )


def _workflow(text: str, opts: ScaffoldOptions) -> str:
    if opts.uses is None:
        return _PLACEHOLDER_REF_RE.sub(f"<sha> # v{opts.releasekit_version}", text)
    source, _, sha = opts.uses.partition("@")
    comment = f"# {opts.uses_version}" if opts.uses_version else "# pinned by releasekit init"
    return _PLACEHOLDER_REF_RE.sub(
        f"{sha} {comment}", text.replace(f"{PLACEHOLDER_USES}/", f"{source}/")
    )


def _codeowners(opts: ScaffoldOptions) -> str:
    owners = opts.owners or PLACEHOLDER_OWNERS
    lines = [
        "# Who must review changes to the release process (branch protection:",
        '# "Require review from Code Owners"). A change to the policy or the workflows changes',
        "# what a release needs, so it needs the release managers' review.",
    ]
    lines += [f"/{path:<28} {owners}" for path in PROTECTED]
    return "\n".join(lines) + "\n"


def _version_yaml(opts: ScaffoldOptions) -> str:
    return (
        "# version.yaml: this repository's version record (runbook: Versioning).\n"
        "# `releasekit bump-version` updates it together with CHANGELOG.md.\n"
        f"version: {opts.version}\n"
        f"release_date: {opts.date.isoformat()}\n"
        "changelog:\n"
        f'- "{opts.version}: Release process managed by releasekit"\n'
    )


def _changelog(opts: ScaffoldOptions) -> str:
    return (
        "# Changelog\n\n"
        "All notable changes to this project are documented in this file.\n\n"
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
        "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n"
        "## [Unreleased]\n\n"
        f"## [{opts.version}] - {opts.date.isoformat()}\n\n"
        "### Added\n"
        "- Release process managed by releasekit: release policy, gates and workflows.\n"
    )


_EXAMPLE_ROW_TEXT = re.compile(r"Replace\s+the\s+example\s+row;?")


def _audit_log(template: str) -> str:
    # The template's example row names a strategy this repository does not have; without it,
    # the text must not ask to replace a row that is not there.
    lines = template.splitlines()
    kept = [ln for ln in lines if not ln.startswith("| AUD-")]
    text = "\n".join(kept) + "\n"
    if len(kept) != len(lines):
        text = _EXAMPLE_ROW_TEXT.sub("Add one row below the header per audit;", text)
    return text


def _fill_roles(text: str, opts: ScaffoldOptions) -> str:
    """The policy template with each ``roles.<role>.logins``/``teams`` filled from the options."""
    wanted: dict[tuple[str, str], list[str]] = {}
    for option, names in opts.roles.items():
        for filled_role in ROLE_OPTIONS[option]:
            for name in names:
                key = "teams" if "/" in name else "logins"
                if name not in wanted.setdefault((filled_role, key), []):
                    wanted[(filled_role, key)].append(name)
    lines = text.split("\n")
    in_roles = False
    role: str | None = None
    filled: set[tuple[str, str]] = set()
    for i, line in enumerate(lines):
        if line[:1] not in ("", " ", "#"):
            in_roles = line.startswith("roles:")
            role = None
            continue
        if not in_roles:
            continue
        if m := re.match(r"^  ([a-z_]+):", line):
            role = m.group(1)
        elif (m := re.match(r"^(    (logins|teams): )\[\](.*)$", line)) and role is not None:
            given = wanted.get((role, m.group(2)))
            if given:
                lines[i] = _keep_comment_column(
                    m.group(1), f"[{', '.join(given)}]", "[]", m.group(3)
                )
                filled.add((role, m.group(2)))
    missing = sorted(set(wanted) - filled)
    if missing:
        where = ", ".join(f"roles.{r}.{k}" for r, k in missing)
        raise InputError(
            f"the release policy template has no empty {where} to fill",
            hint="fill the roles in .github/release-policy.yml by hand",
        )
    return "\n".join(lines)


def _keep_comment_column(head: str, new: str, old: str, rest: str) -> str:
    """``head + new + rest`` with a trailing comment kept in its column where there is room."""
    spaces = len(rest) - len(rest.lstrip(" "))
    if rest.strip().startswith("#"):
        rest = " " * max(1, spaces - (len(new) - len(old))) + rest.lstrip(" ")
    return head + new + rest


def _set_timezone(text: str, zone: str | None) -> str:
    if zone is None:
        return text
    if m := re.search(r"^(timezone: *)(\S+)(.*)$", text, re.MULTILINE):
        line = _keep_comment_column("timezone: ", zone, m.group(2), m.group(3))
        return text[: m.start()] + line + text[m.end() :]
    return re.sub(
        r"^(version: *\S+\n)", rf"\1timezone: {zone}\n", text, count=1, flags=re.MULTILINE
    )


def _requirements_dev() -> str:
    lines = [
        "# The tools the release pipeline installs (releasekit release-checks.yml, input",
        "# `requirements`): lint, tests, anti-bias tests and the secrets and dependency scans.",
        "-r requirements.txt",
        *DEV_TOOLS,
    ]
    return "\n".join(lines) + "\n"


_REQUIREMENTS = (
    "# This project's runtime dependencies, one per line, pinned (pip-audit checks them in the\n"
    "# release pipeline's security job).\n"
)

_SRC_PACKAGE = (
    '"""This project\'s Python code (the release pipeline lints and type-checks src/)."""\n'
)

_BIAS_TEST = '''\
"""Anti-bias tests: the runbook's "Anti-bias tests pass" gate runs this file.

The release pipeline runs `pytest tests/test_bias.py` and releasekit reads its JUnit XML: a
failing, erroring or skipped test blocks the release. These first checks catch the commonest
look-ahead bias in Pine strategies and Python models; add your own (survivorship, walk-forward
leakage) beside them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# request.security(..., lookahead = barmerge.lookahead_on) reads a bar's future values.
PINE_LOOKAHEAD = re.compile(r"lookahead\\s*=\\s*barmerge\\.lookahead_on")
# A negative shift moves tomorrow's values onto today's row.
PANDAS_FUTURE_SHIFT = re.compile(r"\\.shift\\(\\s*-\\s*\\d")


def _offending(folder: str, suffix: str, pattern: re.Pattern[str]) -> list[str]:
    root = ROOT / folder
    return sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for path in (sorted(root.rglob(f"*{suffix}")) if root.is_dir() else [])
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    )


def test_no_strategy_looks_ahead() -> None:
    assert _offending("strategies", ".pine", PINE_LOOKAHEAD) == []


def test_no_model_reads_future_rows() -> None:
    assert _offending("models", ".py", PANDAS_FUTURE_SHIFT) == []
'''


def plan_files(opts: ScaffoldOptions, templates: Mapping[str, str]) -> dict[str, str]:
    """Every file ``init`` would write (except the secrets baseline), by relative path."""
    policy = _set_timezone(_fill_roles(templates["release-policy.yml"], opts), opts.timezone)
    return {
        ".github/release-policy.yml": policy,
        **{dest: _workflow(templates[name], opts) for name, dest in CALLER_TEMPLATES.items()},
        ".github/CODEOWNERS": _codeowners(opts),
        "version.yaml": _version_yaml(opts),
        "CHANGELOG.md": _changelog(opts),
        "docs/audits/audit_log.md": _audit_log(templates["audit_log.md"]),
        **{dest: templates[name] for name, dest in COPIED_TEMPLATES.items()},
        "requirements.txt": _REQUIREMENTS,
        "requirements-dev.txt": _requirements_dev(),
        SRC_PACKAGE: _SRC_PACKAGE,
        BIAS_TEST: _BIAS_TEST,
    }


def placeholder_findings(opts: ScaffoldOptions) -> list[Finding]:
    """Warnings for what the user still has to fill in by hand."""
    out: list[Finding] = []
    if opts.uses is None:
        out.append(
            finding(
                "INI002",
                "warning",
                f"the workflows call {PLACEHOLDER_USES}@<sha>: replace it with the releasekit "
                "repository and commit you adopt",
                file=".github/workflows/releasekit.yml",
                hint="rerun with --uses OWNER/releasekit@<sha> --uses-version vX.Y.Z --force",
            )
        )
    if opts.owners is None:
        out.append(
            finding(
                "INI002",
                "warning",
                f"CODEOWNERS names {PLACEHOLDER_OWNERS}: replace it with your release managers",
                file=".github/CODEOWNERS",
                hint="rerun with --owners @your-org/your-team --force",
            )
        )
    filled = {role for option in opts.roles for role in ROLE_OPTIONS[option]}
    empty = [role for role in UNFILLED_BY_DEFAULT if role not in filled]
    if empty:
        options = sorted({o for o, roles in ROLE_OPTIONS.items() if set(roles) & set(empty)})
        out.append(
            finding(
                "INI002",
                "warning",
                f"the policy names nobody for {', '.join(empty)}: no strategy or model release"
                " can be signed off until someone holds each role",
                file=".github/release-policy.yml",
                hint=f"rerun with {' '.join(f'{o} LOGIN' for o in options)} --force, or fill"
                " `roles:` in the policy",
            )
        )
    return out
