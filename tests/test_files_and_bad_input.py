"""Bad input never crashes a gate: exit 2, a message with file:line and the fix, nothing written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from releasekit.adapters.files import inside_repo, read_text, walk_files, write_atomic
from releasekit.cli import main as releasekit_main
from releasekit.cli.check_changelog import main as check_changelog
from releasekit.errors import InputError

GOOD_CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n"
GOOD_VERSION = 'version: 1.0.0\nrelease_date: 2024-01-01\nchangelog:\n- "1.0.0: x"\n'


def make_repo(tmp_path: Path, changelog: bytes | None, version: bytes | None) -> Path:
    if changelog is not None:
        (tmp_path / "CHANGELOG.md").write_bytes(changelog)
    if version is not None:
        (tmp_path / "version.yaml").write_bytes(version)
    return tmp_path


@pytest.mark.parametrize(
    ("changelog", "version", "needle", "line"),
    [
        pytest.param(None, GOOD_VERSION.encode(), "changelog not found", None, id="missing-file"),
        pytest.param(
            b"# C\n\x00\x01binary", GOOD_VERSION.encode(), "binary file", 2, id="binary-file"
        ),
        pytest.param(
            b"# C\n\n## [Unreleased]\n\xff\xfe bad\n",
            GOOD_VERSION.encode(),
            "not valid UTF-8",
            4,
            id="non-utf8",
        ),
        pytest.param(
            GOOD_CHANGELOG.encode(), b"version: [1.0.0\n", "invalid YAML", 2, id="malformed-yaml"
        ),
        pytest.param(
            GOOD_CHANGELOG.encode(),
            b"version: 1.0.0\nversion: 1.0.1\n",
            "duplicate key 'version'",
            2,
            id="duplicate-key",
        ),
        pytest.param(
            GOOD_CHANGELOG.encode(),
            b'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
            b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
            "aliases",
            2,
            id="alias-bomb",
        ),
        pytest.param(
            GOOD_CHANGELOG.encode(),
            b"- a\n- b\n",
            "must be a mapping",
            1,
            id="version-yaml-not-a-mapping",
        ),
    ],
)
def test_bad_input_exits_2_with_location(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changelog: bytes | None,
    version: bytes | None,
    needle: str,
    line: int | None,
) -> None:
    repo = make_repo(tmp_path, changelog, version)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = check_changelog(["--repo", str(repo), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert out["verdict"] == "error"
    assert out["exit_code"] == 2
    assert needle in out["problem"]["message"]
    assert out["problem"]["line"] == line
    assert out["problem"]["hint"] or needle == "invalid YAML"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_directory_where_a_file_should_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "CHANGELOG.md").mkdir()
    assert check_changelog(["--repo", str(tmp_path)]) == 2
    assert "not a regular file" in capsys.readouterr().out


def test_fifty_megabyte_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "CHANGELOG.md"
    with big.open("wb") as fh:  # sparse: the test does not need 50 MB of disk or memory
        fh.truncate(50 * 1024 * 1024)
    assert check_changelog(["--repo", str(tmp_path)]) == 2
    assert "over the" in capsys.readouterr().out


def test_no_traceback_on_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, b"\xff", None)
    check_changelog(["--repo", str(tmp_path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("../outside.md", id="dot-dot"),
        pytest.param("/etc/passwd", id="absolute"),
        pytest.param("a/../../outside.md", id="dot-dot-inside"),
    ],
)
def test_inside_repo_refuses_escapes(tmp_path: Path, relative: str) -> None:
    with pytest.raises(InputError):
        inside_repo(tmp_path, relative, what="strategy")


def test_inside_repo_refuses_symlink_escape(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link").symlink_to(outside)
    with pytest.raises(InputError, match="symlink"):
        inside_repo(repo, "link/secret.md", what="audit report")
    assert inside_repo(repo, "docs/x.md", what="audit report") == repo.resolve() / "docs/x.md"


def test_read_text_normalises_line_endings_and_bom(tmp_path: Path) -> None:
    p = tmp_path / "f.md"
    p.write_bytes(b"\xef\xbb\xbfa\r\nb\rc\n")
    assert read_text(p, what="file") == "a\nb\nc\n"


def test_write_atomic_writes_every_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    write_atomic({a: "new a", b: "new b"})
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_write_atomic_changes_nothing_when_one_target_cannot_be_written(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("old a")
    under_a_file = tmp_path / "a.txt" / "b.txt"  # a directory that cannot be created
    with pytest.raises(InputError):
        write_atomic({a: "new a", under_a_file: "new b"})
    assert a.read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_write_atomic_rolls_back_when_a_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    b.write_text("old b")
    real_replace = Path.replace
    calls = {"n": 0}

    def flaky_replace(self: Path, target: os.PathLike[str] | str) -> Path:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", flaky_replace)
    with pytest.raises(InputError, match="no file was changed"):
        write_atomic({a: "new a", b: "new b"})
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


# -- the symlink rule (docs/security.md) ---------------------------------------------------------

SECRET = "root:x:0:0:SECRET-TARGET-LINE\n"


def outside_file(tmp_path: Path) -> Path:
    target = tmp_path / "outside" / "passwd"
    target.parent.mkdir(parents=True)
    target.write_text(f"## {SECRET}")
    return target


def test_a_changelog_symlinked_outside_is_exit_2_naming_the_link_not_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = outside_file(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    make_repo(repo, None, GOOD_VERSION.encode())
    (repo / "CHANGELOG.md").symlink_to(target)
    assert check_changelog(["--repo", str(repo), "--format", "json"]) == 2
    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["problem"]["file"].endswith("CHANGELOG.md")
    assert "outside the repository" in report["problem"]["message"]
    assert "SECRET-TARGET-LINE" not in out
    assert str(target) not in out


@pytest.mark.parametrize("in_a_checkout", [True, False], ids=["git-checkout", "plain-directory"])
def test_read_text_refuses_a_symlink_leading_outside(tmp_path: Path, in_a_checkout: bool) -> None:
    target = outside_file(tmp_path)
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    if in_a_checkout:
        (repo / ".git").mkdir()
    (repo / "docs" / "audit.md").symlink_to(target)
    with pytest.raises(InputError, match="outside the repository") as caught:
        read_text(repo / "docs" / "audit.md", what="audit report", shown_as="docs/audit.md")
    assert caught.value.problem.file == "docs/audit.md"
    assert str(target) not in str(caught.value)


def test_a_directory_on_the_way_that_leads_outside_is_refused(tmp_path: Path) -> None:
    target = outside_file(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "docs").symlink_to(target.parent)
    with pytest.raises(InputError, match="outside the repository"):
        read_text(repo / "docs" / "passwd", what="audit report", root=repo)


def test_a_symlink_inside_the_repository_is_read_under_its_own_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "shared").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / ".git").mkdir()
    (repo / "shared" / "audit.md").write_text("# Audit\n")
    (repo / "docs" / "audit.md").symlink_to(repo / "shared" / "audit.md")
    assert read_text(repo / "docs" / "audit.md", what="audit report") == "# Audit\n"
    assert read_text(repo / "docs" / "audit.md", what="audit report", root=repo) == "# Audit\n"


def test_walk_files_refuses_links_leading_outside_and_does_not_descend_inside_ones(
    tmp_path: Path,
) -> None:
    target = outside_file(tmp_path)
    repo = tmp_path / "repo"
    strategies = repo / "strategies"
    (strategies / "real").mkdir(parents=True)
    (strategies / "real" / "a.pine").write_text("//")
    (strategies / "again").symlink_to(strategies / "real")  # inside: walked where it is
    (strategies / ".hidden").mkdir()
    (strategies / ".hidden" / "h.pine").write_text("//")
    found = [p.relative_to(repo).as_posix() for p in walk_files(repo, "strategies", what="x")]
    assert found == ["strategies/real/a.pine"]

    (strategies / "elsewhere").symlink_to(target.parent)
    with pytest.raises(InputError, match="outside the repository") as caught:
        list(walk_files(repo, "strategies", what="strategy"))
    assert caught.value.problem.file == "strategies/elsewhere"
    (strategies / "elsewhere").unlink()

    (strategies / "real" / "b.pine").symlink_to(target)
    with pytest.raises(InputError, match="outside the repository"):
        list(walk_files(repo, "strategies", what="strategy"))


def test_a_strategies_directory_symlinked_outside_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"
    repo = tmp_path / "desk"
    shutil.copytree(desk, repo)
    outside = tmp_path / "outside-strategies"
    shutil.move(repo / "strategies", outside)
    (repo / "strategies").symlink_to(outside)
    assert releasekit_main(["verify-audit", "--repo", str(repo)]) == 2
    assert "strategies" in capsys.readouterr().out


def test_a_strategy_folder_linked_outside_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"
    repo = tmp_path / "desk"
    shutil.copytree(desk, repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen.pine").write_text("// not part of the repository\n")
    (repo / "strategies" / "more").symlink_to(outside)
    assert releasekit_main(["verify-audit", "--repo", str(repo)]) == 2
    assert "strategies/more" in capsys.readouterr().out


def test_bump_version_refuses_a_strategy_folder_linked_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The strategy search walks by the one symlink rule: the linked folder was skipped before,
    # so a copy of the strategy outside the repository went unnoticed.
    desk = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"
    repo = tmp_path / "desk"
    shutil.copytree(desk, repo)
    outside = outside_file(tmp_path).parent
    (repo / "strategies" / "more").symlink_to(outside)
    argv = ["bump-version", f"--repo={repo}", "--dry-run", "--part=patch", "--allow-empty"]
    code = releasekit_main([*argv, "--summary=x", "--strategy=ICT_QM", "--strategy-version=patch"])
    out = capsys.readouterr().out
    assert code == 2, out
    assert "strategies/more" in out
    assert SECRET not in out


def hotfix_sla_with_linked_post_mortem(tmp_path: Path, target: Path) -> list[str]:
    """The desk with hotfix v1.2.4-hotfix, whose post-mortem is a link to ``target``; the
    hotfix-sla command line for an hour past the post-mortem's deadline."""
    desk = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"
    repo = tmp_path / "desk"
    shutil.copytree(desk, repo)
    (repo / "docs" / "postmortems").mkdir(exist_ok=True)
    (repo / "docs" / "postmortems" / "v1.2.4-hotfix.md").symlink_to(target)
    tags = tmp_path / "tags.txt"
    tags.write_text("v1.2.4-hotfix 2024-01-15T10:00:00Z\n")
    return ["hotfix-sla", f"--repo={repo}", f"--tags={tags}", "--now=2024-01-16T11:00:00Z"]


def test_hotfix_sla_refuses_a_post_mortem_linked_outside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = hotfix_sla_with_linked_post_mortem(tmp_path, outside_file(tmp_path))
    code = releasekit_main(argv)
    out = capsys.readouterr().out
    assert code == 2, out
    assert "docs/postmortems/v1.2.4-hotfix.md" in out
    assert SECRET not in out


def test_a_post_mortem_linked_inside_the_repository_counts_under_its_own_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inside = tmp_path / "desk" / "notes" / "pm.md"
    argv = hotfix_sla_with_linked_post_mortem(tmp_path, inside)
    inside.parent.mkdir()
    inside.write_text("# Post-mortem v1.2.4-hotfix\n")
    assert releasekit_main([*argv, "--format=json"]) == 1
    found = {f["rule"]: f["message"] for f in json.loads(capsys.readouterr().out)["findings"]}
    # Read, under the link's name: found but not yet landed on the default branch (no git).
    assert "docs/postmortems/v1.2.4-hotfix.md has not landed" in found["HFX009"]
    assert "notes/pm.md" not in found["HFX009"]
