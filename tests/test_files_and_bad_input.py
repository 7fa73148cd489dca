"""Bad input never crashes a gate: exit 2, a message with file:line and the fix, nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from releasekit.adapters.files import inside_repo, read_text, write_atomic
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
