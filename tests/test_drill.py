"""The end-to-end drill: a desk walks the runbook from ``releasekit init`` to a hotfix.

Each step runs a job of our reusable workflows (``.github/workflows/*.yml``) the way the
runner does, so the workflow YAML and the CLI cannot drift apart: a ``run:`` step's script is
run with ``bash -eo pipefail`` and its ``env:`` evaluated; a ``uses: ./.releasekit/`` step runs
action.yml's own validate and run scripts with the step's ``with:`` inputs; ``${{ }}``
expressions are evaluated from the workflow's inputs, the event payload, earlier steps'
outputs and the ``needs`` the drill passes (an expression this harness does not model fails
the test). What the runner provides without a command of ours is stood in for, and only that:

- ``actions/checkout``: the drill's clone is the checkout (it checks out the commit the step
  names); ``actions/setup-python`` and the ``pip install`` of the project's tools: this
  interpreter, which has them; ``actions/upload-artifact``: skipped (nothing reads it back).
- ``gh`` (pull requests and releases): a small stand-in on ``PATH`` that makes the same REST
  calls to the loopback GitHub; release assets, which the loopback server cannot store, are
  kept in a directory beside it.
- ``git push``: to a bare ``origin`` on disk; every push is mirrored into the loopback
  GitHub's refs and contents, as GitHub would show it.

The repository is made by ``releasekit init`` in a temporary directory; the only hand edits are
the ones docs/walkthrough.md tells a user to make (the strategy, its audit report, paper
reconciliation, audit-log row and changelog lines). Every step asserts its exit code and what
it wrote to GitHub (the loopback server's state and recorded requests).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.github_api import FakeGitHub
from support.github_api.state import GitTag

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
REPO = "acme/desk"
TOKEN = "ghs_drillTOKEN0000000000000000000000000"
# The desk's people: who fills which role (init's --founder/--auditor/--risk) and who codes.
FOUNDER, AUDITOR, RISK, DEV, QUANT = "alice-founder", "m-okafor", "r-chen", "bob-dev", "dana-quant"
PEOPLE = {FOUNDER: "admin", AUDITOR: "read", RISK: "read", DEV: "write", QUANT: "write"}
SIGN_OFF = (DEV, AUDITOR, RISK, FOUNDER)

# --- ${{ }} expressions ------------------------------------------------------------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>\|\||&&|==|!=|!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))"
)
Value = str | bool | None


def _truthy(value: Value) -> bool:
    return value not in (None, "", False)


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


class Expression:
    """A recursive-descent evaluator for the subset of Actions expressions our YAML uses."""

    def __init__(self, text: str, context: Mapping[str, Value]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text.rstrip()):
            match = _TOKEN.match(text, pos)
            assert match is not None, f"cannot read {text!r} at {pos}"
            assert match.end() > pos, f"cannot read {text!r} at {pos}"
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0
        self.context = context

    def value(self) -> Value:
        result = self._or()
        assert self.pos == len(self.tokens), f"trailing tokens in {self.tokens}"
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _or(self) -> Value:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if _truthy(left) else right
        return left

    def _and(self) -> Value:
        left = self._eq()
        while self._peek() == "&&":
            self._take()
            right = self._eq()
            left = right if _truthy(left) else left
        return left

    def _eq(self) -> Value:
        left = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            same = _text(left).lower() == _text(right).lower()
            return same if op == "==" else not same
        return left

    def _unary(self) -> Value:
        if self._peek() == "!":
            self._take()
            return not _truthy(self._unary())
        return self._primary()

    def _primary(self) -> Value:
        kind, text = self._take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text == "(":
            inner = self._or()
            assert self._take()[1] == ")"
            return inner
        assert kind == "name", f"unexpected {text!r}"
        if self._peek() == "(":
            self._take()
            args: list[Value] = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take()
            return self._call(text, args)
        if text in ("true", "false"):
            return text == "true"
        parts = text.split(".")
        known = _text(self.context.get("steps", "")).split(",")
        if text not in self.context and parts[0] == "steps" and len(parts) == 4:
            # A step that was skipped, or did not set that output: empty, as in Actions.
            return "" if parts[1] in known else pytest.fail(f"no step {parts[1]} in the job")
        if text not in self.context and text.startswith("github.event."):
            return None  # a property the event does not have is null, as in Actions
        if text not in self.context:
            pytest.fail(f"the workflow uses an expression the drill does not model: {text}")
        return self.context[text]

    @staticmethod
    def _call(name: str, args: list[Value]) -> Value:
        if name == "startsWith":
            return _text(args[0]).lower().startswith(_text(args[1]).lower())
        if name == "format":
            out = _text(args[0])
            for i, arg in enumerate(args[1:]):
                out = out.replace(f"{{{i}}}", _text(arg))
            return out
        if name == "always":
            return True
        if name == "cancelled":
            return False
        pytest.fail(f"the workflow calls a function the drill does not model: {name}")


def evaluate(template: Any, context: Mapping[str, Value]) -> str:
    """A ``with:``/``env:`` value with every ``${{ }}`` replaced, as the runner does."""
    text = _text(template) if not isinstance(template, (int, float)) else str(template)
    whole = _EXPR.fullmatch(text.strip())
    if whole:
        return _text(Expression(whole.group(1), context).value())
    return _EXPR.sub(lambda m: _text(Expression(m.group(1), context).value()), text)


def condition(template: Any, context: Mapping[str, Value]) -> bool:
    """An ``if:`` (with or without ``${{ }}``)."""
    text = str(template).strip()
    whole = _EXPR.fullmatch(text)
    return _truthy(Expression(whole.group(1) if whole else text, context).value())


def flatten(prefix: str, value: Any, into: dict[str, Value]) -> None:
    """``github.event.pull_request.base.sha`` and friends from the event payload."""
    if isinstance(value, dict):
        for key, inner in value.items():
            flatten(f"{prefix}.{key}", inner, into)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        into[prefix] = value
    else:
        into[prefix] = str(value)


def read_outputs(path: Path) -> dict[str, str]:
    """A ``GITHUB_OUTPUT`` file: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            name, _, value = line.partition("=")
            out[name] = value
            i += 1
    return out


# --- a stand-in for gh --------------------------------------------------------------------------

GH = r'''#!PYTHON
"""gh, as far as our workflows use it, against the loopback GitHub (GH_REPO, GITHUB_API_URL)."""
import json, os, pathlib, shutil, sys, urllib.request

api, repo = os.environ["GITHUB_API_URL"], os.environ["GH_REPO"]
store = pathlib.Path(os.environ["DRILL_ASSETS"])


def call(method, path, body=None):
    request = urllib.request.Request(
        f"{api}/repos/{repo}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "token " + os.environ["GH_TOKEN"],
                 "Accept": "application/vnd.github+json", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)


def option(args, name):
    return args[args.index(name) + 1] if name in args else None


def release(tag):
    return next((r for r in call("GET", "/releases?per_page=100") if r["tag_name"] == tag), None)


args = sys.argv[1:]
if args[:2] == ["pr", "create"]:
    body = pathlib.Path(option(args, "--body-file")).read_text()
    pr = call("POST", "/pulls", {"title": option(args, "--title"), "head": option(args, "--head"),
                                 "base": option(args, "--base"), "body": body})
    print(pr["html_url"])
elif args[:2] == ["release", "view"]:
    found = release(args[2])
    if found is None:
        sys.exit("release not found")
    print(found["html_url"] if "--json" in args else found["tag_name"])
elif args[:2] == ["release", "create"]:
    tag = args[2]
    notes = pathlib.Path(option(args, "--notes-file")).read_text()
    call("POST", "/releases", {"tag_name": tag, "name": option(args, "--title"), "body": notes})
    files = [a for a in args[3:] if not a.startswith("--") and a not in
             (option(args, "--title"), option(args, "--notes-file"))]
    (store / tag).mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(name, store / tag)
elif args[:2] == ["release", "download"]:
    source = store / args[2] / option(args, "--pattern")
    if not source.exists():
        sys.exit("no asset")
    shutil.copy(source, option(args, "--dir"))
else:
    sys.exit("gh stand-in: not modelled: " + " ".join(args))
'''


HOOK = r'''#!PYTHON
"""origin's post-receive: GitHub shows what was pushed (refs; files are mirrored by the drill)."""
import json, subprocess, sys, urllib.error, urllib.request

API, REPO, TOKEN = (APIREPO)


def call(method, path, body):
    request = urllib.request.Request(
        f"{API}/repos/{REPO}/git/{path}", method=method, data=json.dumps(body).encode(),
        headers={"Authorization": "token " + TOKEN, "Accept": "application/vnd.github+json",
                 "Content-Type": "application/json"})
    urllib.request.urlopen(request).close()


for line in sys.stdin:
    old, new, ref = line.split()
    if set(new) == {"0"}:
        continue  # a deletion: the drill's next sync drops the ref
    sha = subprocess.run(["git", "rev-parse", new + "^{commit}"], capture_output=True,
                         text=True, check=True).stdout.strip()
    try:
        call("PATCH", "refs/" + ref.removeprefix("refs/"), {"sha": sha, "force": True})
    except urllib.error.HTTPError:
        call("POST", "refs", {"ref": ref, "sha": sha})
'''


# --- the desk: a clone, its origin and the loopback GitHub ----------------------------------------


@dataclass
class StepRun:
    """One step as the runner saw it."""

    name: str
    code: int
    out: str
    outputs: dict[str, str]


@dataclass
class JobRun:
    """A job's steps as they ran (after a failure, only those whose ``if:`` asks for it)."""

    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def code(self) -> int:
        """The exit code of the step that failed (the one a workflow shows red), else 0."""
        failed = [s.code for s in self.steps if s.code != 0]
        return failed[0] if failed else 0

    @property
    def log(self) -> str:
        """Every step's output, for assertion messages."""
        return "\n".join(f"--- {s.name} ({s.code})\n{s.out}" for s in self.steps)


class Desk:
    """A desk's repository made by ``releasekit init``, its origin and the loopback GitHub."""

    def __init__(self, base: Path, api: FakeGitHub) -> None:
        self.api = api
        self.base = base
        self.work = base / "desk"
        self.origin = base / "origin.git"
        self.temp = base / "runner"
        self.bin = base / "bin"
        self.assets = base / "assets"
        for folder in (self.work, self.temp, self.bin, self.assets):
            folder.mkdir(parents=True)
        gh = self.bin / "gh"
        gh.write_text(GH.replace("PYTHON", sys.executable, 1), encoding="utf-8")
        gh.chmod(0o755)
        self.git_env = {
            "GIT_AUTHOR_NAME": "Dana Quant",
            "GIT_AUTHOR_EMAIL": "dana@example.com",
            "GIT_COMMITTER_NAME": "Dana Quant",
            "GIT_COMMITTER_EMAIL": "dana@example.com",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        }
        self.runs = 0

    # -- git

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
            cwd=self.work,
            capture_output=True,
            text=True,
            env={**os.environ, **self.git_env, "HOME": str(self.base)},
            check=False,
        )
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def commit(self, message: str) -> str:
        self.git("add", "--all")
        self.git("commit", "-q", "-m", message)
        return self.head()

    def push(self, branch: str) -> str:
        """Push ``branch`` to origin and show it on the loopback GitHub (ref and files)."""
        self.git("push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}")
        return self.sync()

    def sync(self) -> str:
        """Mirror origin's branches and tags into the loopback GitHub."""
        listing = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname) %(objectname) %(*objectname)"],
            cwd=self.origin,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        repo = self.api.repo(REPO)
        for name in [r for r in repo.refs if r.startswith(("heads/", "tags/"))]:
            del repo.refs[name]
        for line in listing.splitlines():
            ref, sha, peeled = [*line.split(" "), ""][:3]
            short = ref.removeprefix("refs/")
            self.api.set_ref(REPO, short, sha)
            if peeled:  # an annotated tag: GitHub's ref names the tag object, which peels
                repo.git_tags[sha] = GitTag(
                    sha, short.removeprefix("tags/"), "", peeled, "commit", "bot", "b@x", ""
                )
            if short.startswith("heads/"):
                self.mirror_files(short.removeprefix("heads/"), sha)
        return self.head()

    def mirror_files(self, ref: str, sha: str) -> None:
        names = subprocess.run(
            ["git", "ls-tree", "-r", "--name-only", sha],
            cwd=self.origin,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        repo = self.api.repo(REPO)
        for key in [k for k in repo.files if k[0] in (ref, sha)]:
            del repo.files[key]
        for name in names:
            data = subprocess.run(
                ["git", "show", f"{sha}:{name}"], cwd=self.origin, capture_output=True, check=True
            ).stdout
            self.api.set_file(REPO, name, data, ref=ref)
            self.api.set_file(REPO, name, data, ref=sha)

    def changed(self, base: str, head: str) -> list[str]:
        return self.git("diff", "--name-only", f"{base}...{head}").split()

    # -- the runner

    def releasekit(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The CLI as a user runs it in the checkout (not through a workflow)."""
        return subprocess.run(
            [sys.executable, "-m", "releasekit", *args],
            cwd=self.work,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "scripts"), "GITHUB_ACTIONS": ""},
            check=False,
        )

    def job(
        self,
        workflow: str,
        job: str,
        *,
        inputs: Mapping[str, Any] | None = None,
        event: Mapping[str, Any] | None = None,
        event_name: str = "pull_request",
        ref: str = "refs/heads/main",
        needs: Mapping[str, Mapping[str, str]] | None = None,
        extra_args: Mapping[str, str] | None = None,
        checkout: str | None = None,
    ) -> JobRun:
        """Run ``job`` of ``.github/workflows/<workflow>`` as the runner would.

        ``checkout``: the commit ``actions/checkout`` gives without a ``ref`` (the event's).
        """
        self.default_checkout = checkout
        # Every job starts on a fresh runner: nothing an earlier job left in the checkout
        # (.coverage, caches) survives, except the drill's simulated monitoring data.
        self.git("clean", "-fdxq", "-e", "monitoring")
        spec = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
        triggers = spec.get("on", spec.get(True))  # YAML 1.1 reads a bare `on` as true
        declared = triggers.get("workflow_call", triggers.get("workflow_dispatch")) or {}
        context: dict[str, Value] = {
            "github.token": TOKEN,
            "github.event_name": event_name,
            "github.ref": ref,
            "github.ref_name": ref.rsplit("/", 1)[-1],
            "github.repository": REPO,
            "runner.temp": str(self.temp),
            "vars.RELEASEKIT_APP_CLIENT_ID": "",
            "secrets.RELEASEKIT_APP_PRIVATE_KEY": "",
            "secrets.RELEASEKIT_TOKEN": "",
        }
        for name, decl in (declared.get("inputs") or {}).items():
            default = decl.get("default", "")
            context[f"inputs.{name}"] = default if isinstance(default, bool) else _text(default)
        for name, value in (inputs or {}).items():
            assert f"inputs.{name}" in context, f"{workflow} has no input {name}"
            context[f"inputs.{name}"] = value
        payload = {"repository": {"default_branch": "main", "full_name": REPO}, **(event or {})}
        flatten("github.event", payload, context)
        for need, outs in (needs or {}).items():
            for key, value in outs.items():
                context[f"needs.{need}.outputs.{key}"] = value
        event_path = self.temp / "event.json"
        event_path.write_text(json.dumps(payload), encoding="utf-8")
        self.env = {
            "PATH": f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.base),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.work),
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_REF": ref,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.api.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_STEP_SUMMARY": str(self.temp / "summary.md"),
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "DRILL_ASSETS": str(self.assets),
            **self.git_env,
        }
        result = JobRun()
        steps = spec["jobs"][job]["steps"]
        context["steps"] = ",".join(s.get("id", "") for s in steps)
        for index, step in enumerate(steps):
            step_id = step.get("id", f"step{index}")
            status_check = re.search(r"always\(\)|failure\(\)|cancelled\(\)", str(step.get("if")))
            if result.code != 0 and status_check is None:
                continue  # an implicit success(): skipped after a failed step
            if "if" in step and not condition(step["if"], context):
                continue
            uses = str(step.get("uses", ""))
            if uses.startswith(("actions/setup-python", "actions/upload-artifact")):
                continue
            if "pip-audit" in str(step.get("run", "")):
                continue  # asks PyPI's advisory service: not reachable from the drill
            if uses.startswith("actions/checkout"):
                self._checkout(step, context)
                continue
            if uses.startswith("actions/create-github-app-token"):
                pytest.fail("the drill runs without an App key: this step should be skipped")
            env = {k: evaluate(v, context) for k, v in (step.get("env") or {}).items()}
            if uses.startswith("./.releasekit/"):
                with_ = {k: evaluate(v, context) for k, v in (step.get("with") or {}).items()}
                command = with_["command"]
                if extra_args and command in extra_args:
                    with_["args"] = with_.get("args", "") + "\n" + extra_args[command]
                run = self._action(step["name"], with_, env)
            elif "run" in step:
                if "pip install" in step["run"]:
                    continue  # the project's tools are this interpreter's (offline)
                run = self._bash(step["name"], step["run"], env)
            else:
                pytest.fail(f"{workflow} {job}: a step the drill does not model: {uses}")
            result.steps.append(run)
            result.outputs[step_id] = run.outputs
            for key, value in run.outputs.items():
                context[f"steps.{step_id}.outputs.{key}"] = value
        return result

    def _checkout(self, step: Mapping[str, Any], context: Mapping[str, Value]) -> None:
        with_ = step.get("with") or {}
        if with_.get("path") == ".releasekit":
            return  # releasekit itself: action.yml runs from this repository
        ref = evaluate(with_.get("ref", ""), context) or self.default_checkout
        if ref:
            self.git("checkout", "-q", "--detach", ref)

    def _bash(self, name: str, script: str, env: Mapping[str, str]) -> StepRun:
        self.runs += 1
        output = self.temp / f"output_{self.runs}"
        output.write_text("", encoding="utf-8")
        path = self.temp / f"step_{self.runs}.sh"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
            cwd=self.work,
            env={**self.env, **env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return StepRun(name, done.returncode, done.stdout + done.stderr, read_outputs(output))

    def _action(self, name: str, with_: Mapping[str, str], env: Mapping[str, str]) -> StepRun:
        """action.yml's validate and run steps with these inputs (the venv is this Python)."""
        unknown = set(with_) - set(ACTION["inputs"])
        assert not unknown, f"not inputs of action.yml: {unknown}"
        context: dict[str, Value] = {
            "github.token": TOKEN,
            "steps.env.outputs.python": sys.executable,
        }
        for key, spec in ACTION["inputs"].items():
            context[f"inputs.{key}"] = with_.get(key, evaluate(spec.get("default", ""), context))
        outputs: dict[str, str] = {}
        out = ""
        for step in ACTION["runs"]["steps"]:
            if step["id"] == "env":
                continue
            step_env = {k: evaluate(v, context) for k, v in (step.get("env") or {}).items()}
            run = self._bash(
                name, step["run"], {**env, **step_env, "GITHUB_ACTION_PATH": str(ROOT)}
            )
            out += run.out
            outputs.update(run.outputs)
            if run.code != 0:
                return StepRun(name, run.code, out, outputs)
        return StepRun(name, 0, out, outputs)

    # -- the callers `init` wrote

    def caller(self, name: str, job: str, workflow: str) -> dict[str, Any]:
        """Job ``job`` of the init'd caller ``name``, checked to call our ``workflow``."""
        spec = yaml.safe_load((self.work / ".github" / "workflows" / name).read_text("utf-8"))
        found: dict[str, Any] = spec["jobs"][job]
        assert f"/.github/workflows/{workflow}@" in found["uses"], found["uses"]
        return found

    def caller_inputs(
        self, name: str, job: str, workflow: str, dispatch: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The inputs the init'd caller ``name`` gives our ``workflow``: its ``with:`` with
        ``dispatch`` as the form's inputs (each one the caller's form must offer), the
        form's defaults for the rest (a scheduled run has none of its own)."""
        spec = yaml.safe_load((self.work / ".github" / "workflows" / name).read_text("utf-8"))
        form = (spec[True].get("workflow_dispatch") or {}).get("inputs") or {}
        unknown = set(dispatch) - set(form)
        assert not unknown, f"not inputs of the {name} caller's form: {unknown}"
        context: dict[str, Value] = {
            f"inputs.{k}": dispatch.get(k, (v or {}).get("default", "")) for k, v in form.items()
        }
        inputs: dict[str, Any] = {}
        for key, value in (self.caller(name, job, workflow).get("with") or {}).items():
            text = evaluate(value, context)
            inputs[key] = {"true": True, "false": False}.get(text, text)
        return inputs

    def prepare_release(self, **dispatch: Any) -> JobRun:
        """Run "prepare release" from Actions with ``dispatch`` as its form's inputs: the
        init'd caller's ``with:`` becomes the reusable workflow's inputs."""
        inputs = self.caller_inputs(
            "prepare-release.yml", "prepare", "prepare-release.yml", dispatch
        )
        self.git("checkout", "-q", "main")
        run = self.job(
            "prepare-release.yml", "prepare", inputs=inputs, event_name="workflow_dispatch"
        )
        self.sync()
        return run

    def tag_release(self, number: int) -> JobRun | None:
        """The PR closed: tag-release runs if the caller's ``if:`` lets it (else None)."""
        event = {**self.pr_event(number), "action": "closed"}
        caller = self.caller("tag-release.yml", "tag", "tag-release.yml")
        context: dict[str, Value] = {}
        flatten("github.event", event, context)
        if not condition(caller["if"], context):
            return None
        run = self.job("tag-release.yml", "tag", event=event)
        self.sync()
        return run

    # -- GitHub, as people use it

    def open_pr(self, branch: str, title: str, author: str = QUANT) -> int:
        head = self.push(branch)
        base = self.api.repo(REPO).resolve("heads/main")
        assert base is not None
        pr = self.api.add_pull(
            REPO,
            head_sha=head,
            head_ref=branch,
            author=author,
            title=title,
            files=self.changed(base, head),
        )
        self.api.add_pull_commit(REPO, pr.number, author=author, sha=head)
        return pr.number

    def pr_event(self, number: int) -> dict[str, Any]:
        pr = self.api.repo(REPO).pulls[number]
        return {
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "merged": pr.merged,
                "title": pr.title,
                "merge_commit_sha": pr.merge_commit_sha,
                "head": {"sha": pr.head_sha, "ref": pr.head_ref, "repo": {"full_name": REPO}},
                "base": {"sha": pr.base_sha, "ref": pr.base_ref},
            },
        }

    def update_pr(self, number: int) -> None:
        """After a push to its branch: the PR's head and changed files, as GitHub shows them."""
        pr = self.api.repo(REPO).pulls[number]
        head = self.api.repo(REPO).resolve(f"heads/{pr.head_ref}")
        assert head is not None
        pr.head_sha = head
        pr.files.clear()
        self.api.add_pull_files(REPO, number, self.changed(pr.base_sha, head))
        pr.commits.clear()
        self.api.add_pull_commit(REPO, number, author=QUANT, sha=head)

    def merge(self, number: int) -> str:
        """Merge the PR into main with a merge commit, as GitHub's button does."""
        pr = self.api.repo(REPO).pulls[number]
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", "-m", f"Merge pull request #{number}", pr.head_sha)
        sha = self.push("main")
        pr.merged, pr.state, pr.merge_commit_sha = True, "closed", sha
        pr.merged_at = pr.closed_at = self.api.tick()
        self.api.repo(REPO).issues[number].state = "closed"
        return sha

    def comments(self, number: int) -> list[str]:
        return [c.body for c in self.api.repo(REPO).comments.values() if c.issue_number == number]

    def check_runs(self, sha: str) -> list[Any]:
        return [c for c in self.api.repo(REPO).check_runs.values() if c.head_sha == sha]


# --- the drill, step by step -------------------------------------------------------------------


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The loopback GitHub with the desk's repository and people, and an empty clone."""
    api = FakeGitHub().start()
    try:
        api.add_repo(REPO)
        for login, permission in PEOPLE.items():
            api.set_collaborator(REPO, login, permission)
        d = Desk(tmp_path_factory.mktemp("drill"), api)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(d.origin)], check=True)
        hook = d.origin / "hooks" / "post-receive"
        hook.write_text(
            HOOK.replace("PYTHON", sys.executable, 1).replace(
                "APIREPO", repr((api.url, REPO, TOKEN))[1:-1], 1
            ),
            encoding="utf-8",
        )
        hook.chmod(0o755)
        d.git("init", "-q", "-b", "main")
        d.git("remote", "add", "origin", str(d.origin))
        yield d
    finally:
        api.stop()
    assert not api.violations, "\n".join(str(v) for v in api.violations)


STRATEGY = "strategies/ict_qm.pine"


TODAY = datetime.datetime.now(datetime.UTC).date().isoformat()  # the policy's zone is UTC


def strategy_text(version: str, audit: str) -> str:
    """The strategy file a quant writes, with the header the template asks for."""
    return (
        "// @version=6\n"
        "// Strategy: ICT_QM\n"
        f"// Version: {version}\n"
        f"// Audit: {audit} (PASS)\n"
        f"// Released: {TODAY}\n"
        '//\nstrategy("ICT QM", overlay = true)\n'
        'htf = request.security(syminfo.tickerid, "240", close[1], '
        "lookahead = barmerge.lookahead_off)\n"
        'if ta.crossover(close, htf)\n    strategy.entry("L", strategy.long)\n'
    )


def add_unreleased(d: Desk, line: str) -> None:
    path = d.work / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n### Added\n- {line}\n", 1),
        encoding="utf-8",
    )


# What docs/walkthrough.md tells a user to run and write is read from it, so the page and the
# drill cannot drift: its init command and its policy addition (step 1).
WALKTHROUGH = (ROOT / "docs" / "walkthrough.md").read_text(encoding="utf-8")
_FENCES = re.findall(r"^```(\w+)\n(.*?)^```", WALKTHROUGH, re.MULTILINE | re.DOTALL)
INIT_COMMAND = next(
    shlex.split(body) for lang, body in _FENCES if lang == "bash" and "releasekit init" in body
)
ROLLOUT_POLICY = next(body for lang, body in _FENCES if lang == "yaml" and "rollout:" in body)
# The desk's own deploy and monitoring commands that policy names: these stand-ins deploy
# nothing and report what the drill's simulated market did.
METRICS_SCRIPT = """\
\"\"\"The desk's monitoring export: one releasekit.rollout-metrics/1 snapshot on stdout.\"\"\"

import argparse
import json
import pathlib

parser = argparse.ArgumentParser()
for option in ("--version", "--env", "--since", "--until"):
    parser.add_argument(option, required=True)
args = parser.parse_args()
snapshot = {
    "schema": "releasekit.rollout-metrics/1",
    "version": args.version,
    "environment": args.env,
    "period": {"start": args.since, "end": args.until},
    "trades": 30,
    "errors": {"critical": 0},
    "live_errors": 0,
    "pnl": {"value": 120.0, "expected_min": -500.0, "expected_max": 2000.0},
    "signal_divergence": 0.05,
    "instability": [],
}
# What the monitoring saw about this version (the drill's market writes it).
observed = pathlib.Path("monitoring") / f"{args.version}.json"
if observed.exists():
    snapshot.update(json.loads(observed.read_text()))
print(json.dumps(snapshot))
"""
DEPLOY_SCRIPT = """\
\"\"\"The desk's deploy command: puts a tagged version on paper or live at a size.\"\"\"

import sys

print("deployed", " ".join(sys.argv[1:]))
"""


def test_1_init_makes_a_repository_whose_own_checks_pass(desk: Desk) -> None:
    assert INIT_COMMAND[:2] == ["releasekit", "init"]
    for role in (FOUNDER, AUDITOR, RISK):
        assert role in INIT_COMMAND
    done = desk.releasekit(*INIT_COMMAND[1:])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created: .github/release-policy.yml" in done.stdout
    policy_file = desk.work / ".github" / "release-policy.yml"
    policy_file.write_text(policy_file.read_text(encoding="utf-8") + ROLLOUT_POLICY)
    (desk.work / "scripts").mkdir()
    (desk.work / "scripts" / "metrics.py").write_text(METRICS_SCRIPT, encoding="utf-8")
    (desk.work / "scripts" / "deploy.py").write_text(DEPLOY_SCRIPT, encoding="utf-8")
    policy = desk.releasekit("policy", "validate")
    assert policy.returncode == 0, policy.stdout
    # The callers init wrote call the reusable workflows whose jobs the drill runs.
    desk.caller("releasekit.yml", "releasekit", "pr-gate.yml")
    desk.caller("release.yml", "checks", "release-checks.yml")
    assert desk.caller("release.yml", "release", "release.yml")["needs"] == "checks"
    desk.caller("prepare-release.yml", "prepare", "prepare-release.yml")
    desk.caller("tag-release.yml", "tag", "tag-release.yml")
    desk.caller("rollout.yml", "rollout", "rollout.yml")
    desk.caller("rollback.yml", "rollback", "rollback.yml")
    desk.caller("hotfix-sla.yml", "hotfix-sla", "hotfix-sla.yml")
    desk.commit("Adopt releasekit")
    desk.push("main")
    assert desk.api.repo(REPO).resolve("heads/main") == desk.head()


def test_2_a_change_pr_to_a_strategy_holds_until_signed_off(desk: Desk) -> None:
    desk.git("checkout", "-q", "-b", "feature/ict-qm")
    (desk.work / "strategies").mkdir()
    (desk.work / STRATEGY).write_text(strategy_text("1.0.0", f"AUD-{TODAY}-001"), encoding="utf-8")
    add_unreleased(desk, "ICT_QM strategy (Quasimodo retests in the kill zones).")
    desk.commit("Add the ICT_QM strategy")
    number = desk.open_pr("feature/ict-qm", "Add the ICT_QM strategy")
    event = desk.pr_event(number)

    changelog = desk.job("pr-gate.yml", "changelog", event=event)
    assert changelog.code == 0, changelog.log
    audit = desk.job("pr-gate.yml", "audit", event=event)
    assert audit.code == 0, audit.log  # a change PR: what the release will need is a notice
    assert "docs/audits" in audit.log
    bias = desk.job("pr-gate.yml", "bias", event=event)
    assert bias.code == 0, bias.log
    needs = {"bias": bias.outputs["junit"]}
    signoff = desk.job("pr-gate.yml", "signoff", event=event, needs=needs)
    assert signoff.code == 1, signoff.log  # HOLD: nobody has signed off yet
    head = desk.api.repo(REPO).pulls[number].head_sha
    (check,) = desk.check_runs(head)
    assert (check.name, check.conclusion) == ("releasekit/signoff", "failure")
    (comment,) = desk.comments(number)
    assert "APPROVED for production" not in comment.replace("[ ] APPROVED", "")

    for who in SIGN_OFF:
        desk.api.add_review(REPO, number, user=who, state="APPROVED")
    signoff = desk.job("pr-gate.yml", "signoff", event=event, needs=needs)
    assert signoff.code == 0, signoff.log
    (check,) = desk.check_runs(head)  # the same check run, updated
    assert check.conclusion == "success"
    (comment,) = desk.comments(number)  # the same comment, updated
    assert "- [x] APPROVED for production" in comment
    desk.merge(number)


def audit_report(version: str, audit: str) -> str:
    """The auditor's report (docs/releasekit-templates/audit_report.md, filled in)."""
    windows = "\n".join(
        f"| {i} | 2022-0{i}-01 to 2023-0{i}-01 | +10.0% | 2023-0{i}-01 to 2023-0{i}-28 | "
        f"{'+' if i != 3 else '-'}1.{i}% |"
        for i in range(1, 6)
    )
    return f"""# Audit report: ICT_QM {version}

| Field | Value |
|---|---|
| Audit ID | {audit} |
| Strategy | ICT_QM |
| Version | {version} |
| Auditor | M. Okafor |
| Date | {TODAY} |
| Verdict | PASS |

## 1. Scope

strategies/ict_qm.pine, EURUSD 15-minute bars, 0.04% commission.

## 2. Data and method

Tick archive 2022-2023; 12 months in-sample, the next month out-of-sample.

## 3. Bias review

The higher-timeframe bias reads the previous closed bar (lookahead_off); tests/test_bias.py.

## 4. Risk and execution

1% of equity per trade, ATR stop.

## 5. Fixes

- [x] Kill zones evaluated in UTC — Verified: backtest re-run on a UTC chart gives the same trades

## 6. Walk-forward

| Window | In-sample | IS return | Out-of-sample | OOS return |
|---|---|---|---|---|
{windows}

Consistency: 80% (4 of 5 out-of-sample windows profitable).

## 7. Conclusion

PASS.
"""


def paper_report(version: str) -> str:
    """The paper reconciliation (docs/releasekit-templates/paper_reconciliation.md)."""
    return f"""# Paper reconciliation: ICT_QM {version}

| Field | Value |
|---|---|
| Strategy | ICT_QM |
| Version | {version} |
| Paper period | 2026-11-01 to 2026-11-14 |
| Backtest period | 2026-11-01 to 2026-11-14 |

## Metrics

| Metric | Paper | Backtest | Divergence |
|---|---|---|---|
| Sharpe | 1.20 | 1.40 | 14.3% |
| Trades | 25 | 27 | 7.4% |
| Win rate | 52.0% | 55.6% | 6.5% |

## Notes

Two backtest trades had no paper fill.
"""


def record_audit(d: Desk, version: str, audit: str, release: str) -> None:
    """The auditor's hand edits: report, paper reconciliation, audit-log row, then the stamp."""
    (d.work / "docs" / "paper").mkdir(parents=True, exist_ok=True)
    (d.work / "docs" / "audits" / "ict_qm_audit.md").write_text(audit_report(version, audit))
    (d.work / "docs" / "paper" / "ict_qm_paper.md").write_text(paper_report(version))
    log = d.work / "docs" / "audits" / "audit_log.md"
    row = (
        f"| {audit} | ICT_QM | {version} | {release} | {TODAY} | M. Okafor | PASS "
        "| [ict_qm_audit.md](ict_qm_audit.md) | — |\n"
    )
    log.write_text(log.read_text(encoding="utf-8") + row, encoding="utf-8")
    stamp = d.releasekit("audit", "stamp", "ICT_QM")
    assert stamp.returncode == 0, stamp.stdout + stamp.stderr


@dataclass
class Release:
    """What the drill carries from one step to the next."""

    number: int = 0
    version: str = ""
    merge: str = ""


RELEASE = Release()


def test_3_prepare_release_opens_the_release_pr(desk: Desk) -> None:
    run = desk.prepare_release(part="minor", hotfix=False)
    assert run.code == 0, run.log
    assert run.outputs["bump"]["version"] == "0.2.0"
    assert run.outputs["publish"]["branch"] == "release/v0.2.0"
    (pr,) = [p for p in desk.api.repo(REPO).pulls.values() if p.head_ref == "release/v0.2.0"]
    assert pr.title == "Release v0.2.0"
    assert "ICT_QM strategy" in (pr.body or "")
    assert desk.api.requests_to("POST", r"/pulls$")
    RELEASE.number, RELEASE.version = pr.number, "0.2.0"


def test_4_the_release_pr_passes_its_gates_with_audit_paper_and_anti_bias_evidence(
    desk: Desk,
) -> None:
    desk.git("checkout", "-q", "release/v0.2.0")
    record_audit(desk, "1.0.0", f"AUD-{TODAY}-001", "0.2.0")
    desk.commit("ICT_QM 1.0.0: audit, paper reconciliation and audit-log row")
    desk.push("release/v0.2.0")
    desk.update_pr(RELEASE.number)
    event = desk.pr_event(RELEASE.number)
    for job in ("changelog", "audit"):
        run = desk.job("pr-gate.yml", job, event=event)
        assert run.code == 0, run.log
    head = desk.api.repo(REPO).pulls[RELEASE.number].head_sha
    bias = desk.job("pr-gate.yml", "bias", event=event)
    assert bias.code == 0, bias.log
    needs = {"bias": bias.outputs["junit"]}
    signoff = desk.job("pr-gate.yml", "signoff", event=event, needs=needs)
    assert signoff.code == 1, signoff.log  # HOLD until the four sign-offs
    for who in SIGN_OFF:
        desk.api.add_review(REPO, RELEASE.number, user=who, state="APPROVED")
    signoff = desk.job("pr-gate.yml", "signoff", event=event, needs=needs)
    assert signoff.code == 0, signoff.log
    (check,) = desk.check_runs(head)
    assert check.conclusion == "success"
    (comment,) = desk.comments(RELEASE.number)
    assert "- [x] APPROVED for production" in comment
    assert "- [x] Anti-bias" in comment
    RELEASE.merge = desk.merge(RELEASE.number)


def test_5_tag_release_tags_the_merge_and_moves_the_major_tag(desk: Desk) -> None:
    # A closed change PR does not start tag-release (the caller's `if:`); the release PR does.
    assert desk.tag_release(1) is None
    run = desk.tag_release(RELEASE.number)
    assert run is not None
    assert run.code == 0, run.log
    assert run.outputs["pr"]["tag"] == "v0.2.0"
    repo = desk.api.repo(REPO)
    assert repo.resolve("tags/v0.2.0") == RELEASE.merge
    assert repo.resolve("tags/v0") == RELEASE.merge  # the major tag moved with it
    assert "heads/release/v0.2.0" not in repo.refs  # the release branch is deleted
    # Moving v0 matches no release trigger: release.yml's caller filters full versions.
    caller = yaml.safe_load((desk.work / ".github/workflows/release.yml").read_text())
    tags = caller.get("on", caller.get(True))["push"]["tags"]
    assert all(not re.fullmatch(t.replace(".", r"\.").replace("*", ".*"), "v0") for t in tags)


RELEASE_CHECK_JOBS = ("files", "lint", "tests", "bias", "security", "consistency")


def release_checks(desk: Desk, tag: str) -> dict[str, JobRun]:
    """release.yml's caller: release-checks.yml's jobs on the pushed tag, in order."""
    ref = f"refs/tags/{tag}"
    return {
        job: desk.job("release-checks.yml", job, event_name="push", ref=ref, checkout=ref, event={})
        for job in RELEASE_CHECK_JOBS
    }


def test_6_release_checks_pass_on_the_tag(desk: Desk) -> None:
    writes = len(desk.api.writes())
    runs = release_checks(desk, "v0.2.0")
    assert len(desk.api.writes()) == writes  # the checks read; they write nothing to GitHub
    for job, run in runs.items():
        assert run.code == 0, f"{job}:\n{run.log}"
    assert runs["consistency"].outputs["changelog"]["version"] == "0.2.0"
    assert runs["bias"].outputs["audit"]["verdict"] == "pass"


def publish_release(desk: Desk, tag: str) -> JobRun:
    """release.yml on the pushed tag: its anti-bias job, then the release job."""
    ref = f"refs/tags/{tag}"
    bias = desk.job("release.yml", "bias", event_name="push", ref=ref, checkout=ref, event={})
    assert bias.code == 0, bias.log
    return desk.job(
        "release.yml", "release", event_name="push", ref=ref, checkout=ref, event={},
        needs={"bias": bias.outputs["junit"]},
    )  # fmt: skip


def test_7_evidence_and_the_github_release(desk: Desk) -> None:
    run = publish_release(desk, "v0.2.0")
    assert run.code == 0, run.log
    (release,) = desk.api.repo(REPO).releases.values()
    assert release.tag_name == "v0.2.0"
    assert "ICT_QM strategy" in (release.body or "")
    bundle = json.loads((desk.assets / "v0.2.0" / "evidence.json").read_text())
    assert bundle["release"] == {"kind": "final", "type": "strategy", "rollout": "staged"}
    assert bundle["signoff"]["decision"] == "APPROVED"
    posted = [w for w in desk.api.writes() if w.path.endswith("/releases")]
    assert [w.method for w in posted] == ["POST"]  # one release, created once


START = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def rollout(desk: Desk, day: float, version: str = "") -> JobRun:
    """rollout.yml's decide job at ``day`` (--now, the runner's clock), then promote or
    rollback as its outputs say; the loopback GitHub's clock runs at the same time."""
    now = START + datetime.timedelta(days=day)
    desk.api._clock = now  # deployments and statuses are dated when they are made
    iso = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    main = desk.api.repo(REPO).resolve("heads/main")
    # The init'd caller: hourly on its schedule, or run by hand for one version.
    dispatch = {"version": version} if version else {}
    inputs = desk.caller_inputs("rollout.yml", "rollout", "rollout.yml", dispatch)
    event_name = "workflow_dispatch" if version else "schedule"
    decide = desk.job(
        "rollout.yml", "decide", inputs=inputs, event_name=event_name, checkout=main,
        extra_args={"rollout": f"--now={iso}"}, event={},
    )  # fmt: skip
    out = decide.outputs["outputs"]
    # A rollback decision fails the decide job (exit 1); its outputs still start the rollback.
    assert decide.code == (1 if out["action"] == "rollback" else 0), decide.log
    needs = {"decide": out}
    if out["action"] == "promote":
        follow = desk.job(
            "rollout.yml", "promote", inputs=inputs, event_name=event_name, checkout=main,
            extra_args={"rollout": f"--now={iso}"}, event={}, needs=needs,
        )  # fmt: skip
        assert follow.code == 0, follow.log
    elif out["action"] == "rollback":
        follow = desk.job(
            "rollout.yml", "rollback", inputs=inputs, event_name=event_name, checkout=main,
            event={}, needs=needs,
        )  # fmt: skip
        assert follow.code == 0, follow.log
    return decide


def live_stage(desk: Desk, tag: str) -> list[tuple[str, str]]:
    """(environment, stage) of every deployment of ``tag`` whose latest status is success."""
    found = []
    for d in desk.api.repo(REPO).deployments.values():
        if d.ref == tag and d.statuses and d.statuses[-1].state == "success":
            found.append((d.environment, str(d.payload.get("stage"))))
    return found


def test_8_rollout_from_paper_through_25_50_100_over_14_days(desk: Desk) -> None:
    steps = []
    logs: list[str] = []
    for day in (0, 1, 4, 7, 14):
        decide = rollout(desk, day, "0.2.0" if day == 0 else "")
        steps.append((day, decide.outputs["outputs"]["action"], decide.outputs["outputs"]["stage"]))
        logs.append(decide.log)
    assert steps == [
        (0, "promote", "paper"),
        (1, "hold", "live-25"),
        (4, "promote", "live-25"),
        (7, "promote", "live-50"),
        (14, "promote", "live-100"),
    ], "\n".join(logs)
    deployments = [d for d in desk.api.repo(REPO).deployments.values() if d.ref == "v0.2.0"]
    assert sorted(d.environment for d in deployments) == ["live", "paper"]
    live = next(d for d in deployments if d.environment == "live")
    # Every decision is recorded: the promotions to 25, 50 and 100% on the live deployment.
    assert len(live.statuses) >= 3
    assert live.statuses[-1].state == "success"


def gates_pass(desk: Desk, number: int) -> None:
    """pr-gate's jobs on the PR: HOLD without sign-off, APPROVED with the four of them."""
    event = desk.pr_event(number)
    for job in ("changelog", "audit"):
        run = desk.job("pr-gate.yml", job, event=event)
        assert run.code == 0, run.log
    bias = desk.job("pr-gate.yml", "bias", event=event)
    assert bias.code == 0, bias.log
    needs = {"bias": bias.outputs["junit"]}
    assert desk.job("pr-gate.yml", "signoff", event=event, needs=needs).code == 1
    for who in SIGN_OFF:
        desk.api.add_review(REPO, number, user=who, state="APPROVED")
    signoff = desk.job("pr-gate.yml", "signoff", event=event, needs=needs)
    assert signoff.code == 0, signoff.log


def ship(desk: Desk, *, strategy: str, audit: str, note: str) -> str:
    """A change PR to the strategy, then its release: prepare, evidence, gates, tag, checks,
    GitHub Release; the version released."""
    desk.git("checkout", "-q", "main")
    branch = f"feature/ict-qm-{strategy}"
    desk.git("checkout", "-q", "-b", branch)
    (desk.work / STRATEGY).write_text(strategy_text(strategy, audit), encoding="utf-8")
    add_unreleased(desk, note)
    desk.commit(f"ICT_QM {strategy}")
    number = desk.open_pr(branch, f"ICT_QM {strategy}")
    gates_pass(desk, number)
    desk.merge(number)
    prepare = desk.prepare_release(part="minor", hotfix=False)
    assert prepare.code == 0, prepare.log
    version = prepare.outputs["bump"]["version"]
    branch = f"release/v{version}"
    (pr,) = [p for p in desk.api.repo(REPO).pulls.values() if p.head_ref == branch]
    desk.git("checkout", "-q", branch)
    record_audit(desk, strategy, audit, version)
    desk.commit(f"ICT_QM {strategy}: audit, paper reconciliation and audit-log row")
    desk.push(branch)
    desk.update_pr(pr.number)
    gates_pass(desk, pr.number)
    desk.merge(pr.number)
    tag = desk.tag_release(pr.number)
    assert tag is not None
    assert tag.code == 0, tag.log
    for job, run in release_checks(desk, f"v{version}").items():
        assert run.code == 0, f"{job}:\n{run.log}"
    published = publish_release(desk, f"v{version}")
    assert published.code == 0, published.log
    bundle = json.loads((desk.assets / f"v{version}" / "evidence.json").read_text())
    assert bundle["release"]["type"] == "strategy"  # what it ships since the previous tag
    return version


def test_9_a_second_release_diverges_and_rolls_back_to_the_first(desk: Desk) -> None:
    version = ship(
        desk, strategy="1.1.0", audit=f"AUD-{TODAY}-002", note="ICT_QM 1.1.0: wider stops."
    )
    assert version == "0.3.0"
    assert {r.tag_name for r in desk.api.repo(REPO).releases.values()} == {"v0.2.0", "v0.3.0"}
    actions = [rollout(desk, 22, "0.3.0"), rollout(desk, 26)]
    assert [a.outputs["outputs"]["action"] for a in actions] == ["promote", "promote"]
    # Live at 25%, its signals diverge from the backtest's by 45%: a 24 h deadline opens...
    observed = desk.work / "monitoring" / "0.3.0.json"
    observed.parent.mkdir()
    observed.write_text(json.dumps({"signal_divergence": 0.45}), encoding="utf-8")
    try:
        held = rollout(desk, 26.5)
        assert held.outputs["outputs"]["action"] == "hold", held.log
        # ... and a decision after it rolls back to the last version at 100%, v0.2.0.
        rolled = rollout(desk, 27.6)
    finally:
        shutil.rmtree(observed.parent)
    out = rolled.outputs["outputs"]
    assert (out["action"], out["condition"]) == ("rollback", "signal-divergence"), rolled.log
    incidents = [i for i in desk.api.repo(REPO).issues.values() if "v0.3.0" in i.title]
    assert incidents, "the rollback opens an incident record"
    assert ("live", "live-100") in live_stage(desk, "v0.2.0") or any(
        d.ref == "v0.2.0" and d.statuses[-1].state == "success"
        for d in desk.api.repo(REPO).deployments.values()
        if d.environment == "live"
    )
    assert not live_stage(desk, "v0.3.0")


HOTFIX_FIX = '''"""Order routing: a broker reject is retried once with a fresh quote."""


def retries(reject_code: int) -> int:
    """How many times an order rejected with ``reject_code`` is sent again."""
    return 1 if reject_code in (10004, 10021) else 0
'''


def add_to_release_column(desk: Desk, audit: str, shipped: str, version: str) -> None:
    """The auditor's edit for a release that ships an audited version again."""
    log = desk.work / "docs" / "audits" / "audit_log.md"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(f"| {audit} |"):
            lines[i] = line.replace(f"| {shipped} |", f"| {shipped}, {version} |", 1)
    log.write_text("".join(lines), encoding="utf-8")


def add_fixed(desk: Desk, version: str, line: str) -> None:
    """The fix's line under the hotfix's own changelog section (bump-version made it empty)."""
    path = desk.work / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    head = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n", text, re.MULTILINE)
    assert head is not None, text[:800]
    path.write_text(
        text[: head.end()] + f"\n### Fixed\n- {line}\n" + text[head.end() :], encoding="utf-8"
    )


def test_10_a_hotfix_from_the_production_tag_goes_live_at_once(desk: Desk) -> None:
    desk.git("checkout", "-q", "main")
    # From v0.3.0, the release whose order routing failed, named in the caller's form
    # (`from-tag`; its default, the newest vX.Y.Z tag, is the same one here).
    prepare = desk.prepare_release(part="patch", hotfix=True, **{"from-tag": "v0.3.0"})
    assert prepare.code == 0, prepare.log
    assert "Hotfix from v0.3.0" in prepare.log
    version = prepare.outputs["bump"]["version"]
    branch = prepare.outputs["publish"]["branch"]
    assert branch == f"hotfix/v{version}"
    assert version.endswith("-hotfix"), version
    (pr,) = [p for p in desk.api.repo(REPO).pulls.values() if p.head_ref == branch]
    # The fix itself, on the hotfix branch, with its runbook criterion as a label.
    desk.git("checkout", "-q", branch)
    (desk.work / "src" / "routing.py").write_text(HOTFIX_FIX, encoding="utf-8")
    add_to_release_column(desk, f"AUD-{TODAY}-002", "0.3.0", version)
    add_fixed(desk, version, "Broker rejects are retried once with a fresh quote.")
    desk.commit("Retry broker rejects once (system failure)")
    desk.push(branch)
    desk.update_pr(pr.number)
    pr.labels.append("hotfix:system-failure")
    event = desk.pr_event(pr.number)
    for job in ("changelog", "audit"):
        run = desk.job("pr-gate.yml", job, event=event)
        assert run.code == 0, run.log
    bias = desk.job("pr-gate.yml", "bias", event=event)
    needs = {"bias": bias.outputs["junit"]}
    # "Expedited review (Founder + 1 other)", and the auditor for the audit log's new release.
    for who in (FOUNDER, DEV, AUDITOR):
        desk.api.add_review(REPO, pr.number, user=who, state="APPROVED")
    signoff = desk.job("pr-gate.yml", "signoff", event=event, needs=needs)
    assert signoff.code == 0, signoff.log
    desk.merge(pr.number)
    tag = desk.tag_release(pr.number)
    assert tag is not None
    assert tag.code == 0, tag.log
    for job, run in release_checks(desk, f"v{version}").items():
        assert run.code == 0, f"{job}:\n{run.log}"
    published = publish_release(desk, f"v{version}")
    assert published.code == 0, published.log
    bundle = json.loads((desk.assets / f"v{version}" / "evidence.json").read_text())
    assert bundle["release"]["rollout"] == "immediate"
    decide = rollout(desk, 28, version)
    assert decide.outputs["outputs"]["action"] == "promote"
    assert decide.outputs["outputs"]["environment"] == "live"  # no paper for a hotfix
    assert live_stage(desk, f"v{version}") == [("live", "live-100")]
    RELEASE.version = version


def hotfix_sla(desk: Desk) -> JobRun:
    """hotfix-sla.yml's job, as the init'd caller's schedule runs it, on the default branch
    (with its tags), at the runner's clock."""
    main = desk.api.repo(REPO).resolve("heads/main")
    inputs = desk.caller_inputs("hotfix-sla.yml", "hotfix-sla", "hotfix-sla.yml", {})
    return desk.job(
        "hotfix-sla.yml", "sla", inputs=inputs, event_name="schedule", checkout=main, event={}
    )


def test_11_the_post_mortem_and_the_proper_release_clear_the_hotfix_debt(desk: Desk) -> None:
    hotfix = RELEASE.version
    pending = hotfix_sla(desk)
    assert pending.code == 0, pending.log  # both deadlines still open: due, not overdue
    assert "HFX003" in pending.log
    assert "HFX004" in pending.log
    # The post-mortem, through an ordinary change PR.
    desk.git("checkout", "-q", "main")
    desk.git("checkout", "-q", "-b", "postmortem")
    postmortem = desk.work / "docs" / "postmortems" / f"{TODAY}-v{hotfix}.md"
    postmortem.parent.mkdir(parents=True)
    postmortem.write_text(
        f"# Post-mortem: v{hotfix}\n\nBroker rejects were not retried; v0.3.0 diverged.\n",
        encoding="utf-8",
    )
    add_unreleased(desk, f"Post-mortem of v{hotfix}.")
    desk.commit(f"Post-mortem of v{hotfix}")
    number = desk.open_pr("postmortem", f"Post-mortem of v{hotfix}")
    gates_pass(desk, number)
    desk.merge(number)
    # The proper release: the audited strategy ships again, so its row names this release.
    desk.git("checkout", "-q", "main")
    prepare = desk.prepare_release(part="minor", hotfix=False)
    assert prepare.code == 0, prepare.log
    version = prepare.outputs["bump"]["version"]
    branch = prepare.outputs["publish"]["branch"]
    (pr,) = [p for p in desk.api.repo(REPO).pulls.values() if p.head_ref == branch]
    desk.git("checkout", "-q", branch)
    add_to_release_column(desk, f"AUD-{TODAY}-002", f"0.3.0, {hotfix}", version)
    desk.commit(f"ICT_QM 1.1.0 ships with {version}")
    desk.push(branch)
    desk.update_pr(pr.number)
    gates_pass(desk, pr.number)
    desk.merge(pr.number)
    tag = desk.tag_release(pr.number)
    assert tag is not None
    assert tag.code == 0, tag.log
    for job, run in release_checks(desk, f"v{version}").items():
        assert run.code == 0, f"{job}:\n{run.log}"
    published = publish_release(desk, f"v{version}")
    assert published.code == 0, published.log
    bundle = json.loads((desk.assets / f"v{version}" / "evidence.json").read_text())
    # Since the hotfix's tag it ships a post-mortem and an audit-log edit: no strategy change.
    assert bundle["release"]["type"] == "bugfix"
    clean = hotfix_sla(desk)
    assert clean.code == 0, clean.log
    assert "HFX005" in clean.log  # settled: post-mortem and proper release, both on time
    assert not [i for i in desk.api.repo(REPO).issues.values() if "hotfix-debt" in i.labels]


def test_the_walkthrough_has_a_section_for_every_drill_step() -> None:
    steps = sorted(
        int(m.group(1)) for m in re.finditer(r"^def test_(\d+)_", Path(__file__).read_text(), re.M)
    )
    headings = [int(n) for n in re.findall(r"^## (\d+)\. ", WALKTHROUGH, re.MULTILINE)]
    assert headings == steps == list(range(1, len(steps) + 1))
    assert "releasekit audit stamp ICT_QM" in WALKTHROUGH  # record_audit's command
