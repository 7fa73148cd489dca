"""Deployments, deployment statuses, issues and tags on GitHub: rollout, rollback, hotfix, tracker.

``ReleaseOpsPort`` extends ``PyGithubPort`` with the operations the rollout gates need, made
the same way (one request path, read retries, no blind write retries, errors as
``InfraError`` with the fix, the token from the environment only):

* **Deployments** are the rollout's record on GitHub (docs/rollout.md): one deployment per
  version and environment (``ref`` = the tag, ``task`` = ``deploy:releasekit``, the stage and
  size at creation in the ``payload``), and one deployment status per recorded decision, whose
  description encodes the event (``core.rollout.encode_event``). Only deployments and statuses
  made by releasekit's own identity count: anyone with ``deployments: write`` can post a
  status, and a forged "promote live-100" must not move a rollout (nor pick a rollback target).
* **Issues** carry incidents, the hotfix debt and release trackers, each found again by a
  hidden marker at the top of its body, among issues written by our identity — a rerun
  updates instead of duplicating (threat 11).
* **Tags**: whether ``vX.Y.Z`` exists, and what it points at.

Token permissions: ``deployments: read`` to rebuild a rollout, ``deployments: write`` to
record one; ``issues: write`` for incidents, trackers and the hotfix-debt issue; ``contents:
read`` for tags and the policy file.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github import pygithub
from releasekit.adapters.github.payload import Absent as _Absent
from releasekit.adapters.github.payload import Op as _Op
from releasekit.adapters.github.payload import WriteRetryableError as _WriteRetryableError
from releasekit.adapters.github.payload import cut, parse_time
from releasekit.adapters.github.payload import json_int as _int
from releasekit.adapters.github.payload import json_object as _obj
from releasekit.adapters.github.payload import json_text as _text
from releasekit.adapters.github.pygithub import PyGithubPort
from releasekit.core.github_facts import WriteResult
from releasekit.core.rollout.rollback import check_tag
from releasekit.errors import InfraError, InputError

DeploymentState = Literal[
    "error", "failure", "inactive", "in_progress", "queued", "pending", "success"
]
# Identifies releasekit's deployments among any others of the repository.
TASK = "deploy:releasekit"
DESCRIPTION_LIMIT = 140  # characters, GitHub's limit for a deployment status description
ISSUE_BODY_LIMIT = 65_536
ENVIRONMENTS = ("paper", "live")
_DEPLOY_FIX = (
    "give the job `permissions: deployments: write` (deployments: read to only rebuild the rollout)"
)
_ISSUE_FIX = "give the job `permissions: issues: write`"
_T = TypeVar("_T")


@dataclass(frozen=True)
class DeploymentStatusFact:
    """One deployment status as GitHub stores it."""

    id: int
    state: str
    description: str
    creator: str
    created_at: dt.datetime | None


@dataclass(frozen=True)
class DeploymentFact:
    """One deployment (statuses are read separately, newest first)."""

    id: int
    ref: str
    sha: str
    environment: str
    task: str
    payload: Mapping[str, Any]
    creator: str
    created_at: dt.datetime | None


@dataclass(frozen=True)
class IssueFact:
    """An issue (never a pull request)."""

    number: int
    title: str
    body: str
    state: str
    labels: tuple[str, ...]
    author: str
    url: str
    created_at: dt.datetime | None = None


def connect(env: Mapping[str, str], *, runtime: Runtime, **options: Any) -> ReleaseOpsPort:
    """A ``ReleaseOpsPort`` configured exactly as ``pygithub.connect`` configures its port.

    ``options`` are ``pygithub.connect``'s (``sleep``, ``clock``, ``max_wait``,
    ``seconds_between_writes``, ``timeout``, ``log``).
    """
    port = pygithub.connect(env, runtime=runtime, port_class=ReleaseOpsPort, **options)
    if not isinstance(port, ReleaseOpsPort):  # connect builds the class it is given
        raise TypeError(f"expected ReleaseOpsPort, got {type(port).__name__}")
    return port


class ReleaseOpsPort(PyGithubPort):
    """``PyGithubPort`` plus deployments, statuses, issues and tags (see the module docstring)."""

    # -- deployments ------------------------------------------------------------------------

    def deployments(
        self, *, environment: str | None = None, ref: str | None = None
    ) -> list[DeploymentFact]:
        """releasekit's deployments (task ``deploy:releasekit``, made by us), newest first."""
        params: dict[str, Any] = {"task": TASK}
        if environment is not None:
            params["environment"] = _environment(environment)
        if ref is not None:
            params["ref"] = _tag(ref)
        op = _Op(
            f"list the deployments of {self.repository}",
            forbidden="give the job `permissions: deployments: read`",
            missing=self._repo_missing(),
        )
        me = self.identity().lower()
        out = []
        for item in self._pages(f"{self._repo_path}/deployments", op, params):
            dep = _deployment(_obj(item, op), op)
            if dep.task == TASK and dep.creator.lower() == me:
                out.append(dep)
        return sorted(out, key=lambda d: d.id, reverse=True)

    def deployment_statuses(self, deployment_id: int) -> list[DeploymentStatusFact]:
        """Every status of a deployment, newest first (all pages)."""
        op = _Op(
            f"list the statuses of deployment {deployment_id}",
            forbidden="give the job `permissions: deployments: read`",
            missing=self._repo_missing(),
        )
        url = f"{self._repo_path}/deployments/{_positive(deployment_id)}/statuses"
        out = []
        for item in self._pages(url, op):
            entry = _obj(item, op)
            creator = entry.get("creator")
            out.append(
                DeploymentStatusFact(
                    id=_int(entry, "id", op),
                    state=_text(entry, "state", op),
                    description=str(entry.get("description") or ""),
                    creator=str(_obj(creator, op).get("login", "")) if creator else "",
                    created_at=parse_time(entry.get("created_at")),
                )
            )
        return sorted(out, key=lambda s: s.id, reverse=True)

    def our_statuses(self, deployment_id: int) -> list[DeploymentStatusFact]:
        """The statuses releasekit's own identity wrote, newest first."""
        me = self.identity().lower()
        return [s for s in self.deployment_statuses(deployment_id) if s.creator.lower() == me]

    def ensure_deployment(
        self,
        *,
        tag: str,
        environment: str,
        payload: Mapping[str, Any],
        description: str,
    ) -> tuple[DeploymentFact, bool]:
        """releasekit's deployment of ``tag`` to ``environment``: found, or created once.

        Returns the deployment and whether this call created it. Created with
        ``required_contexts: []`` (the tag already passed its checks; GitHub would otherwise
        refuse with 409 while any status of the commit is pending) and ``auto_merge: false``
        (GitHub would try to merge the default branch into a tag).
        """
        ref = _tag(tag)
        env = _environment(environment)
        body = {
            "ref": ref,
            "task": TASK,
            "environment": env,
            "payload": dict(payload),
            "description": description[:DESCRIPTION_LIMIT],
            "auto_merge": False,
            "required_contexts": [],
            "transient_environment": False,
            "production_environment": env == "live",
        }
        op = _Op(
            f"create the {env} deployment of {ref}",
            forbidden=_DEPLOY_FIX,
            missing=self._repo_missing(),
        )

        def find(_retry: int) -> tuple[DeploymentFact, bool] | None:
            found = self.deployments(environment=env, ref=ref)
            return (found[0], False) if found else None

        def create() -> tuple[DeploymentFact, bool]:
            data = self._write("POST", f"{self._repo_path}/deployments", body, op)
            return _deployment(data, op), True

        return self._create_once(
            op,
            find,
            create,
            unseen="the deployment is not visible yet; releasekit does not send it again, as the"
            " first copy may still land",
            hint="rerun the job: it finds the deployment (or creates it) without a duplicate",
        )

    def add_status(
        self,
        deployment_id: int,
        state: DeploymentState,
        description: str,
        *,
        log_url: str | None = None,
    ) -> WriteResult:
        """Add a status unless our newest status already says exactly this (reruns add none).

        ``auto_inactive`` is off: which deployments become inactive is releasekit's decision
        (a rollback marks the bad version's deployments inactive itself), not a side effect.
        """
        text = description[:DESCRIPTION_LIMIT]
        url = f"{self._repo_path}/deployments/{_positive(deployment_id)}/statuses"
        body: dict[str, Any] = {"state": state, "description": text, "auto_inactive": False}
        if log_url:
            body["log_url"] = log_url
        op = _Op(
            f"add a {state} status to deployment {deployment_id}",
            forbidden=_DEPLOY_FIX,
            missing=self._repo_missing(),
        )

        def find(retry: int) -> WriteResult | None:
            ours = self.our_statuses(deployment_id)
            if ours and ours[0].state == state and ours[0].description == text:
                return WriteResult(ours[0].id, url, created=retry > 0)
            return None

        def create() -> WriteResult:
            data = self._write("POST", url, body, op)
            return WriteResult(_int(data, "id", op), url, created=True)

        return self._create_once(
            op,
            find,
            create,
            unseen="the status is not visible yet; releasekit does not send it again",
            hint="rerun the job: it finds the status (or adds it) without a duplicate",
        )

    def _create_once(
        self,
        op: _Op,
        find: Callable[[int], _T | None],
        create: Callable[[], _T],
        *,
        unseen: str,
        hint: str,
    ) -> _T:
        """What ``find`` finds, else what ``create`` writes: never written twice.

        ``find`` is given the retries so far. A write that failed but may still land is not
        sent again: unless the next ``find`` sees it, the job stops (``unseen`` says why) and
        a rerun finds it.
        """
        may_land = False
        retry = 0
        while True:
            found = find(retry)
            if found is not None:
                return found
            if may_land:
                raise InfraError(
                    f"could not {op.what}: GitHub did not answer, and {unseen}", hint=hint
                )
            try:
                return create()
            except _WriteRetryableError as failed:
                retry += 1
                may_land = may_land or failed.may_land_later
                self._pause_write(failed, retry, op)

    # -- tags ---------------------------------------------------------------------------------

    def tag_target(self, tag: str) -> tuple[str, str] | None:
        """``(object type, sha)`` that ``refs/tags/<tag>`` points at, or None when absent.

        The object is a ``tag`` for annotated tags and a ``commit`` for lightweight ones. A
        404 means "no such tag" only once the repository is known to be readable.
        """
        name = _tag(tag)
        op = _Op(
            f"read tag {name} of {self.repository}",
            forbidden="give the job `permissions: contents: read`",
            missing=self._repo_missing(),
        )
        url = f"{self._repo_path}/git/ref/tags/{urllib.parse.quote(name, safe='')}"
        answer = self._get(url, op, tolerate=(404,))
        if isinstance(answer, _Absent):
            self._require_repo(op)
            return None
        target = _obj(_obj(answer, op).get("object"), op)
        return _text(target, "type", op), _text(target, "sha", op)

    # -- issues -------------------------------------------------------------------------------

    def issues(
        self, *, label: str, state: Literal["open", "closed", "all"] = "all"
    ) -> list[IssueFact]:
        """Every issue with ``label`` (pull requests left out), newest first, all pages."""
        op = _Op(
            f"list the issues labelled {label!r} in {self.repository}",
            forbidden="give the job `permissions: issues: read`",
            missing=self._repo_missing(),
        )
        params = {"labels": _label(label), "state": state, "sort": "created", "direction": "desc"}
        out = []
        for item in self._pages(f"{self._repo_path}/issues", op, params):
            entry = _obj(item, op)
            if entry.get("pull_request") is not None:
                continue
            out.append(_issue(entry, op))
        return out

    def find_issue(self, marker: str, *, label: str) -> IssueFact | None:
        """Our issue carrying ``marker`` at the top of its body (the newest, if several)."""
        me = self.identity().lower()
        for issue in self.issues(label=label):
            if issue.author.lower() == me and issue.body.startswith(marker):
                return issue
        return None

    def upsert_issue(
        self,
        *,
        marker: str,
        title: str,
        body: str,
        label: str,
        state: Literal["open", "closed"] = "open",
    ) -> WriteResult:
        """Create or update our one issue for ``marker``; nothing is written when it matches.

        A closed issue is reopened when ``state`` is ``open`` (the debt came back); closing is
        only ever an update, never a new issue.
        """
        if not marker.startswith("<!-- releasekit:") or "\n" in marker:
            raise InputError(f"{marker!r} is not a releasekit issue marker")
        text = cut(f"{marker}\n{body}", ISSUE_BODY_LIMIT)
        short_title = title[:256]
        create_op = _Op(
            f"open the issue {short_title!r}", forbidden=_ISSUE_FIX, missing=self._repo_missing()
        )
        may_land = False
        retry = 0
        while True:
            found = self.find_issue(marker, label=label)
            try:
                if found is not None:
                    if found.title == short_title and found.body == text and found.state == state:
                        return WriteResult(found.number, found.url, created=False)
                    update_op = _Op(
                        f"update issue #{found.number}",
                        forbidden=_ISSUE_FIX,
                        missing=self._repo_missing(),
                    )
                    data = self._write(
                        "PATCH",
                        f"{self._repo_path}/issues/{found.number}",
                        {"title": short_title, "body": text, "state": state},
                        update_op,
                    )
                    return WriteResult(found.number, _text(data, "html_url", update_op), False)
                if state == "closed":
                    return WriteResult(0, "", created=False)  # nothing open, nothing to close
                if may_land:
                    raise InfraError(
                        f"could not {create_op.what}: GitHub did not answer, and the issue is"
                        " not visible yet; releasekit does not send it again",
                        hint="rerun the job: it finds the issue (or opens it) without a duplicate",
                    )
                data = self._write(
                    "POST",
                    f"{self._repo_path}/issues",
                    {"title": short_title, "body": text, "labels": [_label(label)]},
                    create_op,
                )
                return WriteResult(
                    _int(data, "number", create_op), _text(data, "html_url", create_op), True
                )
            except _WriteRetryableError as failed:
                retry += 1
                may_land = may_land or (found is None and failed.may_land_later)
                self._pause_write(failed, retry, create_op)


# -- parsing and checks ----------------------------------------------------------------------


def _deployment(entry: Mapping[str, Any], op: _Op) -> DeploymentFact:
    creator = entry.get("creator")
    payload = entry.get("payload")
    return DeploymentFact(
        id=_int(entry, "id", op),
        ref=_text(entry, "ref", op),
        sha=_text(entry, "sha", op),
        environment=_text(entry, "environment", op),
        task=_text(entry, "task", op),
        payload=payload if isinstance(payload, dict) else {},
        creator=str(_obj(creator, op).get("login", "")) if creator else "",
        created_at=parse_time(entry.get("created_at")),
    )


def _issue(entry: Mapping[str, Any], op: _Op) -> IssueFact:
    user = entry.get("user")
    labels: Sequence[Any] = entry.get("labels") or []
    return IssueFact(
        number=_int(entry, "number", op),
        title=_text(entry, "title", op),
        body=str(entry.get("body") or ""),
        state=_text(entry, "state", op),
        labels=tuple(str(x.get("name")) if isinstance(x, dict) else str(x) for x in labels),
        author=str(_obj(user, op).get("login", "")) if user else "",
        url=_text(entry, "html_url", op),
        created_at=parse_time(entry.get("created_at")),
    )


def _positive(number: int) -> int:
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InputError(f"{number!r} is not a deployment id")
    return number


def _environment(name: str) -> str:
    # NOTE: only the two names releasekit deploys through: a typo would otherwise create an
    # unprotected environment on GitHub (threat 17).
    if name not in ENVIRONMENTS:
        raise InputError(f"{name!r} is not a rollout environment (paper or live)")
    return name


def _tag(name: str) -> str:
    return check_tag(name, what="tag")


def _label(name: str) -> str:
    if not name or len(name) > 50 or "," in name or any(not c.isprintable() for c in name):
        raise InputError(f"{name!r} is not an issue label")
    return name
