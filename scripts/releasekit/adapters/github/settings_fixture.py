"""An offline ``RepositoryReadPort`` from a JSON file: ``releasekit doctor --fixture FILE``.

For running doctor without a token or network (docs, demos, tests, a settings review on a
laptop). Each section holds **what GitHub's API answers**, so a fixture can be captured with
``gh api`` and pasted in (docs/doctor.md shows the commands); fields doctor does not read may
be left out. The answers are turned into facts by the same functions the real adapter uses.

    {
      "repository": {"full_name": "acme/desk", "default_branch": "main", "private": true},
      "branch_protection": {"main": {...GET .../branches/main/protection...}},
      "branch_rules": {"main": [...GET .../rules/branches/main...]},
      "environments": {"paper": {...GET .../environments/paper...}, "live": {...}},
      "actions_permissions": {...GET .../actions/permissions...},
      "workflow_permissions": {...GET .../actions/permissions/workflow...},
      "files": {".github/CODEOWNERS": "...text...", ".github/release-policy.yml": "..."},
      "commit_pulls": {"<40-hex sha>": [...GET .../commits/{sha}/pulls...]}
    }

* A value may be the **error answer** GitHub gave instead, ``{"status": 403, "message":
  "Resource not accessible by integration"}``: a 403 is "this token may not read it", a 404
  "Branch not protected" is an unprotected branch, ``null`` is "none" (no protection, no such
  environment, no such file).
* ``environments`` and ``files`` list what exists: a name or path not in them does not exist.
* A section left out was **not captured**: reading it is an ``AccessDeniedError`` naming the
  ``gh api`` call that would capture it — never "unprotected" or "absent".
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from releasekit.adapters.files import read_text
from releasekit.adapters.github.interface import (
    ACTIONS_READ,
    ADMINISTRATION_READ,
    CONTENTS_READ,
    METADATA_READ,
    PULLS_READ,
    AccessDeniedError,
)
from releasekit.adapters.github.settings import (
    actions_permissions_from_json,
    branch_rule_from_json,
    commit_pull_from_json,
    environment_from_json,
    protection_from_json,
    repository_info_from_json,
)
from releasekit.core.github_facts import (
    ActionsPermissions,
    BranchProtection,
    BranchRule,
    CommitPull,
    DeploymentEnvironment,
    RepositoryInfo,
    Sha,
)
from releasekit.errors import InfraError, InputError

SECTIONS = (
    "repository",
    "branch_protection",
    "branch_rules",
    "environments",
    "actions_permissions",
    "workflow_permissions",
    "files",
    "commit_pulls",
)
# A settings capture is a few kilobytes; a policy and CODEOWNERS inside it stay far below this.
MAX_FIXTURE_BYTES = 2 * 1024 * 1024

T = TypeVar("T")


class SettingsFixturePort:
    """``RepositoryReadPort`` answering from a fixture's captured API answers; no network."""

    def __init__(self, data: Mapping[str, Any], *, source: str) -> None:
        """``data`` is the fixture's JSON object; ``source`` names the file in messages."""
        self._data = data
        self._source = source
        self._count = 0
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            close = difflib.get_close_matches(unknown[0], SECTIONS, n=1)
            guess = f"did you mean `{close[0]}`? " if close else ""
            raise InputError(
                f"unknown section `{unknown[0]}` in the settings fixture",
                file=source,
                hint=f"{guess}known sections: {', '.join(SECTIONS)}",
            )
        self._info = self._parse(
            lambda: repository_info_from_json(self._required("repository"), "read repository"),
            "repository",
        )

    @classmethod
    def load(cls, path: Path, *, shown_as: str | None = None) -> SettingsFixturePort:
        """Read and check a fixture file (``InputError`` naming the file when unusable)."""
        name = shown_as or path.as_posix()
        text = read_text(path, what="settings fixture", shown_as=name, max_bytes=MAX_FIXTURE_BYTES)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"settings fixture is not JSON: {exc.msg}", file=name, line=exc.lineno
            ) from None
        if not isinstance(data, dict):
            raise InputError("settings fixture must be a JSON object", file=name)
        return cls(data, source=name)

    def __enter__(self) -> SettingsFixturePort:
        """Context manager for symmetry with the real port (nothing to close)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to release."""

    def close(self) -> None:
        """Nothing to release (the real port closes its connection pool)."""

    @property
    def repository(self) -> str:
        """``owner/name`` from the fixture's ``repository`` section."""
        return self._info.full_name

    @property
    def request_count(self) -> int:
        """Sections read so far (what the real port would have sent as requests)."""
        return self._count

    # -- RepositoryReadPort --------------------------------------------------------------

    def repository_info(self) -> RepositoryInfo:
        """The ``repository`` section."""
        self._count += 1
        return self._info

    def default_branch(self) -> str:
        """``repository.default_branch``."""
        return self.repository_info().default_branch

    def file_at(self, path: str, ref: str) -> str | None:
        """``files[path]`` (the fixture holds the default branch only); None when not listed."""
        self._count += 1
        call = f"gh api repos/{self.repository}/contents/{path}"
        _, value = self._entry("files", path, call)
        answer = self._answer(value, f"read {path} at {ref}", CONTENTS_READ)
        if answer is None or isinstance(answer, str):
            return answer
        raise InputError(
            f"files.{path} in the settings fixture must be the file's text, null or an error"
            " answer",
            file=self._source,
        )

    def branch_protection(self, branch: str) -> BranchProtection | None:
        """``branch_protection[branch]``; null or a 404 "Branch not protected" is unprotected."""
        self._count += 1
        call = f"gh api repos/{self.repository}/branches/{branch}/protection"
        found, value = self._entry("branch_protection", branch, call)
        if not found:
            raise self._not_captured(f"branch_protection.{branch}", call)
        if (
            _is_error(value)
            and _status(value) == 404
            and str(value.get("message", "")).lower().startswith("branch not protected")
        ):
            return None
        what = f"read the branch protection of {branch}"
        answer = self._answer(value, what, ADMINISTRATION_READ)
        if answer is None:
            return None
        return self._parse(lambda: protection_from_json(answer, what, branch=branch), what)

    def branch_rules(self, branch: str) -> list[BranchRule]:
        """``branch_rules[branch]`` (a list of ``repository-rule-detailed``)."""
        self._count += 1
        call = f"gh api --paginate repos/{self.repository}/rules/branches/{branch}"
        found, value = self._entry("branch_rules", branch, call)
        if not found:
            raise self._not_captured(f"branch_rules.{branch}", call)
        what = f"list the ruleset rules of branch {branch}"
        answer = self._answer(value, what, METADATA_READ)
        if not isinstance(answer, list):
            raise InputError(
                f"branch_rules.{branch} in the settings fixture must be a list of rules",
                file=self._source,
            )
        return [self._parse(partial(branch_rule_from_json, item, what), what) for item in answer]

    def environment(self, name: str) -> DeploymentEnvironment | None:
        """``environments[name]``; a name not listed does not exist."""
        self._count += 1
        call = f"gh api repos/{self.repository}/environments/{name}"
        found, value = self._entry("environments", name, call)
        if not found or (_is_error(value) and _status(value) == 404):
            return None
        what = f"read environment {name!r}"
        answer = self._answer(value, what, ACTIONS_READ)
        if answer is None:
            return None
        return self._parse(lambda: environment_from_json(answer, what), what)

    def actions_permissions(self) -> ActionsPermissions:
        """``actions_permissions`` and ``workflow_permissions`` together."""
        self._count += 2
        what = "read the Actions settings"
        answers = []
        for key, suffix in (("actions_permissions", ""), ("workflow_permissions", "/workflow")):
            call = f"gh api repos/{self.repository}/actions/permissions{suffix}"
            if key not in self._data:
                raise self._not_captured(key, call)
            answers.append(self._answer(self._data[key], what, ADMINISTRATION_READ))
        general, token = answers
        return self._parse(partial(actions_permissions_from_json, general, token, what), what)

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """``commit_pulls[sha]``; a SHA not listed has no pull requests."""
        self._count += 1
        call = f"gh api --paginate repos/{self.repository}/commits/{sha}/pulls"
        found, value = self._entry("commit_pulls", sha, call)
        what = f"list the pull requests of commit {sha[:12]}"
        answer = self._answer(value if found else [], what, PULLS_READ)
        if not isinstance(answer, list):
            raise InputError(
                f"commit_pulls.{sha} in the settings fixture must be a list", file=self._source
            )
        return [self._parse(partial(commit_pull_from_json, item, what), what) for item in answer]

    # -- helpers ----------------------------------------------------------------------------

    def _required(self, key: str) -> Any:
        if key not in self._data:
            raise InputError(
                f"the settings fixture has no `{key}` section",
                file=self._source,
                hint='add "repository": {"full_name": "OWNER/NAME", "default_branch": "main"}'
                " (or the output of `gh api repos/OWNER/NAME`)",
            )
        return self._data[key]

    def _entry(self, key: str, name: str, call: str) -> tuple[bool, Any]:
        """Whether section ``key`` lists ``name``, and its value there.

        A section left out was not captured (``AccessDeniedError``); a section that is one
        error answer gives that answer for every name.
        """
        if key not in self._data:
            raise self._not_captured(key, call)
        section = self._data[key]
        if _is_error(section):
            return True, section
        if not isinstance(section, dict):
            raise InputError(
                f"`{key}` in the settings fixture must be a JSON object", file=self._source
            )
        return name in section, section.get(name)

    def _not_captured(self, key: str, call: str) -> AccessDeniedError:
        return AccessDeniedError(
            f"the settings fixture {self._source} has no `{key}`",
            permission=f"`{key}` in the fixture: the output of `{call}`",
            status=0,
            hint=f"add `{key}` to {self._source}: the output of `{call}` (docs/doctor.md)",
        )

    def _answer(self, value: Any, what: str, permission: str) -> Any:
        """The captured answer, or the error GitHub answered raised as ours."""
        if not _is_error(value):
            return value
        status = _status(value)
        message = str(value.get("message", ""))
        said = f"GitHub answered {status}" + (f" ({message})" if message else "")
        if status in (403, 404):
            raise AccessDeniedError(
                f"could not {what}: {said} (captured in {self._source})",
                permission=permission,
                status=status,
            )
        raise InfraError(f"could not {what}: {said} (captured in {self._source})")

    def _parse(self, build: Callable[[], T], what: str) -> T:
        try:
            return build()
        except InfraError as exc:
            # The real adapter's "GitHub's answer is not what its API documents" is, here, a
            # fixture that does not hold what `gh api` would print.
            raise InputError(
                f"settings fixture: {exc.problem.message}",
                file=self._source,
                hint=f"paste the JSON GitHub answers ({what}); see docs/doctor.md",
            ) from None


def _is_error(value: Any) -> bool:
    return isinstance(value, dict) and "status" in value and "message" in value


def _status(value: Mapping[str, Any]) -> int:
    try:
        return int(value["status"])
    except (TypeError, ValueError):
        return 0


__all__ = ["MAX_FIXTURE_BYTES", "SECTIONS", "SettingsFixturePort"]
