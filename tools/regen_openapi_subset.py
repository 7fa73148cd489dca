#!/usr/bin/env python3
"""Regenerate the vendored GitHub OpenAPI subset and webhook example payloads.

The fake GitHub server in ``tests/support/github_api`` validates every request
and response against GitHub's official OpenAPI description.  Vendoring the whole
13 MB description would bloat the repository, so this script cuts out only the
operations releasekit calls plus every component they reference (transitively),
and records where each byte came from in ``PROVENANCE.json``.

Usage::

    python tools/regen_openapi_subset.py            # fetch with npm, rewrite files
    python tools/regen_openapi_subset.py --check    # exit 1 if vendored files are stale

``--openapi-tarball`` / ``--webhooks-tarball`` reuse tarballs that ``npm pack``
already downloaded (handy offline); their package version must still match the pin.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "tests" / "support" / "github_api"
SUBSET_PATH = OUT_DIR / "openapi-subset.json"
PROVENANCE_PATH = OUT_DIR / "PROVENANCE.json"
EVENTS_DIR = OUT_DIR / "events"

OPENAPI_PACKAGE = "@octokit/openapi"
OPENAPI_VERSION = "23.0.2"
# The non-dereferenced description keeps `$ref`s, which is what lets us cut a
# small subset; the `.deref.json` twin inlines everything and is ~6x larger.
OPENAPI_SOURCE = "package/generated/api.github.com.json"

WEBHOOKS_PACKAGE = "@octokit/webhooks-examples"
WEBHOOKS_VERSION = "7.6.1"
WEBHOOKS_SOURCE = "package/api.github.com/index.json"

GENERATION_COMMAND = "python tools/regen_openapi_subset.py"

# (method, api.github.com path) of every operation releasekit may call.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/rate_limit"),
    ("GET", "/repos/{owner}/{repo}"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"),
    ("GET", "/repos/{owner}/{repo}/contents/{path}"),
    ("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}"),
    # 404 on a membership is ambiguous (not a member, or a token that cannot see the team):
    # reading the team itself tells the two apart (threat 10).
    ("GET", "/orgs/{org}/teams/{team_slug}"),
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
    ("POST", "/repos/{owner}/{repo}/check-runs"),
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"),
    ("POST", "/repos/{owner}/{repo}/deployments"),
    ("GET", "/repos/{owner}/{repo}/deployments"),
    ("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("POST", "/repos/{owner}/{repo}/issues"),
    ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("GET", "/repos/{owner}/{repo}/issues"),
    ("GET", "/repos/{owner}/{repo}/environments/{environment_name}"),
    # 404 on one environment is ambiguous (none of that name, or a token that may not read
    # environments): listing them tells the two apart, as reading the team does for teams.
    ("GET", "/repos/{owner}/{repo}/environments"),
    # What `releasekit doctor` checks in the Actions settings (Administration: read).
    ("GET", "/repos/{owner}/{repo}/actions/permissions"),
    ("GET", "/repos/{owner}/{repo}/actions/permissions/workflow"),
    ("GET", "/repos/{owner}/{repo}/branches/{branch}/protection"),
    ("GET", "/repos/{owner}/{repo}/rules/branches/{branch}"),
    ("GET", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("POST", "/repos/{owner}/{repo}/git/refs"),
    ("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("POST", "/repos/{owner}/{repo}/git/tags"),
    ("GET", "/repos/{owner}/{repo}/tags"),
    ("POST", "/repos/{owner}/{repo}/releases"),
    ("POST", "/repos/{owner}/{repo}/pulls"),
    # `releasekit board`: the releases with their evidence bundles, and the open release PRs.
    ("GET", "/repos/{owner}/{repo}/releases"),
    ("GET", "/repos/{owner}/{repo}/pulls"),
    ("GET", "/user"),
)

# Components the fake server needs although no selected operation names them:
# GitHub answers any endpoint with these error shapes (rate limits, 5xx, 422).
EXTRA_COMPONENTS: tuple[str, ...] = (
    "#/components/schemas/basic-error",
    "#/components/schemas/validation-error",
)

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass(frozen=True)
class EventPick:
    """Which webhook example to vendor, and under which file name."""

    file_name: str
    event: str
    action: str | None
    ref_prefix: str | None = None
    created: bool | None = None


EVENT_PICKS: tuple[EventPick, ...] = (
    EventPick("pull_request.opened.json", "pull_request", "opened"),
    EventPick("pull_request.synchronize.json", "pull_request", "synchronize"),
    EventPick("pull_request_review.submitted.json", "pull_request_review", "submitted"),
    EventPick("push.tag.json", "push", None, ref_prefix="refs/tags/", created=True),
)


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def dump_json(obj: Any) -> bytes:
    """Serialise deterministically: sorted keys, fixed indent, trailing newline."""
    # indent=1 rather than 2 keeps the committed subset ~17% smaller while
    # staying line-diffable when the pin is bumped.
    return (json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def npm_integrity(data: bytes) -> str:
    """The Subresource-Integrity string npm records for a tarball (``sha512-<base64>``)."""
    # Computed rather than taken from `npm pack --json`, so a tarball passed with
    # --openapi-tarball yields byte-identical provenance to a freshly packed one.
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(spec: str, dest: Path) -> Path:
    """Download ``spec`` (``name@version``) from the npm registry into ``dest``."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is required (or pass the tarball paths explicitly)")
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(proc.stdout)[0]
    return dest / str(info["filename"])


def read_member(tarball: Path, name: str) -> bytes:
    """Read one file out of a .tgz without extracting anything to disk."""
    with tarfile.open(tarball, "r:gz") as tar:
        handle = tar.extractfile(name)
        if handle is None:
            raise SystemExit(f"{name} is not a regular file in {tarball}")
        return handle.read()


def check_version(tarball: Path, package: str, version: str) -> None:
    """Refuse a tarball that is not exactly the pinned package version."""
    meta = json.loads(read_member(tarball, "package/package.json"))
    if (meta.get("name"), meta.get("version")) != (package, version):
        raise SystemExit(
            f"{tarball} holds {meta.get('name')}@{meta.get('version')}, "
            f"expected {package}@{version}"
        )


def iter_refs(node: Any) -> Iterator[str]:
    """Yield every ``$ref`` string anywhere inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_refs(item)


def resolve_pointer(doc: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer such as ``#/components/schemas/issue``."""
    if not ref.startswith("#/"):
        raise SystemExit(f"only local $refs are supported, got {ref!r}")
    node: Any = doc
    for raw in ref[2:].split("/"):
        node = node[raw.replace("~1", "/").replace("~0", "~")]
    return node


def build_subset(doc: dict[str, Any]) -> dict[str, Any]:
    """Cut ``OPERATIONS`` and their transitive component closure out of ``doc``."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        item = doc["paths"].get(path)
        if item is None or method.lower() not in item:
            raise SystemExit(f"{method} {path} is not in the upstream description")
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k not in HTTP_METHODS})
        kept[method.lower()] = item[method.lower()]

    needed: set[str] = set()
    pending = [*iter_refs(paths), *EXTRA_COMPONENTS]
    while pending:
        ref = pending.pop()
        if ref in needed:
            continue
        needed.add(ref)
        pending.extend(iter_refs(resolve_pointer(doc, ref)))

    components: dict[str, dict[str, Any]] = {}
    for ref in needed:
        parts = ref.split("/")
        if len(parts) != 4 or parts[1] != "components":
            raise SystemExit(f"unexpected $ref shape {ref!r}")
        components.setdefault(parts[2], {})[parts[3]] = resolve_pointer(doc, ref)

    subset: dict[str, Any] = {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "paths": paths,
        "components": components,
    }
    for key in ("servers", "externalDocs"):
        if key in doc:
            subset[key] = doc[key]
    return subset


def pick_events(examples: list[dict[str, Any]]) -> list[tuple[EventPick, int, dict[str, Any]]]:
    """Choose the first example payload matching each ``EVENT_PICKS`` entry."""
    by_name = {entry["name"]: entry["examples"] for entry in examples}
    chosen: list[tuple[EventPick, int, dict[str, Any]]] = []
    for pick in EVENT_PICKS:
        candidates: Iterable[tuple[int, dict[str, Any]]] = enumerate(by_name.get(pick.event, []))
        for index, payload in candidates:
            if pick.action is not None and payload.get("action") != pick.action:
                continue
            if pick.ref_prefix is not None and not str(payload.get("ref", "")).startswith(
                pick.ref_prefix
            ):
                continue
            if pick.created is not None and payload.get("created") is not pick.created:
                continue
            chosen.append((pick, index, payload))
            break
        else:
            # The tag-push example is a nice-to-have that a future examples release
            # may drop; the pull request ones are what gate tests need.
            if pick.event != "push":
                raise SystemExit(f"no {pick.event}/{pick.action} example in {WEBHOOKS_PACKAGE}")
    return chosen


def relative(path: Path) -> str:
    """Path relative to the repository root, with forward slashes."""
    return path.relative_to(REPO_ROOT).as_posix()


def generate(openapi_tgz: Path, webhooks_tgz: Path) -> dict[Path, bytes]:
    """Return every vendored file's path and exact bytes."""
    check_version(openapi_tgz, OPENAPI_PACKAGE, OPENAPI_VERSION)
    check_version(webhooks_tgz, WEBHOOKS_PACKAGE, WEBHOOKS_VERSION)

    source = read_member(openapi_tgz, OPENAPI_SOURCE)
    doc = json.loads(source)
    subset_bytes = dump_json(build_subset(doc))

    outputs: dict[Path, bytes] = {SUBSET_PATH: subset_bytes}

    hooks_source = read_member(webhooks_tgz, WEBHOOKS_SOURCE)
    events: list[dict[str, Any]] = []
    for pick, index, payload in pick_events(json.loads(hooks_source)):
        target = EVENTS_DIR / pick.file_name
        data = dump_json(payload)
        outputs[target] = data
        events.append(
            {
                "file": relative(target),
                "event": pick.event,
                "action": payload.get("action"),
                "ref": payload.get("ref"),
                "example_index": index,
                "sha256": sha256_bytes(data),
            }
        )

    provenance = {
        "generated_by": GENERATION_COMMAND,
        "check_command": f"{GENERATION_COMMAND} --check",
        "openapi": {
            "npm_package": OPENAPI_PACKAGE,
            "version": OPENAPI_VERSION,
            "npm_command": f"npm pack {OPENAPI_PACKAGE}@{OPENAPI_VERSION}",
            "npm_integrity": npm_integrity(openapi_tgz.read_bytes()),
            "tarball_sha256": sha256_bytes(openapi_tgz.read_bytes()),
            "source_path": OPENAPI_SOURCE,
            "source_sha256": sha256_bytes(source),
            "openapi_version": doc["openapi"],
            "subset_path": relative(SUBSET_PATH),
            "subset_sha256": sha256_bytes(subset_bytes),
            "operations": [
                {
                    "method": method,
                    "path": path,
                    "operationId": doc["paths"][path][method.lower()]["operationId"],
                }
                for method, path in OPERATIONS
            ],
            "extra_components": list(EXTRA_COMPONENTS),
        },
        "webhook_examples": {
            "npm_package": WEBHOOKS_PACKAGE,
            "version": WEBHOOKS_VERSION,
            "npm_command": f"npm pack {WEBHOOKS_PACKAGE}@{WEBHOOKS_VERSION}",
            "npm_integrity": npm_integrity(webhooks_tgz.read_bytes()),
            "tarball_sha256": sha256_bytes(webhooks_tgz.read_bytes()),
            "source_path": WEBHOOKS_SOURCE,
            "source_sha256": sha256_bytes(hooks_source),
            "events": events,
        },
    }
    outputs[PROVENANCE_PATH] = dump_json(provenance)
    return outputs


def stale_files(outputs: dict[Path, bytes]) -> list[str]:
    """Name every vendored file whose bytes differ from ``outputs`` (or is extra)."""
    stale = [
        relative(path)
        for path, data in sorted(outputs.items())
        if not path.is_file() or path.read_bytes() != data
    ]
    # An event file left behind by an older pick list is stale too.
    if EVENTS_DIR.is_dir():
        stale.extend(
            relative(extra) for extra in sorted(EVENTS_DIR.glob("*.json")) if extra not in outputs
        )
    return stale


def write_outputs(outputs: dict[Path, bytes]) -> None:
    """Write every output file and drop event files no longer produced."""
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    for extra in EVENTS_DIR.glob("*.json"):
        if extra not in outputs:
            extra.unlink()
    for path, data in outputs.items():
        path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    """Entry point: regenerate (default) or verify (``--check``) the vendored files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory; exit 1 if any vendored file differs",
    )
    parser.add_argument("--openapi-tarball", type=Path, help=f"a local {OPENAPI_PACKAGE} tarball")
    parser.add_argument("--webhooks-tarball", type=Path, help=f"a local {WEBHOOKS_PACKAGE} tarball")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="regen-openapi-") as tmp:
        openapi_tgz = (
            args.openapi_tarball
            if args.openapi_tarball
            else npm_pack(f"{OPENAPI_PACKAGE}@{OPENAPI_VERSION}", Path(tmp))
        )
        webhooks_tgz = (
            args.webhooks_tarball
            if args.webhooks_tarball
            else npm_pack(f"{WEBHOOKS_PACKAGE}@{WEBHOOKS_VERSION}", Path(tmp))
        )
        outputs = generate(openapi_tgz, webhooks_tgz)

    if args.check:
        stale = stale_files(outputs)
        if stale:
            print("stale vendored files (run " + GENERATION_COMMAND + "):", file=sys.stderr)
            for name in stale:
                print(f"  {name}", file=sys.stderr)
            return 1
        print(f"{len(outputs)} vendored files are up to date")
        return 0

    write_outputs(outputs)
    for path in sorted(outputs):
        print(f"wrote {relative(path)} ({len(outputs[path]):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
