"""The `klar-lint` command the wheel puts on PATH: the same binary, flags and exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

EXE = shutil.which("klar-lint")
pytestmark = pytest.mark.skipif(EXE is None, reason="the klar-lint command is not on PATH")


def run(*args, exe=None):
    return subprocess.run(
        [exe or EXE, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )


def test_it_is_the_installed_native_binary():
    path = Path(EXE).resolve()
    assert path.parent == Path(sysconfig.get_path("scripts")).resolve()
    head = path.read_bytes()[:4]
    assert head in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe") or head[:2] == b"MZ", head


def test_exit_codes():
    assert run("examples/payloads").returncode == 0
    assert run("examples/broken").returncode == 1
    bad = run("--no-such-flag")
    assert bad.returncode == 2 and "--no-such-flag" in bad.stderr
    assert run("--version").stdout.startswith("klar-lint ")


@pytest.mark.skipif(not os.environ.get("KLAR_LINT_CARGO_BIN"), reason="KLAR_LINT_CARGO_BIN not set")
def test_same_output_as_the_cargo_build():
    cargo = os.environ["KLAR_LINT_CARGO_BIN"]
    for args in (["examples/"], ["--format", "json", "examples/"], ["--format", "klar", "examples/"]):
        ours, theirs = run(*args), run(*args, exe=cargo)
        assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
