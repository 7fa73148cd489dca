"""``releasekit policy``: show or validate the release policy (``.github/release-policy.yml``).

Offline; needs no token. ``show`` prints the effective policy (the file's values over the
runbook's defaults) as YAML-like text, JSON or a Markdown table; ``validate`` is a gate like
the others (exit 0 valid, 2 invalid with file:line and the fix). Both take ``--report-out``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from releasekit.adapters.files import write_atomic
from releasekit.cli.common import (
    FORMATS,
    ArgumentParser,
    emit,
    parse_or_usage,
    run_gate,
)
from releasekit.core.render import code_span, render_json, render_markdown
from releasekit.core.report import Report, failed_report
from releasekit.core.signoff.policy import POLICY_PATH
from releasekit.errors import ReleasekitError
from releasekit.gates.policy import TOOL, PolicyRequest, effective_policy


def render_policy_text(data: Mapping[str, Any]) -> str:
    """The effective policy (``policy_json``'s shape) as commented YAML: a valid policy file."""
    source = data["source"] or "none: runbook defaults"
    lines = [f"# effective release policy (file: {source})", "# (default) = runbook default"]
    defaulted = set(data["defaults_used"])
    values: dict[str, Any] = data["policy"]
    for section, keys in values.items():
        if not isinstance(keys, dict):  # a top-level scalar: version, timezone
            mark = "  # (default)" if section in defaulted and section != "version" else ""
            lines.append(f"{section}: {_yaml_scalar(keys)}{mark}")
            continue
        lines.append(f"{section}:")
        for key, value in keys.items():
            mark = "  # (default)" if f"{section}.{key}" in defaulted else ""
            lines.append(f"  {key}: {_yaml_scalar(value)}{mark}")
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: Any) -> str:
    # JSON is YAML's flow style: strings, null, lists and mappings (a role, a release type)
    # come out as valid YAML on one line, so the shown policy stays a valid policy file.
    if isinstance(value, str | dict | list) or value is None:
        return json.dumps(value)
    return str(value)


def render_policy_table(report: Report) -> str:
    """The effective policy as a Markdown table (``policy show --format markdown``)."""
    data = report.data
    if "policy" not in data:
        return ""
    source = code_span(data["source"]) if data["source"] else "none: the runbook's defaults"
    defaulted = set(data["defaults_used"])
    rows = [f"Policy file: {source}", "", "| Key | Value | From |", "|---|---|---|"]
    for section, keys in data["policy"].items():
        entries = keys.items() if isinstance(keys, dict) else [(None, keys)]
        for key, value in entries:
            name = section if key is None else f"{section}.{key}"
            origin = "runbook default" if name in defaulted else "policy file"
            rows.append(f"| {code_span(name)} | {code_span(_yaml_scalar(value))} | {origin} |")
    return "\n".join(rows)


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    sub = p.add_subparsers(dest="action", metavar="{show,validate}")
    sub.required = True
    show = sub.add_parser("show", help="print the effective policy (defaults merged)")
    check = sub.add_parser("validate", help="validate the policy file (exit 2 when invalid)")
    for action in (show, check):
        action.add_argument(
            "--repo", type=Path, default=Path(), help="repository root (default: .)"
        )
        action.add_argument("--format", choices=FORMATS, default="text")
        action.add_argument(
            "--report-out", metavar="FILE", type=Path, help="also write the JSON report to FILE"
        )
    return p


def _show(repo: Path, fmt: str, report_out: Path | None, out: TextIO) -> int:
    try:
        report = effective_policy(PolicyRequest(repo))
    except ReleasekitError as exc:
        report = failed_report(TOOL, str(repo / POLICY_PATH), exc.problem)
    try:
        if report_out is not None:
            write_atomic({report_out: render_json(report)})
    except ReleasekitError as exc:
        sys.stderr.write(f"releasekit {TOOL}: {exc}\n")
        return max(report.exit_code, exc.problem.exit_code)
    if report.problem is not None:
        emit(report, "text" if fmt == "text" else fmt, out)
    elif fmt == "json":
        out.write(json.dumps(dict(report.data), indent=2) + "\n")
    elif fmt == "markdown":
        out.write(render_markdown(report, details=render_policy_table))
    else:
        out.write(render_policy_text(report.data))
    return report.exit_code


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``policy show`` or ``policy validate``."""
    parser = _parser()
    args = parse_or_usage(parser, argv, TOOL)
    if isinstance(args, int):
        return args
    if args.action == "show":
        return _show(args.repo, args.format, args.report_out, sys.stdout)
    subject = str(args.repo / POLICY_PATH)
    return run_gate(
        TOOL, subject, args, lambda: effective_policy(PolicyRequest(args.repo, check_roles=True))
    )


if __name__ == "__main__":
    sys.exit(main())
