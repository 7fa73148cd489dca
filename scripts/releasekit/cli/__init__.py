"""``releasekit <command>``: one subcommand per gate, each also a ``scripts/<name>.py``.

Commands are imported only when called, so ``releasekit check-changelog`` never pays for
PyGithub's import (≈ 0.23 s) on an offline path.

This is the process's boundary (docs/security.md): stdout and stderr go through the output
boundary for the whole command, and whatever a command raises becomes exit 2 (input) or 3
(infrastructure) with a one-line message, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

from releasekit import __version__

# command name -> module under releasekit.cli exposing main(argv) -> int
COMMANDS: dict[str, tuple[str, str]] = {
    "check-changelog": ("check_changelog", "Check CHANGELOG.md and version.yaml"),
    "bump-version": ("bump_version", "Cut a release: bump version.yaml and CHANGELOG.md"),
    "verify-audit": ("verify_audit", "Check audit evidence for strategy/model releases"),
    "audit": ("audit", "Record an audited file's SHA-256 in the audit log (audit stamp)"),
    "release-check": ("release_check", "All offline evidence for one release, in one report"),
    "signoff-gate": ("signoff_gate", "Decide a release PR's sign-off from reviews and evidence"),
    "policy": ("policy", "Show or validate the release policy"),
    "rollout": ("rollout", "Decide the next staged-rollout step"),
    "rollback": ("rollback", "Roll back to the previous stable version"),
    "hotfix-sla": ("hotfix_sla", "Check hotfix post-mortem and follow-up deadlines"),
    "tracker": ("tracker", "Keep the release checklist issue, ticked by evidence"),
    "init": ("init", "Scaffold releasekit into a repository"),
    "doctor": ("doctor", "Check the repository's GitHub settings the gates rely on"),
    "self-ref": ("self_ref", "Name the releasekit repository and commit this job's workflow runs"),
    "evidence": ("evidence", "Refuse a tag without a merged, signed-off PR; write the evidence"),
    "calendar": ("calendar", "Show the release calendar; refuse a cut or tag in a freeze"),
    "board": ("board", "Build the release board: what is live, rollouts, what blocks next"),
}


def _usage() -> str:
    lines = ["usage: releasekit <command> [options]", "", "commands:"]
    for name, (_, summary) in COMMANDS.items():
        lines.append(f"  {name:<16} {summary}")
    lines += ["", "Run `releasekit <command> --help` for a command's options.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``releasekit <command> ...`` to the command's own ``main``, behind the boundary."""
    args = sys.argv[1:] if argv is None else argv
    # Imported here: the boundary needs cli.common, which `releasekit --version` does not.
    from releasekit.cli.common import guarded_stdio, report_crash
    from releasekit.core.render import visible

    with guarded_stdio():
        try:
            return _dispatch(args)
        except SystemExit as exc:  # argparse's --help/--version and sys.exit in a command
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        except Exception as exc:
            problem = report_crash(exc)
            name = visible(args[0]) if args else "releasekit"
            where = problem.location()
            sys.stderr.write(
                f"releasekit {name}: error: {where + ': ' if where else ''}{problem.message}\n"
                + (f"  fix: {problem.hint}\n" if problem.hint else "")
            )
            return problem.exit_code


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(_usage())
        return 0 if args else 2
    if args[0] == "--version":
        sys.stdout.write(f"releasekit {__version__}\n")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        sys.stderr.write(f"releasekit: unknown command {args[0]!r}\n\n{_usage()}")
        return 2
    try:
        module = importlib.import_module(f"releasekit.cli.{entry[0]}")
    except ModuleNotFoundError as exc:
        if exc.name != f"releasekit.cli.{entry[0]}":
            raise
        sys.stderr.write(f"releasekit: {args[0]} is not available in releasekit {__version__}\n")
        return 2
    code: int = module.main(args[1:])
    return code
