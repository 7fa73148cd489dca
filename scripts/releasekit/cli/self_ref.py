"""``releasekit self-ref``: name the releasekit repository and commit this job's workflow runs.

Runbook step: none directly; every reusable workflow runs it first so that the gates it runs
are the toolkit code of the workflow's own version (docs/actions.md, "Running our own
version"). Reads ``ACTIONS_ID_TOKEN_REQUEST_URL``/``ACTIONS_ID_TOKEN_REQUEST_TOKEN`` (the job
needs ``permissions: id-token: write``), masks the token, prints and sets the step outputs
``repository``, ``sha`` and ``ref``. Exits 3 when the claims cannot be obtained, do not name
a releasekit reusable workflow, or disagree with ``--expect-sha``.

    releasekit self-ref [--expect-sha SHA] [--audience AUD] [--format text|json]
"""

from __future__ import annotations

import os
import re
import sys

from releasekit.adapters.actions import Runtime
from releasekit.adapters.oidc import DEFAULT_AUDIENCE, WorkflowIdentity, read_identity
from releasekit.cli.common import ArgumentParser, new_parser, parse_or_usage, run_gate
from releasekit.core.report import Report
from releasekit.errors import InfraError, InputError

TOOL = "self-ref"
_SHA = re.compile(r"[0-9a-f]{40}")


def _parser() -> ArgumentParser:
    p = new_parser(f"releasekit {TOOL}", __doc__.splitlines()[0] if __doc__ else TOOL)
    p.add_argument(
        "--expect-sha",
        metavar="SHA",
        help="fail (exit 3) unless job_workflow_sha is this commit: the one checked out",
    )
    p.add_argument(
        "--audience",
        default=DEFAULT_AUDIENCE,
        help=f"audience of the requested token (default: {DEFAULT_AUDIENCE})",
    )
    return p


def identity_outputs(identity: WorkflowIdentity) -> dict[str, str]:
    """The step outputs ``self-ref`` sets: repository, sha, ref (and the workflow file)."""
    return {
        "repository": identity.repository,
        "sha": identity.sha,
        "ref": identity.ref,
        "workflow": identity.path,
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point: request the token → read the claims → report → outputs → exit code."""
    parser = _parser()
    args = parse_or_usage(parser, argv, TOOL)
    if isinstance(args, int):
        return args
    runtime = Runtime.from_env(sys.stdout)
    found: list[WorkflowIdentity] = []

    def evaluate() -> Report:
        expected = args.expect_sha
        if expected is not None and _SHA.fullmatch(expected) is None:
            raise InputError(f"--expect-sha {expected!r} is not a 40-hex commit SHA")
        identity = read_identity(os.environ, audience=args.audience, mask=runtime.mask)
        if expected is not None and identity.sha != expected:
            raise InfraError(
                f"this job runs {identity.repository}/{identity.path} at {identity.sha}, "
                f"but the releasekit copy checked out is {expected}",
                hint="check releasekit out at the self-ref job's `sha` output, never a branch",
            )
        found.append(identity)
        return Report(
            TOOL, f"{identity.repository}/{identity.path}", data=identity_outputs(identity)
        )

    code = run_gate(TOOL, "this job's workflow", args, evaluate, runtime=runtime)
    if code == 0 and found:
        outputs = identity_outputs(found[0])
        runtime.set_outputs(outputs)
        if args.format == "text":
            sys.stdout.write("".join(f"{key}={value}\n" for key, value in outputs.items()))
    return code


if __name__ == "__main__":
    sys.exit(main())
