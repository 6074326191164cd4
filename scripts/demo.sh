#!/usr/bin/env bash
# The main demo: the face pipeline on the shipped images. Called by ./gatesim.sh demo.
set -euo pipefail
gatesim="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/../tests/data/faces"

echo "== Faces found in three images (dlib HOG, 5 landmarks, quality)"
"$gatesim" faces reference/obama.jpg examples/two_people.jpg scenes/dogs.jpg
echo
echo "== Verification (dlib ResNet descriptors, threshold 0.6)"
echo -n "obama vs obama2: "; "$gatesim" verify reference/obama.jpg reference/obama2.jpg || true
echo -n "obama vs biden:  "; "$gatesim" verify reference/obama.jpg reference/biden.jpg || true
