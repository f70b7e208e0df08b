"""PEP 517 build backend for the klar-lint wheel: maturin, plus the `klar-lint` binary.

maturin builds the `klar_lint._native` module (pyo3, cargo feature `python`) but ships either
a module or a command, not both (PyO3/maturin#368). Before maturin builds a wheel, this builds
the command with cargo, exactly as `cargo install` would (default features, the `release`
profile unless KLAR_LINT_WHEEL_PROFILE names another), and copies it to
target/wheel-data/scripts/, the `data` directory of pyproject.toml: the wheel carries it in
`klar_lint-<version>.data/scripts/`, and pip installs it on PATH unchanged.

`python python/build_backend/klar_lint_backend.py` builds just the binary (the release
workflow runs it before maturin-action).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any, List, Mapping, Optional

# maturin is imported in the hooks only: building just the binary (the release workflow runs
# this file as a script before maturin-action) needs nothing but cargo.

DATA_DIR = os.path.join("target", "wheel-data")


def _target_dir(cargo: str) -> str:
    if os.environ.get("CARGO_TARGET_DIR"):
        return os.environ["CARGO_TARGET_DIR"]
    out = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps"],
        check=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out)["target_directory"]


def build_binary() -> str:
    """Builds `klar-lint` and copies it into the wheel's data scripts; returns its path."""
    cargo = os.environ.get("CARGO", "cargo")
    profile = os.environ.get("KLAR_LINT_WHEEL_PROFILE", "release")
    command = [cargo, "build", "--locked", "--profile", profile, "--bin", "klar-lint"]
    triple = os.environ.get("CARGO_BUILD_TARGET")
    print("Running `{}`".format(" ".join(command)), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=sys.stderr)
    folder = {"dev": "debug", "test": "debug", "bench": "release"}.get(profile, profile)
    parts = [_target_dir(cargo)] + ([triple] if triple else []) + [folder]
    exe = "klar-lint.exe" if sys.platform == "win32" else "klar-lint"
    source = os.path.join(*parts, exe)
    scripts = os.path.join(DATA_DIR, "scripts")
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    os.makedirs(scripts)
    destination = os.path.join(scripts, exe)
    shutil.copy2(source, destination)
    return destination


def get_requires_for_build_wheel(config_settings: Optional[Mapping[str, Any]] = None) -> List[str]:
    import maturin

    return maturin.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings: Optional[Mapping[str, Any]] = None) -> List[str]:
    import maturin

    return maturin.get_requires_for_build_sdist(config_settings)


def _empty_data_dir() -> None:
    """maturin wants the data directory to exist; an sdist must not carry a binary."""
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    os.makedirs(DATA_DIR)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: Optional[Mapping[str, Any]] = None
) -> str:
    import maturin

    os.makedirs(DATA_DIR, exist_ok=True)
    return maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_sdist(sdist_directory: str, config_settings: Optional[Mapping[str, Any]] = None) -> str:
    import maturin

    _empty_data_dir()
    return maturin.build_sdist(sdist_directory, config_settings)


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    import maturin

    build_binary()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(
    wheel_directory: str,
    config_settings: Optional[Mapping[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    import maturin

    build_binary()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)


get_requires_for_build_editable = get_requires_for_build_wheel


if __name__ == "__main__":
    print(build_binary())
