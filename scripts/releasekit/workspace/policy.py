"""Reading the release policy (``.github/release-policy.yml``) of a checkout into a ``Policy``.

Every gate that needs the policy reads it here: the file's values over the runbook's defaults,
or the runbook's defaults with a POL001 notice when the repository has no policy file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from releasekit.adapters.files import inside_repo, read_text
from releasekit.core.report import Finding, finding
from releasekit.core.signoff.policy import POLICY_PATH, Policy, default_policy, parse_policy
from releasekit.workspace.release_files import shown

# A policy is a screenful of YAML; anything near this size is not one.
POLICY_MAX_BYTES = 64 * 1024


def defaults_notice(where: str, *, file: str, hint: str) -> Finding:
    """POL001: no policy at ``where``, so the runbook's defaults apply."""
    return finding(
        "POL001",
        "notice",
        f"no release policy ({where}): the runbook's defaults apply (audit at most 30"
        " days old, walk-forward above 60%, paper within 20% over at least 10 trades)",
        file=file,
        hint=hint,
    )


def load_policy(repo: Path) -> tuple[Policy, list[Finding]]:
    """The repository's policy, or the runbook defaults with a POL001 notice when it has none."""
    path = inside_repo(repo, POLICY_PATH, what="release policy")
    name = shown(path)
    if not path.exists() and not path.is_symlink():
        return default_policy(), [
            defaults_notice(
                name,
                file=name,
                hint="run `releasekit policy show` to see them; `releasekit init` writes"
                " them to .github/release-policy.yml for you to change",
            )
        ]
    text = read_text(path, what="release policy", shown_as=name, max_bytes=POLICY_MAX_BYTES)
    return parse_policy(text, shown_as=name), []


def desk_today(repo: Path, now: dt.datetime) -> tuple[dt.date, str]:
    """Today's date in the desk's time zone (the policy's), and the zone's name.

    Dates that releasekit stamps into files (init, bump-version) are the desk's calendar day,
    not the latest one anywhere on Earth: at 09:17 in New York the release is dated today.
    """
    policy, _ = load_policy(repo)
    zone = policy.zone()
    return now.astimezone(zone).date(), zone.key
