"""``releasekit policy``: show or validate the release policy (``.github/release-policy.yml``).

Offline; needs no token. ``show`` prints the effective policy (the file's values over the
runbook's defaults) as YAML-like text or JSON; ``validate`` is a gate like the others (exit 0
valid, 2 invalid with file:line and the fix). The policy is read by
``releasekit.workspace.policy``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from releasekit.cli.common import ArgumentParser, emit, run_gate, usage_failure
from releasekit.core.report import Report, failed_report
from releasekit.core.signoff.policy import POLICY_PATH, Policy
from releasekit.errors import InputError, ReleasekitError
from releasekit.workspace.policy import load_policy

TOOL = "policy"


def render_policy_text(policy: Policy) -> str:
    """The effective policy as commented YAML: valid as a policy file itself."""
    source = policy.source or "none: runbook defaults"
    lines = [f"# effective release policy (file: {source})", "# (default) = runbook default"]
    defaulted = set(policy.defaulted()) | set(policy.defaulted_rules())
    data = policy.to_dict()
    lines.append(f"version: {data['version']}")
    for section, values in data.items():
        if section == "version":
            continue
        lines.append(f"{section}:")
        for key, value in values.items():
            mark = "  # (default)" if f"{section}.{key}" in defaulted else ""
            lines.append(f"  {key}: {_yaml_scalar(value)}{mark}")
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: Any) -> str:
    # JSON is YAML's flow style: strings, null, lists and mappings (a role, a release type)
    # come out as valid YAML on one line, so the shown policy stays a valid policy file.
    if isinstance(value, str | dict | list) or value is None:
        return json.dumps(value)
    return str(value)


def policy_json(policy: Policy) -> dict[str, Any]:
    """The JSON shape of ``policy show --format json``."""
    return {
        "source": policy.source,
        "policy": policy.to_dict(),
        "defaults_used": policy.defaulted() + policy.defaulted_rules(),
    }


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    sub = p.add_subparsers(dest="action", metavar="{show,validate}")
    sub.required = True
    show = sub.add_parser("show", help="print the effective policy (defaults merged)")
    show.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    check = sub.add_parser("validate", help="validate the policy file (exit 2 when invalid)")
    check.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    check.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    check.add_argument("--report-out", metavar="FILE", type=Path, help="also write JSON to FILE")
    return p


def _show(repo: Path, fmt: str, out: TextIO) -> int:
    try:
        policy, _ = load_policy(repo)
    except ReleasekitError as exc:
        report = failed_report(TOOL, str(repo / POLICY_PATH), exc.problem)
        emit(report, "json" if fmt == "json" else "text", out)
        return report.exit_code
    if fmt == "json":
        out.write(json.dumps(policy_json(policy), indent=2) + "\n")
    else:
        out.write(render_policy_text(policy))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``policy show`` or ``policy validate``."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    if args.action == "show":
        return _show(args.repo, args.format, sys.stdout)

    def evaluate() -> Report:
        """The policy as a report: its notices and, as data, the effective values."""
        policy, notices = load_policy(args.repo)
        return Report(TOOL, str(args.repo / POLICY_PATH), tuple(notices), policy_json(policy))

    return run_gate(TOOL, str(args.repo / POLICY_PATH), args, evaluate)


if __name__ == "__main__":
    sys.exit(main())
