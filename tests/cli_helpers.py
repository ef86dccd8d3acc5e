"""Run the kubeward command in-process and capture what it prints and returns."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from kubeward.cli.app import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: bytes | None = None) -> Outcome:
    capsys.readouterr()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    code = exit_info.value.code
    return Outcome(code if isinstance(code, int) else 0, captured.out, captured.err)
