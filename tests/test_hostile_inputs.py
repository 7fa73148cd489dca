"""No command answers any input with a traceback: exit 0-3 and a message, whatever the files say.

The property drives every command of the ``releasekit`` dispatcher (the composite action's
entry point) on a copy of the example desk in which one file is replaced by arbitrary bytes
or by one of the inputs Python itself refuses (nesting thousands deep, a 5,000-digit number,
text that is not UTF-8, NaN), with arbitrary extra arguments. GitHub is pointed at a closed
loopback port, so commands that need it fail fast with exit 3, never reach the network.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releasekit.adapters.files import write_atomic
from releasekit.cli import COMMANDS
from releasekit.cli import main as releasekit_main
from releasekit.errors import InputError

DESK = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"
FIXTURE = ".releasekit/signoff-fixture.json"
STATE = "rollout-state.json"

# Every command, with the arguments that take it past option parsing into its files.
ARGV: dict[str, list[str]] = {
    "check-changelog": ["check-changelog", "--repo=."],
    "bump-version": ["bump-version", "--repo=.", "--dry-run", "--part=patch", "--allow-empty"],
    "verify-audit": ["verify-audit", "--repo=."],
    "release-check": ["release-check", "--repo=."],
    "signoff-gate": ["signoff-gate", "--repo=.", f"--fixture={FIXTURE}"],
    "policy": ["policy", "validate", "--repo=."],
    "rollout": ["rollout", "--repo=.", "decide", f"--state={STATE}", "--now=2026-12-01T00:00Z"],
    "rollback": ["rollback", "--repo=."],
    "hotfix-sla": ["hotfix-sla", "--repo=."],
    "tracker": ["tracker", "--repo=."],
    "init": ["init", "--repo=.", "--dry-run"],
    "doctor": ["doctor", "--repo=."],
    "self-ref": ["self-ref"],
    "evidence": ["evidence", "--repo=."],
}
FILES = [
    "CHANGELOG.md",
    "version.yaml",
    ".github/release-policy.yml",
    "docs/audits/audit_log.md",
    "docs/audits/ict_qm_audit.md",
    "docs/paper/ict_qm_paper.md",
    "strategies/pine_v6/ict_qm.pine",
    FIXTURE,
    STATE,
]
# Inputs Python refuses on its own (the ones the issue found as tracebacks) and their kin.
NASTY = [
    b"[" * 5000,
    b"a: " + b"[" * 5000,
    b"{" * 100_000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b"- " * 5000 + b"x",
    b"version: " + b"9" * 5000 + b"\n",
    b'{"pull_request": {"number": ' + b"9" * 5000 + b"}}",
    b"thresholds:\n  paper_max_divergence: .nan\n  paper_min_trades: .inf\n",
    b'{"stage": NaN, "size": Infinity}',
    b"\xff\xfe\x00\x00",
    b"\xef\xbb\xbf\xc3\x28",
    b"a: &x [*x]\n",
    b"!!python/object:os.system ls\n",
    b"- !!timestamp 2024-13-45\n",
    b"- !!int 0x\n",
    b"",
]
contents = st.one_of(
    st.sampled_from(NASTY), st.binary(max_size=300), st.text(max_size=300).map(str.encode)
)
extra_args = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "--tag=v1.2.3",
                "--tag=v9" + "9" * 5000,
                "--format=json",
                "--format=markdown",
                "--as-of=2024-02-30",
                "--version=1.2.3",
                "--pr=" + "9" * 5000,
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=3,
)


@contextlib.contextmanager
def offline_env(tmp: Path) -> Iterator[None]:
    """No token, GitHub on a closed port, Actions files in ``tmp``: nothing leaves the machine."""
    env = {
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "GITHUB_ACTIONS": "false",
        "GITHUB_REPOSITORY": "acme/trading-desk",
        "GITHUB_OUTPUT": str(tmp / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
    }
    gone = ("GITHUB_TOKEN", "RELEASEKIT_GITHUB_TOKEN", "GH_TOKEN", "RELEASEKIT_DEBUG")
    with mock.patch.dict(os.environ, env):
        for name in gone:
            os.environ.pop(name, None)
        cwd = Path.cwd()
        try:
            yield
        finally:
            os.chdir(cwd)


def run_in(repo: Path, argv: list[str]) -> tuple[int, str, str]:
    """``releasekit.cli.main(argv)`` run in ``repo``, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    os.chdir(repo)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = releasekit_main(argv)
    return code, out.getvalue(), err.getvalue()


def desk(tmp: Path) -> Path:
    repo = tmp / "desk"
    shutil.copytree(DESK, repo)
    (repo / STATE).write_text('{"version": "1.2.3"}\n')
    return repo


def assert_answered(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2, 3), (code, out, err)
    assert "Traceback (most recent call last)" not in err + out, err


def argv_for(command: str) -> list[str]:
    """The command's arguments above; a command added since runs with just ``--repo``."""
    return ARGV.get(command, [command, "--repo=."])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    target=st.sampled_from(FILES),
    data=contents,
    extra=extra_args,
)
def test_no_command_answers_any_input_with_a_traceback(
    tmp_path_factory: pytest.TempPathFactory,
    command: str,
    target: str,
    data: bytes,
    extra: list[str],
) -> None:
    tmp = tmp_path_factory.mktemp("input")
    repo = desk(tmp)
    (repo / target).parent.mkdir(parents=True, exist_ok=True)
    (repo / target).write_bytes(data)
    with offline_env(tmp):
        code, out, err = run_in(repo, [*argv_for(command), *extra])
    assert_answered(code, out, err)


@pytest.mark.parametrize("data", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("target", FILES)
def test_each_refused_input_in_each_file_is_exit_2_or_a_verdict(
    tmp_path: Path, target: str, data: bytes
) -> None:
    # The deterministic core of the property, run by a command that reads the file.
    repo = desk(tmp_path)
    (repo / target).write_bytes(data)
    command = {FIXTURE: "signoff-gate", STATE: "rollout"}.get(target, "release-check")
    with offline_env(tmp_path):
        assert_answered(*run_in(repo, ARGV[command]))


def test_deep_nesting_is_bad_input_with_a_message(tmp_path: Path) -> None:
    repo = desk(tmp_path)
    (repo / STATE).write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    with offline_env(tmp_path):
        code, out, err = run_in(repo, ARGV["rollout"])
    assert code == 2
    assert "Traceback" not in err
    assert "nested too deeply" in out or STATE in out


def test_a_crash_is_exit_3_with_a_message_and_the_traceback_only_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import releasekit.cli.check_changelog as command

    def broken(argv: list[str] | None = None) -> int:
        raise KeyError("boom")

    monkeypatch.setattr(command, "main", broken)
    repo = desk(tmp_path)
    with offline_env(tmp_path):
        code, _, err = run_in(repo, ["check-changelog"])
        assert code == 3
        assert "internal error: KeyError" in err
        assert "Traceback" not in err
        monkeypatch.setenv("RELEASEKIT_DEBUG", "1")
        code, _, err = run_in(repo, ["check-changelog"])
    assert code == 3
    assert "Traceback (most recent call last)" in err


def test_unreadable_repository_content_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root reads everything, so the refusal is simulated where the file is opened.
    repo = desk(tmp_path)
    real = Path.read_bytes

    def no_permission(self: Path) -> bytes:
        if self.name == "ict_qm_paper.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", no_permission)
    with offline_env(tmp_path):
        code, out, err = run_in(repo, ARGV["verify-audit"])
    assert code == 2, out + err
    assert "Permission denied" in out + err
    assert "Traceback" not in err


# --- writes: refuse what the user may not write; leave nothing behind -----------------------


def test_a_read_only_file_is_refused_and_every_file_is_unchanged(tmp_path: Path) -> None:
    a, b = tmp_path / "version.yaml", tmp_path / "CHANGELOG.md"
    a.write_text("old a")
    b.write_text("old b")
    b.chmod(0o444)
    with pytest.raises(InputError, match="read-only") as caught:
        write_atomic({a: "new a", b: "new b"})
    assert caught.value.problem.file == b.as_posix()
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CHANGELOG.md", "version.yaml"]


@pytest.mark.parametrize(
    ("errno_", "reason"),
    [
        pytest.param(1, "immutable", id="immutable"),
        pytest.param(30, "read-only file system", id="read-only-mount"),
    ],
)
def test_immutable_or_read_only_mount_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errno_: int, reason: str
) -> None:
    # chattr +i and a read-only mount need privileges a test does not have: the refusal the
    # kernel gives on opening such a file for writing is simulated.
    target = tmp_path / "version.yaml"
    target.write_text("old")
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if Path(path) == target and flags & os.O_WRONLY:
            raise OSError(errno_, os.strerror(errno_), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(InputError, match=reason):
        write_atomic({target: "new"})
    assert target.read_text() == "old"


def test_a_failed_write_leaves_no_new_directory_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "init on a full disk": the directories made for the new files go again when a write fails.
    first = tmp_path / ".github" / "workflows" / "pr-gate.yml"
    second = tmp_path / "docs" / "audits" / "audit_log.md"
    real_fdopen = os.fdopen
    calls = {"n": 0}

    def full_disk(fd: int, *args: object, **kwargs: object) -> io.TextIOWrapper:
        calls["n"] += 1
        if calls["n"] == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[no-any-return, call-overload]

    monkeypatch.setattr(os, "fdopen", full_disk)
    with pytest.raises(InputError, match="No space left"):
        write_atomic({first: "a", second: "b"})
    assert list(tmp_path.iterdir()) == []


def test_missing_directories_are_made_for_a_write(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c.txt"
    write_atomic({target: "x"})
    assert target.read_text() == "x"


def test_bump_version_refuses_a_read_only_version_file(tmp_path: Path) -> None:
    repo = desk(tmp_path)
    before = {p: p.read_bytes() for p in (repo / "version.yaml", repo / "CHANGELOG.md")}
    (repo / "version.yaml").chmod(0o444)
    with offline_env(tmp_path):
        code, out, err = run_in(
            repo, ["bump-version", "--repo=.", "--part=patch", "--allow-empty", "--summary=x"]
        )
    assert code == 2, out + err
    assert "read-only" in out
    assert {p: p.read_bytes() for p in before} == before


def test_json_nan_is_not_a_crash(tmp_path: Path) -> None:
    repo = desk(tmp_path)
    (repo / STATE).write_text(json.dumps({"version": "1.2.3", "size": float("nan")}))
    with offline_env(tmp_path):
        assert_answered(*run_in(repo, ARGV["rollout"]))


def test_init_on_a_full_disk_leaves_no_empty_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    real_fdopen = os.fdopen
    calls = {"n": 0}

    def full_disk(fd: int, *args: object, **kwargs: object) -> io.TextIOWrapper:
        calls["n"] += 1
        if calls["n"] == 3:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[no-any-return, call-overload]

    monkeypatch.setattr(os, "fdopen", full_disk)
    with offline_env(tmp_path):
        code, out, err = run_in(repo, ["init", "--repo=."])
    assert code == 2, out + err
    assert list(repo.iterdir()) == []
