"""Shared fixtures: the repository's example payloads, and the installed package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("KLAR_LINT_ROOT", Path(__file__).resolve().parents[2]))
EXAMPLES = ROOT / "examples"
PAYLOADS = EXAMPLES / "payloads"
BROKEN = EXAMPLES / "broken"


@pytest.fixture(scope="session")
def linter():
    import klar_lint

    return klar_lint.Linter()
