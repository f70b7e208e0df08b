#!/usr/bin/env bash
# The Python package, end to end (run by .ci/run after `cargo test`, which built
# target/debug/klar-lint):
#   1. builds the wheel (module + the klar-lint binary) in a build virtualenv;
#   2. installs it into a fresh virtualenv with no Rust toolchain on PATH, and times it;
#   3. smoke test: the installed `klar-lint examples/` prints what the cargo build prints, with
#      the same exit code;
#   4. the pre-commit hook without Rust: a mirror repository (python/pre-commit-mirror/) that pins
#      the wheel, resolved from the wheel just built (no index), run with no cargo on PATH;
#   5. pytest (python/tests), against the installed wheel.
#
# KLAR_LINT_WHEEL_PROFILE picks the cargo profile of both builds. CI uses `wheel-ci` (release
# without fat LTO: the same code, built in a fraction of the time); the published wheels use
# `release` (.github/workflows/release.yml).
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo_root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
profile="${KLAR_LINT_WHEEL_PROFILE:-wheel-ci}"
cargo_bin="${KLAR_LINT_CARGO_BIN:-$repo_root/target/debug/klar-lint}"
pip_quiet=(--quiet --disable-pip-version-check)
stage_start=$(date +%s)
since() { echo "$(($(date +%s) - $1)) s"; }

echo "-- building the wheel (cargo profile $profile)"
start=$(date +%s)
python3 -m venv "$work/build"
"$work/build/bin/pip" install "${pip_quiet[@]}" "maturin>=1.9,<2.0"
# --no-build-isolation: the backend is in-tree and maturin is in this virtualenv already.
# manylinux_2_34: what the module and the binary need of glibc here (GLIBC_2.34 symbols at
# most, libc, libm and libgcc_s only); maturin audits the module and refuses the tag otherwise.
# The published Linux wheels are built in a manylinux_2_28 container (release.yml).
PATH="$work/build/bin:$PATH" KLAR_LINT_WHEEL_PROFILE="$profile" \
  MATURIN_PEP517_ARGS="--profile $profile --compatibility ${KLAR_LINT_MANYLINUX:-manylinux_2_34}" \
  "$work/build/bin/pip" wheel "${pip_quiet[@]}" --no-deps --no-build-isolation -w "$work/dist" . \
  >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; echo "FAIL: the wheel did not build" >&2; exit 1; }
wheel="$(ls "$work"/dist/klar_lint-*.whl)"
# maturin audits the module only: check the binary's glibc symbol versions too.
if command -v objdump >/dev/null; then
  newest="$(objdump -T target/wheel-data/scripts/klar-lint | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n | tail -1)"
  case "$newest" in
    GLIBC_2.[0-9] | GLIBC_2.[0-9].* | GLIBC_2.[12][0-9] | GLIBC_2.[12][0-9].* | GLIBC_2.3[0-4] | GLIBC_2.3[0-4].*) ;;
    *) echo "FAIL: the klar-lint binary needs $newest, newer than manylinux_2_34 allows" >&2; exit 1 ;;
  esac
fi
echo "   $(basename "$wheel"): $(($(stat -c %s "$wheel") / 1024 / 1024)) MB ($(since "$start"))"
"$work/build/bin/python" -m zipfile -l "$wheel" | awk 'NR > 1 {print "   " $1}'

echo "-- installing it into a fresh virtualenv with no Rust toolchain on PATH"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install "${pip_quiet[@]}" pytest "dask[distributed]" "pre-commit>=3,<5" mypy
no_rust_path="$work/venv/bin:/usr/local/bin:/usr/bin:/bin"
if PATH="$no_rust_path" command -v cargo >/dev/null || PATH="$no_rust_path" command -v rustc >/dev/null; then
  echo "FAIL: a Rust toolchain is on the test PATH ($no_rust_path)" >&2
  exit 1
fi
start=$(date +%s%N)
PATH="$no_rust_path" "$work/venv/bin/pip" install "${pip_quiet[@]}" --no-index "$wheel"
echo "   pip install of the wheel: $((($(date +%s%N) - start) / 1000000)) ms"
installed="$work/venv/bin/klar-lint"
test -x "$installed"

echo "-- smoke test: the installed klar-lint against the cargo build"
for args in "examples/" "--format json examples/" "--format klar examples/"; do
  set +e
  # shellcheck disable=SC2086  # $args is several words on purpose
  PATH="$no_rust_path" "$installed" $args >"$work/ours.out" 2>"$work/ours.err"
  ours=$?
  # shellcheck disable=SC2086
  "$cargo_bin" $args >"$work/theirs.out" 2>"$work/theirs.err"
  theirs=$?
  set -e
  if [ "$ours" != "$theirs" ] || ! cmp -s "$work/ours.out" "$work/theirs.out" \
    || ! cmp -s "$work/ours.err" "$work/theirs.err"; then
    diff "$work/ours.out" "$work/theirs.out" | head -20 || true
    echo "FAIL: \`klar-lint $args\` from the wheel (exit $ours) differs from the cargo build (exit $theirs)" >&2
    exit 1
  fi
  echo "   klar-lint $args: same output, exit $ours"
done

echo "-- the language: python hook through a mirror repository, no Rust on PATH"
mirror="$work/mirror"
cp -r python/pre-commit-mirror "$mirror"
(cd "$mirror" && git init --quiet && git add -A \
  && git -c user.name=klar-lint-ci -c user.email=ci@localhost commit --quiet -m mirror)
sample="$work/sample"
mkdir -p "$sample/exports"
cp examples/payloads/07.2025/orders/orders.json "$sample/exports/clean-orders.json"
cp examples/broken/orders-wrong-type.json "$sample/exports/broken-orders.json"
(cd "$sample" && git init --quiet && git add -A \
  && git -c user.name=klar-lint-ci -c user.email=ci@localhost commit --quiet -m sample)
start=$(date +%s)
# The mirror pins klar-lint==<version>: pip finds it among the wheel just built, not on PyPI.
hook() {
  (cd "$sample" && PATH="$no_rust_path" PRE_COMMIT_HOME="$work/pre-commit-home" \
    PIP_FIND_LINKS="$work/dist" "$work/venv/bin/pre-commit" try-repo "$mirror" klar-lint --files "$@")
}
if hook exports/broken-orders.json >"$work/hook-broken.log" 2>&1; then
  cat "$work/hook-broken.log"; echo "FAIL: the python hook passed on a broken payload" >&2; exit 1
fi
grep -q 'error\[schema\]' "$work/hook-broken.log" || { cat "$work/hook-broken.log"; exit 1; }
hook exports/clean-orders.json >"$work/hook-clean.log" 2>&1 || { cat "$work/hook-clean.log"; exit 1; }
echo "   the hook failed on the broken payload and passed on the clean one ($(since "$start"), no compiling)"

echo "-- mypy --strict: the documented API type-checks against the stubs in the wheel"
(cd "$work" && "$work/venv/bin/python" -m mypy --strict --no-incremental \
  "$repo_root/python/tests/typecheck_usage.py")

echo "-- pytest python/tests (against the installed wheel)"
set +e
# From a folder outside the repository: `import klar_lint` must find the installed package,
# never python/klar_lint (which has no native module).
(cd "$work" && PATH="$no_rust_path" KLAR_LINT_ROOT="$repo_root" KLAR_LINT_CARGO_BIN="$cargo_bin" \
  "$work/venv/bin/python" -m pytest "$repo_root/python/tests" -p no:cacheprovider -q -rs \
  --rootdir "$repo_root/python/tests")
status=$?
set -e
case "$status" in
  0) ;;
  5) echo "FAIL: pytest collected no tests" >&2; exit 1 ;;
  *) echo "FAIL: pytest exited with $status" >&2; exit 1 ;;
esac
echo "-- Python stage: $(since "$stage_start")"
