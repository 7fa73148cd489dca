"""Every workflow and action.yml, parsed and held to releasekit's workflow hygiene.

These tests enforce, independently of zizmor, the properties docs/actions.md promises (the
threat numbers are those of shared/reference/github-facts.md): pinned actions (5), empty
top-level and commented job permissions (4), ``persist-credentials: false`` (6), no ``${{ }}``
in any ``run:`` (1), no ``secrets: inherit`` (19), no caches (20), no
``pull_request_target``/``workflow_run`` (3), no actor-name conditions (23), no environments
(17), a timeout on every job; then GitHub's JSON schemas (check-jsonschema's vendored copies,
offline) and zizmor itself. Shell steps that guard against untrusted input are executed here
with hostile values.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from test_oidc import GOOD_REF, SHA, TokenService, claims_for, service

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
ACTION = ROOT / "action.yml"
ALL_FILES = [*WORKFLOWS, ACTION]
REUSABLE = [
    "pr-gate.yml",
    "prepare-release.yml",
    "release-checks.yml",
    "release.yml",
    "tag-release.yml",
    "rollout.yml",
    "rollback.yml",
    "hotfix-sla.yml",
]
DOCS = ROOT / "docs"

# A `${{ }}` inside `run:` is how script injection happens (threat 1). The allow-list of
# contexts that would be safe there is deliberately empty: every value reaches the shell
# through `env:`, even trusted ones like github.action_path (the runner exports it as
# GITHUB_ACTION_PATH anyway), so a reviewer never has to judge an exception.
RUN_EXPRESSION_ALLOW_LIST: frozenset[str] = frozenset()

_PINNED = re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?@[0-9a-f]{40}")
_VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\s*$")
_PERMISSION_LINE = re.compile(r"^\s+([a-z-]+):\s*(read|write|none)\b(.*)$")
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)

__all__ = ["service"]  # the loopback token service fixture, shared with test_oidc


def load(path: Path) -> dict[str, Any]:
    """A workflow or action as a dict, with YAML 1.1's ``on: -> True`` undone."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), path
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def file_id(path: Path) -> str:
    """Test id for a file: its name."""
    return path.name


def jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A workflow's jobs."""
    result: dict[str, dict[str, Any]] = doc.get("jobs", {})
    return result


def steps_of(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, step) for every step of a workflow, or ("action", step) for action.yml."""
    if "runs" in doc:
        for step in doc["runs"]["steps"]:
            yield "action", step
        return
    for job_id, job in jobs(doc).items():
        for step in job.get("steps", []):
            yield job_id, step


def all_uses(doc: dict[str, Any]) -> list[str]:
    """Every ``uses:`` value: steps and reusable-workflow jobs."""
    found = [step["uses"] for _, step in steps_of(doc) if "uses" in step]
    found += [job["uses"] for job in jobs(doc).values() if "uses" in job]
    return found


def schema(name: str, folder: str = "vendor") -> dict[str, Any]:
    """A JSON schema shipped inside check-jsonschema (no network)."""
    package = f"check_jsonschema.builtin_schemas.{folder}"
    loaded: dict[str, Any] = json.loads((resources.files(package) / name).read_text("utf-8"))
    return loaded


workflow_files = pytest.mark.parametrize("path", WORKFLOWS, ids=file_id)
every_file = pytest.mark.parametrize("path", ALL_FILES, ids=file_id)


def test_the_expected_workflows_exist() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {*REUSABLE, "ci.yml", "pr.yml"} <= names


# --- schemas ---------------------------------------------------------------------------------


@workflow_files
def test_workflow_matches_githubs_schema_and_requires_timeouts(path: Path) -> None:
    doc = load(path)
    jsonschema.validate(doc, schema("github-workflows.json"))
    jsonschema.validate(doc, schema("github-workflows-require-timeout.json", "custom"))


def test_action_matches_githubs_schema() -> None:
    jsonschema.validate(load(ACTION), schema("github-actions.json"))


# --- permissions (threat 4) ------------------------------------------------------------------


@workflow_files
def test_top_level_permissions_are_empty(path: Path) -> None:
    assert load(path).get("permissions") == {}


@workflow_files
def test_every_job_declares_its_own_permissions(path: Path) -> None:
    for job_id, job in jobs(load(path)).items():
        assert "permissions" in job, f"{job_id} inherits permissions"
        assert job["permissions"] != "write-all", job_id


@workflow_files
def test_every_permission_line_says_why(path: Path) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _PERMISSION_LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            assert "#" in match.group(3), f"{path.name}:{number}: uncommented {line.strip()}"


# Jobs besides self-ref that may hold an OIDC token: release.yml's attest job, for Sigstore's
# signing certificate. Like self-ref it runs no code of the caller's nor releasekit's.
OIDC_JOBS = {("release.yml", "attest")}


@pytest.mark.parametrize("name", REUSABLE)
def test_only_the_self_ref_job_may_mint_an_oidc_token(name: str) -> None:
    for job_id, job in jobs(load(WORKFLOW_DIR / name)).items():
        wants_token = job.get("permissions", {}).get("id-token") == "write"
        allowed = job_id == "self-ref" or (name, job_id) in OIDC_JOBS
        assert wants_token == allowed, job_id


def test_the_attest_job_runs_only_the_attest_action_and_a_digest_check() -> None:
    job = jobs(load(WORKFLOW_DIR / "release.yml"))["attest"]
    steps = job["steps"]
    assert [s.get("uses", "run").split("@")[0] for s in steps] == [
        "run",
        "actions/attest-build-provenance",
    ]
    assert "checkout" not in json.dumps(job)
    assert job["permissions"] == {"id-token": "write", "attestations": "write"}


# --- pinning (threat 5) and checkout credentials (threat 6) ----------------------------------


@every_file
def test_every_action_is_pinned_to_a_full_sha_with_a_version_comment(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for uses in all_uses(load(path)):
        if uses.startswith("./"):
            continue
        assert _PINNED.fullmatch(uses), f"{path.name}: {uses} is not pinned to a 40-hex SHA"
        line = next(x for x in text.splitlines() if f"uses: {uses}" in x)
        assert _VERSION_COMMENT.search(line), f"{path.name}: {uses} has no # vX.Y.Z comment"


def test_one_sha_per_action_across_all_files() -> None:
    pins: dict[str, set[str]] = {}
    for path in ALL_FILES:
        for uses in all_uses(load(path)):
            if not uses.startswith("./"):
                action, sha = uses.split("@")
                pins.setdefault(action, set()).add(sha)
    assert pins, "no third-party action found"
    assert {a: s for a, s in pins.items() if len(s) > 1} == {}


@every_file
def test_every_checkout_drops_its_credentials(path: Path) -> None:
    for job_id, step in steps_of(load(path)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, job_id


# --- expressions and shell (threat 1) ----------------------------------------------------------


@every_file
def test_no_expression_inside_any_run(path: Path) -> None:
    for job_id, step in steps_of(load(path)):
        if "run" in step:
            used = set(_EXPR.findall(step["run"]))
            assert used <= RUN_EXPRESSION_ALLOW_LIST, f"{job_id}: {used} inside run:"
            assert "${{" not in step["run"], job_id


@every_file
def test_every_run_step_uses_bash_with_pipefail(path: Path) -> None:
    doc = load(path)
    default_shell = doc.get("defaults", {}).get("run", {}).get("shell")
    for job_id, step in steps_of(doc):
        if "run" in step:
            assert step.get("shell", default_shell) == "bash", job_id


@every_file
def test_every_run_script_is_valid_bash(path: Path) -> None:
    for job_id, step in steps_of(load(path)):
        if "run" in step:
            proc = subprocess.run(
                ["bash", "-n"], input=step["run"], capture_output=True, text=True, check=False
            )
            assert proc.returncode == 0, f"{job_id} / {step.get('name')}: {proc.stderr}"


# --- triggers, secrets, caches, environments, actors -------------------------------------------


@workflow_files
def test_no_privileged_pr_triggers(path: Path) -> None:
    triggers = load(path)["on"]
    names = {triggers} if isinstance(triggers, str) else set(triggers)
    assert not names & {"pull_request_target", "workflow_run"}


@workflow_files
def test_no_secrets_inherit(path: Path) -> None:
    for job_id, job in jobs(load(path)).items():
        assert job.get("secrets") != "inherit", job_id
    assert "inherit" not in path.read_text(encoding="utf-8")


@every_file
def test_no_caches_anywhere(path: Path) -> None:
    # Stricter than "no cache in release workflows": ci.yml runs on release tags too.
    for job_id, step in steps_of(load(path)):
        uses = str(step.get("uses", ""))
        assert not uses.startswith("actions/cache"), job_id
        if uses.startswith("actions/setup-python@"):
            assert "cache" not in step.get("with", {}), job_id


# A typo'd environment is created unprotected (threat 17): only the rollout and rollback jobs
# name one, and only from the fixed pair `paper`/`live`, so those environments' protection
# rules (required reviewers, wait timers) apply to promotions and rollbacks.
ENVIRONMENTS = {
    "rollout.yml": {
        "promote": "${{ needs.decide.outputs.environment == 'live' && 'live' || 'paper' }}",
        "rollback": "live",
    },
    "rollback.yml": {"rollback": "live", "release-kill-switch": "live"},
    # GitHub Pages' own environment, which actions/deploy-pages deploys the board to.
    "board.yml": {
        "deploy": {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    },
}


@workflow_files
def test_environments_only_from_the_fixed_set(path: Path) -> None:
    named = {j: job["environment"] for j, job in jobs(load(path)).items() if "environment" in job}
    assert named == ENVIRONMENTS.get(path.name, {})


@every_file
def test_no_actor_name_conditions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "github.actor" not in text
    assert "triggering_actor" not in text


# --- running our own version (self-ref) --------------------------------------------------------


def self_ref_bootstrap(name: str) -> dict[str, Any]:
    """The self-ref job's first step of a reusable workflow."""
    step: dict[str, Any] = jobs(load(WORKFLOW_DIR / name))["self-ref"]["steps"][0]
    return step


def test_the_bootstrap_is_one_and_the_same_in_every_reusable_workflow() -> None:
    scripts = {name: self_ref_bootstrap(name)["run"] for name in REUSABLE}
    assert len(set(scripts.values())) == 1, "self-ref bootstraps drifted apart"


@pytest.mark.parametrize("name", REUSABLE)
def test_every_releasekit_step_runs_the_workflows_own_commit(name: str) -> None:
    for job_id, job in jobs(load(WORKFLOW_DIR / name)).items():
        steps = job.get("steps", [])
        for index, step in enumerate(steps):
            if step.get("uses") != "./.releasekit/":
                continue
            checkouts = [
                s
                for s in steps[:index]
                if str(s.get("uses", "")).startswith("actions/checkout@")
                and s.get("with", {}).get("path") == ".releasekit"
            ]
            assert len(checkouts) == 1, f"{job_id}: releasekit is not checked out once before use"
            ref = checkouts[0]["with"]
            source = "steps.claims" if job_id == "self-ref" else "needs.self-ref"
            assert ref["repository"] == f"${{{{ {source}.outputs.repository }}}}", job_id
            assert ref["ref"] == f"${{{{ {source}.outputs.sha }}}}", job_id
            if job_id != "self-ref":
                needs = job.get("needs", [])
                assert "self-ref" in ([needs] if isinstance(needs, str) else needs), job_id
    self_ref = jobs(load(WORKFLOW_DIR / name))["self-ref"]
    verify = self_ref["steps"][-1]
    assert verify["with"] == {
        "command": "self-ref",
        "expect-sha": "${{ steps.claims.outputs.sha }}",
    }
    assert self_ref["outputs"]["sha"] == "${{ steps.verify.outputs.sha }}"


def run_bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a step's script as the runner does (bash --noprofile --norc -eo pipefail)."""
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def outputs_of(path: Path) -> dict[str, str]:
    """``name=value`` lines of a GITHUB_OUTPUT file."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


needs_jq = pytest.mark.skipif(
    shutil.which("jq") is None or shutil.which("curl") is None,
    reason="jq and curl are preinstalled on GitHub's runners but missing here",
)


@needs_jq
def test_bootstrap_reads_the_claims_from_the_token_service(
    service: TokenService, tmp_path: Path
) -> None:
    service.answer_claims(claims_for(GOOD_REF))
    out = tmp_path / "out"
    proc = run_bash(
        self_ref_bootstrap("pr-gate.yml")["run"],
        {
            "ACTIONS_ID_TOKEN_REQUEST_URL": service.url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
            "GITHUB_OUTPUT": str(out),
        },
        tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs_of(out) == {"repository": "acme/releasekit", "sha": SHA}
    (request,) = service.requests
    assert request["Authorization"] == "bearer request-token"
    assert request["path"].endswith("&audience=releasekit-self-ref")


@needs_jq
@pytest.mark.parametrize(
    ("claims", "message"),
    [
        pytest.param(
            claims_for("acme/tools/.github/workflows/deploy.yml@refs/heads/main"),
            "does not name a releasekit reusable workflow",
            id="foreign-workflow",
        ),
        pytest.param(claims_for("acme/releasekit@v1"), "is missing or is not", id="malformed"),
        pytest.param(
            claims_for("acme/releasekit/.github/workflows/pr-gate.yml@v1;$(touch pwned)"),
            "is missing or is not",
            id="shell-text",
        ),
        pytest.param(claims_for(GOOD_REF, sha="main"), "not a commit SHA", id="sha"),
        pytest.param({"sub": "repo:x"}, "is missing or is not", id="no-claims"),
    ],
)
def test_bootstrap_refuses_claims_that_do_not_name_releasekit(
    service: TokenService, tmp_path: Path, claims: dict[str, Any], message: str
) -> None:
    service.answer_claims(claims)
    out = tmp_path / "out"
    proc = run_bash(
        self_ref_bootstrap("release.yml")["run"],
        {
            "ACTIONS_ID_TOKEN_REQUEST_URL": service.url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t",
            "GITHUB_OUTPUT": str(out),
        },
        tmp_path,
    )
    assert proc.returncode == 3
    assert "::error title=releasekit cannot find its own version::" in proc.stdout
    assert message in proc.stdout
    assert outputs_of(out) == {}
    assert not (tmp_path / "pwned").exists()


@needs_jq
def test_bootstrap_without_token_permission_fails_loudly(tmp_path: Path) -> None:
    proc = run_bash(
        self_ref_bootstrap("release-checks.yml")["run"],
        {"GITHUB_OUTPUT": str(tmp_path / "out")},
        tmp_path,
    )
    assert proc.returncode == 3
    assert "id-token: write" in proc.stdout


@needs_jq
def test_bootstrap_refuses_a_non_https_token_service(tmp_path: Path) -> None:
    proc = run_bash(
        self_ref_bootstrap("tag-release.yml")["run"],
        {
            "ACTIONS_ID_TOKEN_REQUEST_URL": "http://token.example/t?x=1",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t",
            "GITHUB_OUTPUT": str(tmp_path / "out"),
        },
        tmp_path,
    )
    assert proc.returncode == 3
    assert "not an https URL" in proc.stdout


# --- the PR gate's final job -------------------------------------------------------------------


def test_gate_job_needs_every_other_job_and_always_runs() -> None:
    doc = load(WORKFLOW_DIR / "pr-gate.yml")
    gate = jobs(doc)["gate"]
    assert gate["name"] == "gate"
    assert set(gate["needs"]) == set(jobs(doc)) - {"gate"}
    assert gate["if"] == "${{ always() }}"
    assert gate["permissions"] == {}


def test_signoff_reads_the_pr_number_from_the_event_not_an_expression() -> None:
    signoff = jobs(load(WORKFLOW_DIR / "pr-gate.yml"))["signoff"]
    step = next(s for s in signoff["steps"] if s.get("uses") == "./.releasekit/")
    assert step["with"]["command"] == "signoff-gate"
    # Only the validated number of the merge-group step; empty on pull_request events.
    assert step["with"]["pr"] == "${{ steps.pr.outputs.number }}"


def run_step(script: str, payload: dict[str, Any], tmp_path: Path) -> tuple[int, str]:
    """Run a step's bash against an event payload; (exit code, what it wrote to GITHUB_OUTPUT)."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    out = tmp_path / "output"
    proc = run_bash(script, {"GITHUB_EVENT_PATH": str(event), "GITHUB_OUTPUT": str(out)}, tmp_path)
    return proc.returncode, out.read_text(encoding="utf-8") if out.exists() else ""


def test_pr_gate_runs_in_the_merge_queue() -> None:
    caller = load(WORKFLOW_DIR / "pr.yml")
    assert "merge_group" in caller["on"]
    # One concurrency group per merge group: groups never cancel each other.
    assert "merge_group.head_ref" in caller["concurrency"]["group"]
    changelog = jobs(load(WORKFLOW_DIR / "pr-gate.yml"))["changelog"]["steps"][-1]
    assert "github.event_name != 'merge_group'" in changelog["with"]["require-unreleased"]


def test_pr_gate_tells_a_release_pr_by_its_version_never_by_its_branch() -> None:
    job = jobs(load(WORKFLOW_DIR / "pr-gate.yml"))["changelog"]
    step = job["steps"][-1]
    assert step["with"]["command"] == "check-changelog"
    # Every pull request needs its [Unreleased] entry; only the content (version.yaml's
    # version changed from the base commit's, REL008) waives it, so no branch name appears.
    assert step["with"]["require-unreleased"] == "${{ github.event_name != 'merge_group' }}"
    assert step["with"]["base"] == "${{ github.event.pull_request.base.sha }}"
    assert "head.ref" not in json.dumps(job)
    # version.yaml is read at the base commit with git, so the checkout has its history.
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    assert "base" in load(ACTION)["inputs"]


# The merge group's head commit (the merged result the queue tests).
GROUP_HEAD = "c" * 40


@needs_jq
@pytest.mark.parametrize(
    ("head_ref", "code", "number"),
    [
        pytest.param(None, 0, "", id="pull-request-event"),
        pytest.param(f"refs/heads/gh-readonly-queue/main/pr-42-{SHA}", 0, "42", id="queue"),
        pytest.param(f"refs/heads/gh-readonly-queue/rel/2.x/pr-7-{SHA}", 0, "7", id="slash-base"),
        pytest.param("refs/heads/main", 2, None, id="not-a-queue-branch"),
        pytest.param(f"refs/heads/gh-readonly-queue/main/pr-0-{SHA}", 2, None, id="pr-zero"),
        pytest.param(f"refs/heads/gh-readonly-queue/main/pr-1-{SHA}\nnumber=9", 2, None, id="inj"),
        pytest.param("refs/heads/gh-readonly-queue/main/pr-$(id)-x", 2, None, id="subst"),
    ],
)
def test_merge_group_pr_number_is_read_strictly(
    tmp_path: Path, head_ref: str | None, code: int, number: str | None
) -> None:
    script = step_named("pr-gate.yml", "signoff", "pr")["run"]
    payload: dict[str, Any] = {"pull_request": {"number": 3}}
    if head_ref is not None:
        payload = {"merge_group": {"head_ref": head_ref, "head_sha": GROUP_HEAD}}
    rc, written = run_step(script, payload, tmp_path)
    assert rc == code
    if number is None:
        assert written == ""
    elif head_ref is None:
        assert written == "number=\nargs=\n"
    else:
        # signoff-gate decides on the group's head, for the PR head the group was made from.
        args = f"--merge-group-head={GROUP_HEAD}\n--queued-head={SHA}\n"
        assert written == f"number={number}\nargs<<RK_ARGS_END\n{args}RK_ARGS_END\n"


@needs_jq
@pytest.mark.parametrize("head_sha", ["", "main", "c" * 39, f"{GROUP_HEAD}\nx"])
def test_merge_group_head_sha_is_read_strictly(tmp_path: Path, head_sha: str) -> None:
    script = step_named("pr-gate.yml", "signoff", "pr")["run"]
    head_ref = f"refs/heads/gh-readonly-queue/main/pr-42-{SHA}"
    payload = {"merge_group": {"head_ref": head_ref, "head_sha": head_sha}}
    assert run_step(script, payload, tmp_path) == (2, "")


def test_signoff_gets_the_merge_group_arguments_from_the_pr_step() -> None:
    step = step_named("pr-gate.yml", "signoff", "signoff")
    assert step["with"]["args"] == "${{ steps.pr.outputs.args }}"


@needs_jq
def test_merge_group_audit_uses_the_groups_base(tmp_path: Path) -> None:
    script = step_named("pr-gate.yml", "audit", "base")["run"]
    base = "b" * 40
    rc, written = run_step(script, {"merge_group": {"base_sha": base}}, tmp_path)
    assert (rc, written) == (0, f"sha={base}\n")


# --- App tokens: minted in the job that uses them ---------------------------------------------

APP_TOKEN_JOBS = {
    "pr-gate.yml": "signoff",
    "prepare-release.yml": "prepare",
    "tag-release.yml": "tag",
    "release.yml": "release",
    "rollback.yml": "release-kill-switch",
}


@pytest.mark.parametrize(("name", "job_id"), APP_TOKEN_JOBS.items())
def test_app_token_is_minted_in_the_job_from_a_key_and_client_id(name: str, job_id: str) -> None:
    doc = load(WORKFLOW_DIR / name)
    call = doc["on"]["workflow_call"]
    assert call["inputs"]["app-client-id"]["default"] == ""
    assert call["secrets"]["RELEASEKIT_APP_PRIVATE_KEY"]["required"] is False
    job = jobs(doc)[job_id]
    steps = {s.get("id"): s for s in job["steps"]}
    mint = steps["app"]
    assert mint["uses"].startswith("actions/create-github-app-token@")
    assert mint["if"] == "${{ steps.token.outputs.app == 'true' }}"
    assert (
        mint["with"]["client-id"] == "${{ inputs.app-client-id || vars.RELEASEKIT_APP_CLIENT_ID }}"
    )
    assert mint["with"]["private-key"] == "${{ secrets.RELEASEKIT_APP_PRIVATE_KEY }}"
    # Scoped: the App token gets no permission the job itself was not granted, bar Members
    # (an organisation permission GITHUB_TOKEN cannot have).
    asked = {
        k.removeprefix("permission-"): v
        for k, v in mint["with"].items()
        if k.startswith("permission-")
    }
    granted = job["permissions"]
    for scope, level in asked.items():
        if scope != "members":
            assert scope in granted, (scope, granted)
            assert level == "read" or granted[scope] == "write", scope
    # Every user of a token prefers the minted one.
    text = json.dumps(job)
    assert "steps.app.outputs.token || secrets.RELEASEKIT_TOKEN || github.token" in text
    assert text.count("secrets.RELEASEKIT_TOKEN ||") == text.count(
        "steps.app.outputs.token || secrets.RELEASEKIT_TOKEN ||"
    )


def test_the_token_choice_step_is_one_and_the_same_everywhere() -> None:
    scripts = {name: step_named(name, job_id, "token") for name, job_id in APP_TOKEN_JOBS.items()}
    assert len({json.dumps(s, sort_keys=True) for s in scripts.values()}) == 1


@pytest.mark.parametrize(
    ("has_key", "client_id", "code", "written"),
    [
        pytest.param("false", "", 0, "app=false\n", id="no-key-github-token"),
        pytest.param("true", "Iv23abc", 0, "app=true\n", id="key-and-client-id"),
        pytest.param("true", "", 2, "", id="key-without-client-id"),
    ],
)
def test_the_token_choice(
    tmp_path: Path, has_key: str, client_id: str, code: int, written: str
) -> None:
    script = step_named("pr-gate.yml", "signoff", "token")["run"]
    out = tmp_path / "output"
    env = {"RK_HAS_KEY": has_key, "RK_CLIENT_ID": client_id, "GITHUB_OUTPUT": str(out)}
    proc = run_bash(script, env, tmp_path)
    assert proc.returncode == code, proc.stdout
    assert (out.read_text(encoding="utf-8") if out.exists() else "") == written
    if code:
        assert "app-client-id" in proc.stdout


@needs_jq
@pytest.mark.parametrize(
    ("results", "code"),
    [
        pytest.param(["success"] * 5, 0, id="all-success"),
        pytest.param(["success", "success", "failure", "success", "success"], 1, id="one-failure"),
        pytest.param(["success", "skipped", "success", "success", "success"], 1, id="one-skipped"),
        pytest.param(
            ["cancelled", "success", "success", "success", "success"], 1, id="one-cancelled"
        ),
    ],
)
def test_gate_passes_only_when_every_job_succeeded(
    tmp_path: Path, results: list[str], code: int
) -> None:
    gate = jobs(load(WORKFLOW_DIR / "pr-gate.yml"))["gate"]
    needs = {
        job: {"result": r, "outputs": {}} for job, r in zip(gate["needs"], results, strict=True)
    }
    proc = run_bash(gate["steps"][0]["run"], {"RK_NEEDS": json.dumps(needs)}, tmp_path)
    assert proc.returncode == code, proc.stdout + proc.stderr


# --- untrusted values in release workflows (threats 1 and 2) --------------------------------


def step_named(workflow: str, job: str, step_id: str) -> dict[str, Any]:
    """A step of a workflow's job, by id."""
    found: dict[str, Any] = next(
        s for s in jobs(load(WORKFLOW_DIR / workflow))[job]["steps"] if s.get("id") == step_id
    )
    return found


def pr_event(branch: str, **overrides: Any) -> dict[str, Any]:
    """A ``pull_request`` closed event for a merged release PR."""
    pull = {
        "merged": True,
        "title": "Release v1.2.3",
        "merge_commit_sha": SHA,
        "head": {"ref": branch, "repo": {"full_name": "desk/trading"}},
        "base": {"ref": "main"},
    }
    pull.update(overrides)
    return {"pull_request": pull, "repository": {"default_branch": "main"}}


def run_tag_release_reader(
    tmp_path: Path, event: dict[str, Any]
) -> tuple[int, str, dict[str, str]]:
    """Run tag-release's payload reader on ``event``; return code, stdout and outputs."""
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    out = tmp_path / "out"
    proc = run_bash(
        step_named("tag-release.yml", "tag", "pr")["run"],
        {
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_OUTPUT": str(out),
            "GITHUB_REPOSITORY": "desk/trading",
        },
        tmp_path,
    )
    return proc.returncode, proc.stdout, outputs_of(out)


@needs_jq
@pytest.mark.parametrize(
    ("branch", "version"),
    [
        pytest.param("release/v1.2.3", "1.2.3", id="release"),
        pytest.param("hotfix/v1.2.4-hotfix", "1.2.4-hotfix", id="hotfix"),
    ],
)
def test_tag_release_reads_a_merged_release_pr(tmp_path: Path, branch: str, version: str) -> None:
    code, _, outputs = run_tag_release_reader(tmp_path, pr_event(branch))
    assert code == 0
    assert outputs == {"version": version, "tag": f"v{version}", "branch": branch, "sha": SHA}


@needs_jq
@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param(
            pr_event("release/v1.2.3$(touch pwned)"), "head branch is not", id="branch-injection"
        ),
        pytest.param(pr_event('release/v1.2.3";id;"'), "head branch is not", id="branch-quotes"),
        pytest.param(pr_event("release/v1.2.3\nx"), "head branch is not", id="branch-newline"),
        pytest.param(pr_event("release/v01.2.3"), "head branch is not", id="leading-zero"),
        pytest.param(pr_event("feature/v1.2.3"), "head branch is not", id="not-release"),
        pytest.param(pr_event("release/v1.2.3", merged=False), "not merged", id="closed-unmerged"),
        pytest.param(
            pr_event(
                "release/v1.2.3", head={"ref": "release/v1.2.3", "repo": {"full_name": "x/y"}}
            ),
            "not a fork",
            id="from-fork",
        ),
        pytest.param(
            pr_event("release/v1.2.3", base={"ref": "develop"}), "default branch", id="wrong-base"
        ),
        pytest.param(
            pr_event("release/v1.2.3", merge_commit_sha="HEAD~1"), "SHA is missing", id="bad-sha"
        ),
    ],
)
def test_tag_release_refuses_untrusted_payloads(
    tmp_path: Path, event: dict[str, Any], message: str
) -> None:
    code, stdout, outputs = run_tag_release_reader(tmp_path, event)
    assert code == 2
    assert message in stdout
    assert outputs == {}
    assert not (tmp_path / "pwned").exists()


@needs_jq
def test_tag_release_title_is_checked_but_never_echoed(tmp_path: Path) -> None:
    code, stdout, _ = run_tag_release_reader(
        tmp_path, pr_event("release/v1.2.3", title="::error::forged $(touch pwned)")
    )
    assert code == 0
    assert "forged" not in stdout
    assert "::warning" in stdout
    assert not (tmp_path / "pwned").exists()


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity; return its stdout."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def release_clone(tmp_path: Path) -> tuple[Path, Path, str]:
    """A clone whose origin (a local bare repo) has main, v1.2.2 and release/v1.2.3."""
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    git(work, "commit", "--quiet", "--allow-empty", "-m", "one")
    git(work, "tag", "-a", "v1.2.2", "-m", "Release v1.2.2")
    git(work, "tag", "v1", "v1.2.2")
    git(work, "commit", "--quiet", "--allow-empty", "-m", "Release v1.2.3 (#7)")
    git(work, "push", "--quiet", "origin", "HEAD:refs/heads/main", "HEAD:refs/heads/release/v1.2.3")
    git(work, "push", "--quiet", "origin", "v1.2.2", "v1")
    return origin, work, git(work, "rev-parse", "HEAD")


def run_tagger(work: Path, sha: str, notes: Path) -> subprocess.CompletedProcess[str]:
    """Run tag-release's tagging step in ``work`` (the merge commit checked out)."""
    step = next(
        s
        for s in jobs(load(WORKFLOW_DIR / "tag-release.yml"))["tag"]["steps"]
        if "run" in s and "RK_NOTES" in s.get("env", {})
    )
    return run_bash(
        step["run"],
        {
            "HOME": str(work),
            "GITHUB_SERVER_URL": "https://github.com",
            "RK_TOKEN": "ghs_x",
            "RK_APP_TOKEN": "false",
            "RK_TAG": "v1.2.3",
            "RK_SHA": sha,
            "RK_BRANCH": "release/v1.2.3",
            "RK_NOTES": str(notes),
        },
        work,
    )


def test_tag_release_tags_moves_the_major_and_deletes_the_branch(
    release_clone: tuple[Path, Path, str], tmp_path: Path
) -> None:
    origin, work, sha = release_clone
    notes = tmp_path / "notes.md"
    notes.write_text("## [1.2.3] - 2026-01-15\n\n### Fixed\n- Fixed timeout handling\n")
    proc = run_tagger(work, sha, notes)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git(origin, "rev-parse", "v1.2.3^{commit}") == sha
    assert git(origin, "cat-file", "-t", "v1.2.3") == "tag"  # annotated
    message = git(origin, "tag", "-l", "--format=%(contents:subject)", "v1.2.3")
    assert message == "Release v1.2.3: Fixed timeout handling"
    assert git(origin, "rev-parse", "v1^{commit}") == sha
    assert git(origin, "branch", "--list", "release/*") == ""
    assert "no push-tag workflow starts" in proc.stdout  # GITHUB_TOKEN warning
    again = run_tagger(work, sha, notes)
    assert again.returncode == 3
    assert "a release tag is never moved" in again.stdout


@pytest.mark.parametrize(
    ("ref", "tag_input", "code", "tag"),
    [
        pytest.param("refs/tags/v1.2.3", "", 0, "v1.2.3", id="pushed-tag"),
        pytest.param("refs/heads/main", "v2.0.0", 0, "v2.0.0", id="input-tag"),
        pytest.param("refs/heads/main", "", 2, None, id="not-a-tag"),
        pytest.param("refs/tags/v1.2.3;id", "", 2, None, id="tag-injection"),
        pytest.param("refs/heads/main", "../../v1.2.3", 2, None, id="input-traversal"),
        pytest.param("refs/tags/latest", "", 2, None, id="not-semver"),
    ],
)
def test_release_accepts_only_version_tags(
    tmp_path: Path, ref: str, tag_input: str, code: int, tag: str | None
) -> None:
    out = tmp_path / "out"
    proc = run_bash(
        step_named("release.yml", "release", "tag")["run"],
        {"GITHUB_REF": ref, "RK_TAG": tag_input, "GITHUB_OUTPUT": str(out)},
        tmp_path,
    )
    assert proc.returncode == code, proc.stdout
    assert outputs_of(out).get("tag") == tag


@pytest.mark.parametrize(
    ("inputs", "code", "part"),
    [
        pytest.param({"RK_PART": "minor"}, 0, "minor", id="part"),
        pytest.param({"RK_VERSION": "2.0.0"}, 0, "", id="explicit-version"),
        pytest.param({"RK_HOTFIX": "true", "RK_FROM_TAG": "v1.2.3"}, 0, "patch", id="hotfix"),
        pytest.param({"RK_VERSION": "1.2; rm -rf ~"}, 2, None, id="version-injection"),
        pytest.param({"RK_VERSION": "v1.2.3"}, 2, None, id="version-with-v"),
        pytest.param({"RK_PART": "../major"}, 2, None, id="part-traversal"),
        pytest.param({"RK_FROM_TAG": "v1.2.3"}, 2, None, id="from-tag-without-hotfix"),
        pytest.param({"RK_HOTFIX": "true", "RK_FROM_TAG": SHA}, 2, None, id="from-tag-foreign-sha"),
    ],
)
def test_prepare_release_validates_inputs_before_any_write(
    tmp_path: Path, inputs: dict[str, str], code: int, part: str | None
) -> None:
    out = tmp_path / "out"
    env = {"RK_PART": "patch", "RK_VERSION": "", "RK_HOTFIX": "false", "RK_FROM_TAG": ""}
    proc = run_bash(
        step_named("prepare-release.yml", "prepare", "inputs")["run"],
        {**env, **inputs, "GITHUB_OUTPUT": str(out)},
        tmp_path,
    )
    assert proc.returncode == code, proc.stdout
    assert outputs_of(out).get("part") == part
    # The validation step comes before the checkout: a refused input writes nothing.
    prepare = jobs(load(WORKFLOW_DIR / "prepare-release.yml"))["prepare"]["steps"]
    assert prepare[0]["id"] == "inputs"


# --- documentation of the interfaces --------------------------------------------------------


@pytest.mark.parametrize("name", REUSABLE)
def test_every_input_secret_and_output_is_documented(name: str) -> None:
    path = WORKFLOW_DIR / name
    call = load(path)["on"]["workflow_call"]
    header = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    )
    actions_doc = (DOCS / "actions.md").read_text(encoding="utf-8")
    for kind in ("inputs", "secrets", "outputs"):
        for item in call.get(kind, {}):
            assert item in header, f"{name}: {kind[:-1]} {item} missing from the header comment"
            assert f"`{item}`" in actions_doc, f"{name}: {item} missing from docs/actions.md"


def test_action_inputs_and_outputs_are_documented() -> None:
    actions_doc = (DOCS / "actions.md").read_text(encoding="utf-8")
    action = load(ACTION)
    for item in [*action["inputs"], *action["outputs"]]:
        assert f"`{item}`" in actions_doc, item


def test_branch_protection_names_the_exact_gate_check() -> None:
    text = (DOCS / "branch-protection.md").read_text(encoding="utf-8")
    assert "`releasekit / gate`" in text
    caller = jobs(load(WORKFLOW_DIR / "pr.yml"))["releasekit"]
    callee = jobs(load(WORKFLOW_DIR / "pr-gate.yml"))["gate"]
    assert f"{caller['name']} / {callee['name']}" == "releasekit / gate"


def quickstart_blocks() -> list[str]:
    """The fenced ```yaml blocks of docs/quickstart.md."""
    text = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    return re.findall(r"```ya?ml\n(.*?)```", text, re.DOTALL)


def test_quickstart_adopts_in_at_most_15_lines_of_workflow_yaml() -> None:
    blocks = quickstart_blocks()
    assert blocks, "docs/quickstart.md has no ```yaml block"
    first = blocks[0]
    lines = [line for line in first.splitlines() if line.strip()]
    assert len(lines) <= 15, f"the quickstart workflow is {len(lines)} lines"
    doc = yaml.safe_load(first)
    doc["on"] = doc.pop(True)
    jsonschema.validate(doc, schema("github-workflows.json"))
    assert doc["permissions"] == {}
    assert any("pr-gate.yml@" in str(job.get("uses")) for job in doc["jobs"].values())


# --- dependabot and zizmor ---------------------------------------------------------------------


def test_dependabot_watches_actions_and_pip() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert {"github-actions", "pip"} <= ecosystems


def test_zizmor_pedantic_finds_nothing() -> None:
    zizmor = shutil.which("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -r requirements-dev.txt)")
    proc = subprocess.run(
        [zizmor, "--offline", "--pedantic", "--format", "json", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    assert findings == [], json.dumps(findings, indent=1)[:4000]
    assert proc.returncode == 0, proc.stderr


# --- the caller workflows `releasekit init` writes (docs/templates) ---------------------------

TEMPLATES = ROOT / "docs" / "templates"
TEMPLATE_WORKFLOWS = sorted((TEMPLATES / "workflows").glob("*.yml"))


def github_filter(pattern: str) -> re.Pattern[str]:
    """A tag filter pattern as GitHub reads it (`*`, `+`, `?`, `[...]`; `.` is literal)."""
    out = ""
    for part in re.findall(r"\[[^\]]*\]|\*\*|.", pattern):
        if part.startswith("["):
            out += part
        elif part in ("*", "**"):
            out += ".*" if part == "**" else "[^/]*"
        elif part in ("+", "?"):
            out += part
        else:
            out += re.escape(part)
    return re.compile(out)


@pytest.mark.parametrize(
    ("tag", "starts"),
    [
        pytest.param("v1.2.3", True, id="release"),
        pytest.param("v10.0.0-hotfix.2", True, id="hotfix"),
        pytest.param("v1", False, id="moved-major-tag"),
        pytest.param("v12", False, id="moved-major-tag-2-digits"),
        pytest.param("vendor-1.2.3", False, id="not-a-version"),
    ],
)
def test_moving_the_major_tag_never_starts_the_release_pipeline(tag: str, starts: bool) -> None:
    doc = load(TEMPLATES / "workflows" / "release.yml")
    patterns = doc["on"]["push"]["tags"]
    assert any(github_filter(p).fullmatch(tag) for p in patterns) == starts
    # Our own CI runs on release tags the same way, and so does the caller example in
    # release.yml's header comment (what a desk copies).
    ours = load(WORKFLOW_DIR / "ci.yml")["on"]["push"]["tags"]
    assert any(github_filter(p).fullmatch(tag) for p in ours) == starts
    lines = (WORKFLOW_DIR / "release.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("#   on:")
    example = []
    for line in lines[start:]:
        if not line.startswith("#   "):
            break
        example.append(line[4:])
    shown = yaml.safe_load("\n".join(example))[True]["push"]["tags"]
    assert any(github_filter(p).fullmatch(tag) for p in shown) == starts


def test_github_filter_reads_plus_and_classes() -> None:
    assert github_filter("v[0-9]+").fullmatch("v123")
    assert not github_filter("v[0-9]+").fullmatch("v")
    assert not github_filter("v*").fullmatch("v1/x")


def test_tag_release_caller_runs_only_for_a_merged_release_pr() -> None:
    for doc in (load(TEMPLATES / "workflows" / "tag-release.yml"),):
        [job] = doc["jobs"].values()
        guard = " ".join(job["if"].split())
        assert guard.startswith("github.event.pull_request.merged == true && (")
        assert "startsWith(github.event.pull_request.head.ref, 'release/v')" in guard
        assert "startsWith(github.event.pull_request.head.ref, 'hotfix/v')" in guard
        assert doc["on"] == {"pull_request": {"types": ["closed"]}}
    # The reusable workflow's own self-ref job checks the same before anything runs.
    assert "merged == true" in jobs(load(WORKFLOW_DIR / "tag-release.yml"))["self-ref"]["if"]


@pytest.mark.parametrize(
    ("workflow", "job", "before"),
    [
        pytest.param("tag-release.yml", "tag", "Tag the merge commit", id="tag-release"),
        pytest.param("release.yml", "release", "Create or update the GitHub Release", id="release"),
        pytest.param("release-checks.yml", "consistency", None, id="release-checks"),
    ],
)
def test_every_tag_workflow_checks_the_tag_with_check_changelog_first(
    workflow: str, job: str, before: str | None
) -> None:
    # check-changelog --tag refuses a tag that looks like a hotfix but is not exactly
    # vX.Y.Z-hotfix[.N] (HFX008, core.rollout.hotfix's matcher): no second regex in YAML.
    steps = jobs(load(WORKFLOW_DIR / workflow))[job]["steps"]
    names = [s.get("name", "") for s in steps]
    [check] = [
        i for i, s in enumerate(steps) if (s.get("with") or {}).get("command") == "check-changelog"
    ]
    assert steps[check]["with"]["tag"].startswith("${{ ")
    if before is not None:
        assert check < next(i for i, n in enumerate(names) if n.startswith(before))


def test_release_caller_grants_the_attestation() -> None:
    release = load(TEMPLATES / "workflows" / "release.yml")["jobs"]["release"]
    assert release["permissions"]["attestations"] == "write"
    assert release["permissions"]["id-token"] == "write"


def test_templates_pinned_to_a_sha_pass_zizmor_pedantic(tmp_path: Path) -> None:
    zizmor = shutil.which("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -r requirements-dev.txt)")
    target = tmp_path / ".github" / "workflows"
    target.mkdir(parents=True)
    for path in TEMPLATE_WORKFLOWS:
        text = path.read_text(encoding="utf-8").replace("<sha> # v1.0.0", "a" * 40 + " # v1.0.0")
        (target / path.name).write_text(text, encoding="utf-8")
    shutil.copy(TEMPLATES / "dependabot.yml", tmp_path / ".github" / "dependabot.yml")
    proc = subprocess.run(
        [zizmor, "--offline", "--pedantic", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(proc.stdout or "[]") == [], proc.stdout[:4000]
    assert proc.returncode == 0, proc.stderr


def test_the_dependabot_template_watches_actions_and_pip() -> None:
    config = yaml.safe_load((TEMPLATES / "dependabot.yml").read_text(encoding="utf-8"))
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "pip"}


def files_step_env(**overrides: str) -> dict[str, str]:
    """release-checks' inputs as the files job's step gets them, defaults unless overridden."""
    inputs = load(WORKFLOW_DIR / "release-checks.yml")["on"]["workflow_call"]["inputs"]
    step = jobs(load(WORKFLOW_DIR / "release-checks.yml"))["files"]["steps"][1]
    env = {}
    for key, expr in step["env"].items():
        name = _EXPR.fullmatch(expr)
        assert name is not None
        input_name = name.group(1).removeprefix("inputs.")
        env[key] = overrides.get(input_name, str(inputs[input_name]["default"]))
    return env


@pytest.mark.parametrize(
    ("present", "overrides", "missing"),
    [
        pytest.param(
            [
                "requirements.txt",
                "requirements-dev.txt",
                ".secrets.baseline",
                "src/",
                "tests/test_bias.py",
            ],
            {},
            [],
            id="what-init-writes",
        ),
        pytest.param(
            ["requirements.txt", "requirements-dev.txt", ".secrets.baseline", "tests/"],
            {},
            ["src", "tests/test_bias.py"],
            id="no-src-no-bias-tests",
        ),
        pytest.param(
            ["requirements.txt", "dev.txt", ".secrets.baseline", "lib/", "tests/test_bias.py"],
            {"requirements": "dev.txt", "lint-paths": "lib", "type-paths": "lib"},
            [],
            id="inputs-name-what-exists",
        ),
        pytest.param(
            ["requirements.txt", "requirements-dev.txt", "src/", "tests/test_bias.py"],
            {"bias-tests": "tests/test_bias.py $(touch pwned)"},
            [".secrets.baseline", "$(touch", "pwned)"],
            id="hostile-path-stays-data",
        ),
    ],
)
def test_release_checks_names_each_missing_file_and_its_input(
    tmp_path: Path, present: list[str], overrides: dict[str, str], missing: list[str]
) -> None:
    for rel in present:
        target = tmp_path / rel
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("", encoding="utf-8")
    script = jobs(load(WORKFLOW_DIR / "release-checks.yml"))["files"]["steps"][1]["run"]
    proc = run_bash(script, files_step_env(**overrides), tmp_path)
    reported = re.findall(r"::(\S+) does not exist: create it, or set the", proc.stdout)
    assert sorted(set(reported)) == sorted(set(missing)), proc.stdout
    assert proc.returncode == (2 if missing else 0)
    assert not (tmp_path / "pwned").exists()


def test_every_release_check_job_waits_for_the_files_check() -> None:
    doc = jobs(load(WORKFLOW_DIR / "release-checks.yml"))
    for job_id in ("lint", "tests", "bias", "security"):
        needs = doc[job_id]["needs"]
        assert "files" in (needs if isinstance(needs, list) else [needs]), job_id


GOOD_DIGESTS = "\n".join(
    f"{c * 64}  {name}"
    for c, name in zip("abc", ["evidence.json", "evidence.md", "release-notes.md"], strict=True)
)


@pytest.mark.parametrize(
    ("checksums", "code"),
    [
        pytest.param(GOOD_DIGESTS, 0, id="three-files"),
        pytest.param("", 3, id="none"),
        pytest.param(GOOD_DIGESTS.replace("release-notes.md", "evidence.md"), 3, id="repeated"),
        pytest.param(GOOD_DIGESTS + "\n" + "d" * 64 + "  other.txt", 3, id="a-fourth-file"),
        pytest.param(GOOD_DIGESTS.replace("a" * 64, "A" * 64), 3, id="not-a-hex-digest"),
        pytest.param(GOOD_DIGESTS.replace("evidence.md", "../evidence.md"), 3, id="a-path"),
    ],
)
def test_attest_job_signs_only_the_three_release_files(
    tmp_path: Path, checksums: str, code: int
) -> None:
    step = jobs(load(WORKFLOW_DIR / "release.yml"))["attest"]["steps"][0]
    proc = run_bash(
        step["run"], {"RK_CHECKSUMS": checksums, "RUNNER_TEMP": str(tmp_path)}, tmp_path
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    attest = jobs(load(WORKFLOW_DIR / "release.yml"))["attest"]["steps"][1]
    assert attest["with"] == {"subject-checksums": "${{ runner.temp }}/releasekit-checksums.txt"}
    if code == 0:
        written = (tmp_path / "releasekit-checksums.txt").read_text(encoding="utf-8")
        assert written == checksums + "\n"
