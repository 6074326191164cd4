#!/usr/bin/env bash
# The main demo: a day at Luohu through the port simulator, then the face pipeline on the
# shipped images. Called by ./gatesim.sh demo.
set -euo pipefail
gatesim="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/demo/luohu-weekday"

echo "== A weekday at Luohu (scenarios/luohu-weekday.yaml, seed 1)"
"$gatesim" simulate "$root/scenarios/luohu-weekday.yaml" --seed 1 --out "$out"
echo "   open $out/report.html for the charts"
echo
cd "$root/tests/data/faces"

echo "== Faces found in three images (dlib HOG, 5 landmarks, quality)"
"$gatesim" faces reference/obama.jpg examples/two_people.jpg scenes/dogs.jpg
echo
echo "== Verification (dlib ResNet descriptors, threshold 0.6)"
echo -n "obama vs obama2: "; "$gatesim" verify reference/obama.jpg reference/obama2.jpg || true
echo -n "obama vs biden:  "; "$gatesim" verify reference/obama.jpg reference/biden.jpg || true
