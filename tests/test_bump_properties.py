"""Properties of bump-version over generated release histories.

* Bump, then check: whenever the bump passes, the new files pass the check-changelog
  evaluation; valid files are never refused after editing; and it blocks exactly when the
  requested bump is smaller than [Unreleased] needs (BMP001) or there is nothing to release
  (BMP002).
* The edit is minimal: old releases keep their notes, [Unreleased]'s body becomes the new
  release's, and version.yaml loses no line other than the two values it replaces.
* ``--dry-run`` leaves every byte unchanged.
* Hotfix ordering: a hotfix is greater than the release it fixes, the next hotfix greater
  still, and the follow-up release greater than every hotfix before it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.cli.bump_version import main
from releasekit.core.versioning.bump import PART_CHOICES, BumpRequest, SourceFile, evaluate_bump
from releasekit.core.versioning.changelog import SECTION_NAMES, parse_changelog
from releasekit.core.versioning.release_rules import evaluate_release_files
from releasekit.core.versioning.version_file import parse_version_file
from releasekit.core.versioning.versions import (
    Version,
    bump_kind,
    is_hotfix,
    is_production,
    next_version,
)
from releasekit.errors import InputError

AS_OF = dt.date(2024, 6, 30)
BASE_URL = "https://github.com/desk/trading"
FAST = settings(max_examples=50, deadline=None)

# Entry and summary text with the characters that break naive quoting: quotes, backslashes,
# colons, backticks and non-ASCII.
_TEXT = st.text(alphabet="abcdefXYZ 0123456789\"'\\:,.!?()`é€", min_size=1, max_size=30).filter(
    lambda s: s.strip() != ""
)
_SIMPLE = st.text(alphabet="abcdefghij ", min_size=1, max_size=20).filter(lambda s: s.strip() != "")


@dataclass(frozen=True)
class Repo:
    """A generated valid repository: its files and the facts the test needs to predict."""

    changelog: str
    version_yaml: str | None
    releases: tuple[Version, ...]  # newest first
    unreleased: tuple[tuple[str, tuple[str, ...]], ...]  # (section, entries)


def _history(draw: st.DrawFn) -> list[Version]:
    """Versions oldest first, made with the runbook's steps (hotfixes and rcs included)."""
    v = Version(draw(st.integers(0, 2)), draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    out = [v]
    for step in draw(
        st.lists(st.sampled_from(["major", "minor", "patch", "hotfix", "rc"]), max_size=4)
    ):
        cur = out[-1]
        if step == "hotfix" and is_production(cur):
            out.append(next_version(cur, "patch", hotfix=True))
        elif step == "rc":
            out.append(next_version(cur, "minor", pre="rc"))
        else:
            out.append(next_version(cur, "patch" if step == "hotfix" else step))  # type: ignore[arg-type]
    return out


@st.composite
def repos(draw: st.DrawFn) -> Repo:
    """A changelog + version.yaml pair that passes check-changelog as of ``AS_OF``."""
    first_release = draw(st.integers(0, 9)) == 0
    history = [] if first_release else _history(draw)
    newest_first = list(reversed(history))
    day = AS_OF - dt.timedelta(days=draw(st.integers(0, 60)))
    dates = []
    for _ in newest_first:
        dates.append(day)
        day -= dt.timedelta(days=draw(st.integers(0, 20)))
    sections = draw(st.lists(st.sampled_from(SECTION_NAMES), unique=True, max_size=4))
    unreleased = []
    for name in sections:
        entries = draw(st.lists(_TEXT, min_size=1, max_size=3))
        if draw(st.integers(0, 5)) == 0:
            entries[0] = "**Breaking:** " + entries[0]
        unreleased.append((name, tuple(e.strip() for e in entries)))
    body = "".join(
        f"### {name}\n" + "".join(f"- {e}\n" for e in entries) + "\n"
        for name, entries in unreleased
    )
    blocks = []
    for i, (v, d) in enumerate(zip(newest_first, dates, strict=True)):
        # The newest release is checked by REL003: a Fixed-only release fits any bump.
        name = "Fixed" if i == 0 else draw(st.sampled_from(SECTION_NAMES))
        blocks.append(f"## [{v}] - {d}\n\n### {name}\n- Change in {v}.\n\n")
    links = _links(draw, newest_first)
    changelog = (
        "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n"
        + body
        + "".join(blocks)
        + links
    )
    vyaml = (
        None
        if first_release or not draw(st.booleans())
        else _version_yaml(draw, newest_first, dates[0])
    )
    return Repo(changelog, vyaml, tuple(newest_first), tuple(unreleased))


def _links(draw: st.DrawFn, newest_first: list[Version]) -> str:
    style = draw(st.sampled_from(["none", "v", "bare"]))
    if style == "none":
        return ""
    if not newest_first:
        return f"[Unreleased]: {BASE_URL}/commits/HEAD\n"
    p = "v" if style == "v" else ""
    dots = draw(st.sampled_from(["...", ".."]))
    lines = [f"[Unreleased]: {BASE_URL}/compare/{p}{newest_first[0]}{dots}HEAD"]
    for v, older in zip(newest_first, [*newest_first[1:], None], strict=True):
        url = (
            f"{BASE_URL}/compare/{p}{older}{dots}{p}{v}"
            if older is not None
            else f"{BASE_URL}/releases/tag/{p}{v}"
        )
        lines.append(f"[{v}]: {url}")
    return "\n".join(lines) + "\n"


def _version_yaml(draw: st.DrawFn, newest_first: list[Version], date: dt.date) -> str:
    def q(value: str) -> str:
        return draw(st.sampled_from([value, f'"{value}"', f"'{value}'"]))

    comment = st.sampled_from(["", "  # note"])
    item_quote = draw(st.sampled_from(['"', "'"]))
    indent = draw(st.sampled_from(["", "  "]))
    items = "".join(
        f"{indent}- {item_quote}{v}: {draw(_SIMPLE).strip()}{item_quote}{draw(comment)}\n"
        for v in newest_first
    )
    keys = [
        f"version: {q(str(newest_first[0]))}{draw(comment)}\n",
        f"release_date: {q(date.isoformat())}{draw(comment)}\n",
        f"changelog:{draw(comment)}\n"
        + draw(st.sampled_from(["", f"{indent}# newest first\n"]))
        + items,
    ]
    order = draw(st.permutations(keys))
    sep = draw(st.sampled_from(["", "\n", "# --\n"]))
    return draw(st.sampled_from(["", "# Version record.\n\n"])) + sep.join(order)


@st.composite
def requests(draw: st.DrawFn, repo: Repo) -> BumpRequest:
    """A bump request; its date lies between the newest release and ``AS_OF``."""
    newest = parse_changelog(repo.changelog, shown_as="c").releases
    low = dt.date.fromisoformat(newest[0].date) if newest and newest[0].date else AS_OF
    return BumpRequest(
        date=draw(st.dates(min_value=low, max_value=AS_OF)),
        part=draw(st.sampled_from(PART_CHOICES)),
        hotfix=draw(st.integers(0, 3)) == 0,
        pre=draw(st.sampled_from([None, None, "rc", "beta"])),
        summary=draw(st.none() | _TEXT),
        allow_empty=draw(st.booleans()),
    )


def needed(repo: Repo, base: Version) -> str:
    """What [Unreleased] needs, written out from the runbook (independent of release_check)."""
    names = {n for n, _ in repo.unreleased}
    breaking = any(e.startswith("**Breaking:**") for _, es in repo.unreleased for e in es)
    if "Removed" in names or breaking:
        return "minor" if base.major == 0 else "major"
    return "minor" if names - {"Fixed", "Security"} else "patch"


_RANK = {"pre": 0, "patch": 1, "minor": 2, "major": 3}


def sources(repo: Repo) -> tuple[SourceFile, SourceFile | None]:
    """The repo's files as the core receives them."""
    vf = SourceFile("version.yaml", repo.version_yaml) if repo.version_yaml is not None else None
    return SourceFile("CHANGELOG.md", repo.changelog), vf


@FAST
@given(st.data())
def test_bump_then_check_passes(data: st.DataObject) -> None:
    repo = data.draw(repos())
    request = data.draw(requests(repo))
    cl_src, vf_src = sources(repo)
    current = repo.releases[0] if repo.releases else Version(0, 0, 0)
    finals = [v for v in repo.releases if v.prerelease is None]
    base = finals[0] if finals else current
    need = needed(repo, base)
    empty = not repo.unreleased
    part = "patch" if request.hotfix else (need if request.part == "auto" else request.part)
    bad_request = request.hotfix and (
        request.part in ("major", "minor")
        or request.pre is not None
        or (current.prerelease is not None and not is_hotfix(current))
    )
    expected: Version | None = None
    if not bad_request:
        try:
            expected = next_version(current, part, hotfix=request.hotfix, pre=request.pre)  # type: ignore[arg-type]
        except InputError:
            # --pre beta after 1.3.0-rc.1 would go backwards (labels compare as text): refused.
            bad_request = True
    try:
        outcome = evaluate_bump(cl_src, vf_src, request, as_of=AS_OF)
    except InputError:
        assert bad_request or (empty and request.allow_empty and request.summary is None)
        return
    assert not bad_request
    assert expected is not None
    report = outcome.report
    assert report.problem is None, report  # valid files are never refused after editing
    kind = bump_kind(base, expected)
    too_small = kind is not None and kind != "pre" and _RANK[kind] < _RANK[need]
    blocking = {f.rule for f in report.findings if f.level == "error"}
    expected_blocks = {"BMP001"} if too_small else set()
    if empty and not request.allow_empty:
        expected_blocks.add("BMP002")
    assert blocking == expected_blocks
    if request.part == "auto" and not request.hotfix:
        assert "BMP001" not in blocking  # auto never asks for too small a bump
    if blocking:
        assert outcome.changes == {}
        return

    assert report.data["version"] == str(expected)
    assert expected > current
    new_cl = parse_changelog(outcome.changes["CHANGELOG.md"], shown_as="CHANGELOG.md")
    new_vf_text = outcome.changes.get("version.yaml")
    new_vf = (
        parse_version_file(new_vf_text, shown_as="version.yaml")
        if new_vf_text is not None
        else None
    )
    check = evaluate_release_files(new_cl, new_vf, as_of=AS_OF, tag=f"v{expected}")
    assert check.verdict == "pass", check.findings

    old_cl = parse_changelog(repo.changelog, shown_as="CHANGELOG.md")
    assert new_cl.releases[0].parsed == expected
    assert new_cl.releases[0].date == request.date.isoformat()
    assert new_cl.unreleased is not None
    assert new_cl.unreleased.entry_count == 0
    assert old_cl.unreleased is not None
    assert new_cl.notes(new_cl.releases[0]) == old_cl.notes(old_cl.unreleased)
    for old in old_cl.releases:
        assert old.parsed is not None
        moved = new_cl.release(old.parsed)
        assert moved is not None
        assert new_cl.notes(moved) == old_cl.notes(old)
    if repo.version_yaml is not None:
        assert new_vf_text is not None
        assert new_vf is not None
        _assert_only_values_changed(repo.version_yaml, new_vf_text)
        assert new_vf.entries[0].version == str(expected)


def _assert_only_values_changed(old: str, new: str) -> None:
    """Apart from the version and date lines and one new list item, every line is the same."""
    before = parse_version_file(old, shown_as="v")
    after = parse_version_file(new, shown_as="v")
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    drop_old = {before.version_line, before.release_date_line}
    drop_new = {after.version_line, after.release_date_line, after.entries[0].line}
    kept_old = [ln for i, ln in enumerate(old_lines, 1) if i not in drop_old]
    kept_new = [ln for i, ln in enumerate(new_lines, 1) if i not in drop_new]
    assert kept_new == kept_old
    assert len(new_lines) == len(old_lines) + 1


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_dry_run_changes_no_byte(data: st.DataObject) -> None:
    repo = data.draw(repos())
    request = data.draw(requests(repo))
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ):
        os.environ.pop("GITHUB_ACTIONS", None)
        root = Path(tmp)
        (root / "CHANGELOG.md").write_text(repo.changelog)
        if repo.version_yaml is not None:
            (root / "version.yaml").write_text(repo.version_yaml)
        before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.iterdir()}
        argv = ["--repo", tmp, "--dry-run", "--date", request.date.isoformat(), "--format", "json"]
        argv += ["--hotfix"] if request.hotfix else ["--part", request.part]
        argv += ["--pre", request.pre] if request.pre else []
        argv += ["--allow-empty"] if request.allow_empty else []
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(argv)
        after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.iterdir()}
        assert after == before
        report = json.loads(out.getvalue())
        assert report["exit_code"] == code
        if code == 0:
            assert report["data"]["dry_run"] is True
            assert report["data"]["diff"].startswith(f"--- a/{root.as_posix()}")


# --------------------------------------------------------------------------------------------
# Hotfix ordering


production = st.builds(Version, st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))


@FAST
@given(production, st.integers(1, 12), st.sampled_from(["major", "minor", "patch"]))
def test_hotfix_ordering(release: Version, hotfixes: int, follow_up: str) -> None:
    chain = [release]
    for _ in range(hotfixes):
        chain.append(next_version(chain[-1], "patch", hotfix=True))
    final = next_version(chain[-1], follow_up)  # type: ignore[arg-type]
    chain.append(final)
    assert chain == sorted(chain)  # SemVer precedence is release order
    assert len(set(chain)) == len(chain)
    assert all(is_hotfix(h) and is_production(h) for h in chain[1:-1])
    assert chain[1] == release.bump_patch().replace(prerelease="hotfix")
    if follow_up == "patch":
        assert final == release.bump_patch()  # the proper release the hotfix stood in for


@FAST
@given(st.data())
def test_hotfix_then_follow_up_release_both_pass(data: st.DataObject) -> None:
    repo = data.draw(repos())
    if not repo.releases or not is_production(repo.releases[0]):
        return  # hotfixes are cut from production releases only
    date = dt.date.fromisoformat(
        parse_changelog(repo.changelog, shown_as="c").releases[0].date or ""
    )
    cl_src, vf_src = sources(repo)
    # Whatever [Unreleased] held, the hotfix branch carries only the fix (runbook: minimal fix).
    cl_src = SourceFile(
        cl_src.name, _with_unreleased(cl_src.text, "### Fixed\n- Stop the bleeding.\n\n")
    )
    hot = evaluate_bump(cl_src, vf_src, BumpRequest(date=date, hotfix=True), as_of=AS_OF)
    assert hot.report.verdict == "pass", hot.report
    hotfix = Version.parse(hot.report.data["version"])
    assert hotfix > repo.releases[0]
    cl_after = hot.changes["CHANGELOG.md"].replace(
        "## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n- Root cause.\n", 1
    )
    vf_after = SourceFile("version.yaml", hot.changes["version.yaml"]) if vf_src else None
    follow = evaluate_bump(
        SourceFile("CHANGELOG.md", cl_after),
        vf_after,
        BumpRequest(date=date, part="patch"),
        as_of=AS_OF,
    )
    assert follow.report.verdict == "pass", follow.report
    final = Version.parse(follow.report.data["version"])
    assert final > hotfix > repo.releases[0]
    # The follow-up is the X.Y.Z the hotfix stood in for (1.2.4-hotfix[.N] -> 1.2.4).
    assert final == hotfix.finalize_version()


def _with_unreleased(changelog: str, body: str) -> str:
    """The changelog with [Unreleased]'s body replaced (generated text has no '#' or '[')."""
    head, rest = changelog.split("## [Unreleased]\n\n", 1)
    return f"{head}## [Unreleased]\n\n{body}{rest[rest.index('## [') :]}"
