#!/usr/bin/env bash
# Does an installed gatesim run from its prefix alone? Installs BUILD_DIR into a fresh prefix
# and checks, from outside the source tree and with no GATESIM_* variable set, that:
#   - the program, its plugins, the policy files and the liveness networks (with their licence
#     and sources) are where models/install_layout.hpp says;
#   - `gatesim ports` reads the installed policy files (an edit there shows);
#   - the face plugin loads from PREFIX/lib/gatesim, and `eval-pad` looks for the liveness
#     networks in PREFIX/share/gatesim/anti-spoofing (a removed one is named there, exit 2).
#
#   scripts/check-install.sh BUILD_DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(realpath "$1")"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
fail() { echo "check-install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
for file in bin/gatesim lib/gatesim/gatesim-faces.so lib/gatesim/gatesim-video.so \
            share/gatesim/policy/ports.yaml share/gatesim/policy/policy.yaml \
            share/gatesim/policy/transit_240h_countries.yaml \
            share/gatesim/anti-spoofing/MiniFASNetV2.onnx share/gatesim/anti-spoofing/MiniFASNetV1SE.onnx \
            share/gatesim/anti-spoofing/LICENSE-Apache-2.0.txt share/gatesim/anti-spoofing/SOURCES.md; do
  [ -e "$prefix/$file" ] || fail "cmake --install left out $file"
done

unset GATESIM_PLUGIN_DIR GATESIM_PAD_MODELS
gatesim="$prefix/bin/gatesim"
cd /

# The installed policy files are the ones read: rename a port there and the program shows it.
grep -q '^luohu (Luohu,' <<<"$("$gatesim" ports)" || fail "gatesim ports does not list Luohu"
sed -i 's/name_en: "Luohu"/name_en: "Luohu (installed copy)"/' "$prefix/share/gatesim/policy/ports.yaml"
grep -q '^luohu (Luohu (installed copy),' <<<"$("$gatesim" ports)" ||
  fail "gatesim ports did not read $prefix/share/gatesim/policy"

# The liveness networks are looked for in the installed folder: remove one and it is named there.
rm "$prefix/share/gatesim/anti-spoofing/MiniFASNetV2.onnx"
set +e
err="$(LD_DEBUG=files "$gatesim" eval-pad "$repo/tests/data/faces/reference/obama.jpg" 2>&1 >/dev/null)"
status=$?
set -e
[ "$status" -eq 2 ] || fail "eval-pad without a network: exit $status, expected 2 ($(grep -v 'file=' <<<"$err"))"
grep -q "file=$prefix/lib/gatesim/gatesim-faces.so .*dynamically loaded" <<<"$err" ||
  fail "the face plugin was not loaded from $prefix/lib/gatesim"
grep -q "$prefix/share/gatesim/anti-spoofing/MiniFASNetV2.onnx" <<<"$err" ||
  fail "eval-pad did not look in the installed folder: $(grep -v 'file=' <<<"$err")"
echo "check-install: $prefix runs on its own (plugins, policy files, liveness networks)"
