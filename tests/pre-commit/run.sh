#!/usr/bin/env bash
# The pre-commit hook, end to end: installs pre-commit from PyPI into a virtualenv, makes a sample
# git repository with a clean payload and a broken one, and runs this repository's `klar-lint`
# hook on each with `pre-commit try-repo`. The hook must fail on the broken payload and pass on
# the clean one.
#
# try-repo tests a clone of HEAD: commit your changes first (uncommitted ones are not tested).
set -euo pipefail

begin=$(date +%s)
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "-- installing pre-commit into a virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit>=3,<5"
pre_commit="$work/venv/bin/pre-commit"
"$pre_commit" --version
echo "   ($(($(date +%s) - begin)) s)"

# The hook repository: a clone of HEAD (try-repo would otherwise test the working tree's diff).
git clone --quiet --no-hardlinks "$repo_root" "$work/klar-lint"

export PRE_COMMIT_HOME="$work/pre-commit-home"
# try-repo installs the hook into a fresh store on every call, so the second call would build
# klar-lint again from scratch; a shared target directory lets it reuse the compiled
# dependencies. Users' installs are not affected.
export CARGO_TARGET_DIR="$work/target"
# `language: rust` runs `cargo install --path .`, a release build. The release profile has no
# fat LTO (that is the `dist` profile); this test turns LTO off altogether to spare CI minutes.
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-off}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}"

sample="$work/sample"
mkdir -p "$sample/exports"
cp "$repo_root/examples/payloads/07.2025/orders/orders.json" "$sample/exports/clean-orders.json"
cp "$repo_root/examples/payloads/07.2025/orders/orders.jsonl" "$sample/exports/clean-orders.jsonl"
cp "$repo_root/examples/broken/orders-wrong-type.json" "$sample/exports/broken-orders.json"
# Files that are not payloads, as a new project has them (issue 15): the hook, with no `files:`
# pattern of the user's, must let them be committed.
mkdir -p "$sample/.vscode"
echo '{"name": "shop-export", "version": "1.0.0", "scripts": {"lint": "klar-lint exports"}}' >"$sample/package.json"
echo '{"json.schemas": [{"fileMatch": ["exports/*.json"], "url": "./schemas/07.2025/orders.schema.json"}]}' >"$sample/.vscode/settings.json"
cp -R "$repo_root/schemas" "$sample/schemas"   # the layout `klar-lint schema --out schemas` writes
cd "$sample"
git init --quiet
git add .
git -c user.name=klar-lint-ci -c user.email=ci@localhost commit --quiet -m "sample payloads"

echo "-- the hook on the broken payload (building the hook: this takes a few minutes)"
start=$(date +%s)
set +e
"$pre_commit" try-repo "$work/klar-lint" klar-lint --files exports/broken-orders.json >"$work/broken.log" 2>&1
broken_status=$?
set -e
echo "   (first try-repo, with the build: $(($(date +%s) - start)) s)"
if [ "$broken_status" -eq 0 ]; then
  cat "$work/broken.log"
  echo "FAIL: the hook passed on a broken payload" >&2
  exit 1
fi
if ! grep -q 'error\[schema\]' "$work/broken.log"; then
  cat "$work/broken.log"
  echo "FAIL: the hook failed, but not with klar-lint's finding" >&2
  exit 1
fi
grep -q 'taxRate' "$work/broken.log"

echo "-- the hook on the clean payloads"
if ! "$pre_commit" try-repo "$work/klar-lint" klar-lint \
  --files exports/clean-orders.json exports/clean-orders.jsonl >"$work/clean.log" 2>&1; then
  cat "$work/clean.log"
  echo "FAIL: the hook failed on clean payloads" >&2
  exit 1
fi
grep -q 'klar-lint.*Passed' "$work/clean.log"

echo "-- the hook on files that are not payloads"
# shellcheck disable=SC2046 # the file list, one word each
if ! "$pre_commit" try-repo "$work/klar-lint" klar-lint \
  --files package.json .vscode/settings.json $(find schemas -name '*.json' | sort) >"$work/other.log" 2>&1; then
  cat "$work/other.log"
  echo "FAIL: the hook failed on files that are not payloads" >&2
  exit 1
fi
grep -q 'klar-lint.*Passed' "$work/other.log"

echo "-- the hook's file filter: json, jsonl, ndjson and their .gz pass, others do not"
"$work/venv/bin/python" - "$work/klar-lint/.pre-commit-hooks.yaml" <<'PY'
import re, sys, yaml
hook = yaml.safe_load(open(sys.argv[1]))[0]
pattern = re.compile(hook["files"])
for name in ["a.json", "x/b.jsonl", "c.ndjson", "d.json.gz", "e.jsonl.gz"]:
    assert pattern.search(name), name
for name in ["a.txt", "b.json5", "c.jsonnet", "d.gz", "e.json.bak"]:
    assert not pattern.search(name), name
PY
echo "pre-commit hook OK: fails on the broken payload, passes on the clean ones ($(($(date +%s) - begin)) s in all)"
