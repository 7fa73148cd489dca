"""The doctor use case: are the repository's GitHub settings what the gates rely on? (DOC)

Reads the settings through the repository read port (GitHub, or an offline fixture), never
writing anything, and hands them to ``core.repo.doctor``. A setting this token may not read
becomes ``Unreadable`` (a warning naming the permission that would let doctor read it); any
other GitHub failure raises (exit 3), never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from releasekit.adapters.github.interface import AccessDeniedError, RepositoryReadPort
from releasekit.core.repo import doctor
from releasekit.core.repo.doctor import FoundFile, SettingsFacts, Unreadable
from releasekit.core.report import Report
from releasekit.core.signoff.policy import POLICY_PATH
from releasekit.errors import InputError, Problem

T = TypeVar("T")


@dataclass(frozen=True)
class DoctorRequest:
    """What doctor checks: the check the default branch must require, and strictness.

    ``strict``: a setting this token cannot read blocks (a scheduled run with an admin token).
    """

    required_check: str = doctor.DEFAULT_REQUIRED_CHECK
    strict: bool = False


def run_doctor(request: DoctorRequest, port: RepositoryReadPort) -> Report:
    """Read every setting doctor checks from ``port`` and evaluate them."""
    facts = gather(port)
    report = doctor.evaluate(facts, required_check=request.required_check, strict=request.strict)
    return report.with_data(requests=port.request_count)


def read(fn: Callable[[], T], what: str) -> T | Unreadable:
    """``fn()``, or ``Unreadable`` when GitHub will not show it to this token."""
    try:
        return fn()
    except AccessDeniedError as exc:
        # "could not read X: GitHub answered 403 (...)": doctor's sentence names X itself.
        head, sep, said = exc.problem.message.partition(": ")
        detail = said if sep and head.startswith("could not ") else exc.problem.message
        return Unreadable(what, exc.permission, detail)


def read_file(port: RepositoryReadPort, path: str, ref: str) -> str | Unreadable | Problem | None:
    """A file at ``ref``; a file that is there but unusable is a ``Problem`` (a DOC finding)."""
    try:
        return read(lambda: port.file_at(path, ref), f"{path} on {ref}")
    except InputError as exc:
        return exc.problem


def gather(port: RepositoryReadPort) -> SettingsFacts:
    """Read everything doctor checks from ``port`` (reads only; about 10 requests)."""
    info = port.repository_info()
    branch = info.default_branch
    policy = read_file(port, POLICY_PATH, branch)
    names, source = doctor.environment_names(policy if isinstance(policy, str) else None)
    codeowners: FoundFile | Unreadable | Problem | None = None
    for path in doctor.CODEOWNERS_PATHS:
        # GitHub uses the first of these that exists; an unreadable one hides which that is.
        text = read_file(port, path, branch)
        if text is None:
            continue
        codeowners = FoundFile(path, text) if isinstance(text, str) else text
        break
    return SettingsFacts(
        repository=info,
        protection=read(
            lambda: port.branch_protection(branch), f"the branch protection of {branch}"
        ),
        rules=read(lambda: tuple(port.branch_rules(branch)), f"the rulesets of {branch}"),
        environments=tuple(
            (name, read(partial(port.environment, name), f"environment “{name}”")) for name in names
        ),
        actions=read(port.actions_permissions, "the Actions settings"),
        codeowners=codeowners,
        policy=policy,
        environments_from=source,
    )
