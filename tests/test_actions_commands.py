"""Workflow commands and file commands written by the runner's escaping rules (adapters.actions)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from releasekit.adapters.actions import (
    Runtime,
    escape_data,
    escape_property,
    format_command,
    key_value_block,
)
from releasekit.errors import InfraError


def test_data_escapes_percent_first_then_cr_and_lf() -> None:
    # "%" first: an escaped "\n" (%0A) must not become %250A.
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"


def test_properties_also_escape_colon_and_comma() -> None:
    assert escape_property("C:\\x,y%\n") == "C%3A\\x%2Cy%25%0A"


def test_a_command_joins_escaped_properties_with_commas() -> None:
    line = format_command("error", {"file": "a,b.py", "line": "3", "title": "T:1"}, "bad\nthing")
    assert line == "::error file=a%2Cb.py,line=3,title=T%3A1::bad%0Athing"
    assert format_command("add-mask", {}, "s3cret") == "::add-mask::s3cret"


def test_a_value_cannot_close_its_own_output_block() -> None:
    hostile = "x\nghadelimiter_0\nversion=9.9.9"
    first, second = key_value_block("notes", hostile), key_value_block("notes", hostile)
    head, _, rest = first.partition(os.linesep)
    delimiter = head.removeprefix("notes<<")
    assert delimiter.startswith("ghadelimiter_")
    assert len(delimiter) > len("ghadelimiter_") + 30
    assert rest == f"{hostile}{os.linesep}{delimiter}"
    assert first != second  # a fresh random delimiter every time


def test_outputs_append_blocks_to_the_runners_file(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.write_text("earlier=1\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out)}
    Runtime(True, io.StringIO(), env).set_outputs({"a": "1", "b": "two"})
    lines = out.read_text().splitlines()
    assert lines[0] == "earlier=1"
    assert [lines[1].split("<<")[0], lines[2], lines[4].split("<<")[0], lines[5]] == [
        "a",
        "1",
        "b",
        "two",
    ]


def test_a_missing_output_file_is_an_infrastructure_error(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "absent")}
    with pytest.raises(InfraError, match="GITHUB_OUTPUT"):
        Runtime(True, io.StringIO(), env).set_outputs({"a": "1"})
    assert not (tmp_path / "absent").exists()
