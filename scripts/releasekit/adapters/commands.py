"""Running the user's own commands (monitoring, deploy, verify, kill switch) safely.

The release policy names commands as argument lists (``[python, -m, execution.mt5.kill_switch,
--activate, --reason, "{reason}"]``); ``core.rollout_plan.expand_template`` fills in the
placeholders. They run here, and only here:

* **no shell**: the list is the process's argv; a placeholder such as ``{reason}`` becomes
  (part of) one argument and is never parsed again, so ``1.2; rm -rf ~`` stays text;
* **a timeout**: the command and everything it started (its process group) are killed;
* **an output cap**: stdout and stderr are read as they come and at most ``max_output_bytes``
  of each is kept; a command that writes more is killed (a runaway log cannot fill the runner);
* **no GitHub credentials**: the token releasekit uses is removed from the command's
  environment (threat 18), so a deploy script cannot read or leak it.

A command that cannot be started (not installed, not executable) is a configuration problem
(``InputError``, exit 2); what the command itself answered is returned as a ``CommandResult``
for the caller to judge.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from releasekit.errors import InputError

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024
# Variables that carry credentials of releasekit or of the runner itself; a user command has
# no business with them (its own secrets come through its own step environment).
SECRET_ENV = (
    "GITHUB_TOKEN",
    "RELEASEKIT_GITHUB_TOKEN",
    "GH_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_RUNTIME_TOKEN",
)
_CHUNK = 65536


@dataclass(frozen=True)
class CommandResult:
    """What a finished (or stopped) command did."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    output_over_limit: bool = False

    @property
    def ok(self) -> bool:
        """Exited 0 within the time and output limits."""
        return self.returncode == 0 and not self.timed_out and not self.output_over_limit

    def describe(self) -> str:
        """How it ended, in words for a finding (``exited 3``, ``timed out``...)."""
        if self.timed_out:
            return "did not finish in time and was stopped"
        if self.output_over_limit:
            return "wrote more output than the limit and was stopped"
        return f"exited {self.returncode}"

    def tail(self, limit: int = 400) -> str:
        """The last ``limit`` characters of stderr (else stdout), on one line, for messages."""
        text = (self.stderr or self.stdout).strip()
        text = " ".join(text.split())
        return text[-limit:]


def child_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a user command gets: ours without GitHub or runner credentials."""
    source = os.environ if base is None else base
    return {k: v for k, v in source.items() if k not in SECRET_ENV}


def run_command(
    argv: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    env: Mapping[str, str] | None = None,
) -> CommandResult:
    """Run ``argv`` (no shell) with a timeout and an output cap; see the module docstring.

    ``what`` names the command's role in messages ("deploy command"). ``env`` defaults to
    this process's environment; credentials are removed from it either way.
    """
    if not argv or not argv[0]:
        raise InputError(f"the {what} is empty", hint="give the command as a list: [program, arg]")
    args = list(argv)
    try:
        # NOTE: start_new_session puts the command in its own process group, so a timeout
        # stops the children it spawned too (a deploy script's `sleep` would otherwise live on).
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=child_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise InputError(
            f"the {what} {args[0]!r} was not found",
            hint="check the command in the release policy (is the program installed on the"
            " runner, and is the path relative to the repository?)",
        ) from None
    except PermissionError:
        raise InputError(
            f"the {what} {args[0]!r} is not executable",
            hint="make it executable, or run it through its interpreter: [python, script.py]",
        ) from None
    except OSError as exc:
        raise InputError(f"cannot start the {what} {args[0]!r}: {exc.strerror}") from None

    over_limit = threading.Event()
    outputs: dict[str, bytes] = {}

    def drain(name: str, stream: IO[bytes]) -> None:
        kept = bytearray()
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            room = max_output_bytes - len(kept)
            kept += chunk[:room]
            if len(chunk) > room and not over_limit.is_set():
                over_limit.set()
                _kill(proc)
        outputs[name] = bytes(kept)

    # Both are PIPEs (asked for above); the asserts narrow the types for mypy.
    assert proc.stdout is not None
    assert proc.stderr is not None
    readers = [
        threading.Thread(target=drain, args=("stdout", proc.stdout), daemon=True),
        threading.Thread(target=drain, args=("stderr", proc.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(proc)
        proc.wait()
    for reader in readers:
        reader.join()
    proc.stdout.close()
    proc.stderr.close()
    return CommandResult(
        argv=tuple(args),
        returncode=proc.returncode,
        stdout=outputs.get("stdout", b"").decode("utf-8", "replace"),
        stderr=outputs.get("stderr", b"").decode("utf-8", "replace"),
        timed_out=timed_out,
        output_over_limit=over_limit.is_set(),
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the command's whole process group (it may already be gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
