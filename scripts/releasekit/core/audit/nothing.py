"""Nothing to audit: a repository with no strategy and no model under the policy's paths.

The runbook's audit sign-off applies to strategy and model releases, so a repository without
either (a fresh ``releasekit init``, a desk's infrastructure repository) ships a release with
no audit evidence needed: a notice (AUD023), the same answer from verify-audit and from
release-check, which runs it. The exception is evidence that strategies exist: an audit log
with audit rows whose strategies cannot be found means their sources are gone or the policy's
``paths:`` point elsewhere, and passing would release them unaudited, so that is an error
(AUD015).
"""

from __future__ import annotations

from releasekit.core.audit.formats import AuditLog
from releasekit.core.report import Finding, finding
from releasekit.core.signoff.policy import POLICY_PATH, Policy

# How many audited names the AUD015 message lists before "and N more".
_SHOWN_NAMES = 5


def nothing_to_audit(policy: Policy, log: AuditLog | None) -> Finding:
    """What finding no strategy or model means: an AUD023 notice, or AUD015 if audits exist."""
    paths = policy.paths
    where = f"no strategy (*.pine under {paths.strategies}/) or model (*.py under {paths.models}/)"
    audited = sorted({log.field(row, "Strategy") for row in log.rows} - {""}) if log else []
    if not audited:
        return finding(
            "AUD023",
            "notice",
            f"{where}: nothing to audit, so this release needs no audit evidence",
            hint=f"if this repository has strategies or models, set `paths:` in {POLICY_PATH}",
        )
    names = ", ".join(repr(n[:64]) for n in audited[:_SHOWN_NAMES])
    more = f" and {len(audited) - _SHOWN_NAMES} more" if len(audited) > _SHOWN_NAMES else ""
    assert log is not None  # audited is empty without a log
    return finding(
        "AUD015",
        "error",
        f"{where}, but {log.shown_as} records audits of {names}{more}: their sources are"
        " missing or the policy's paths point elsewhere",
        file=log.shown_as,
        hint=f"set `paths:` in {POLICY_PATH} to where the strategies and models are, or"
        " restore their source files",
    )
