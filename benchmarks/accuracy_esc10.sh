#!/usr/bin/env bash
# Issue 10's ablation table on ESC-10, end to end through the CLI:
#   1. the paper recipe (benchmarks/reproduce_esc10.sh: 4 thresholds, 2 x 256 GRU t-RAE,
#      bidirectional paper decoder, 64 epochs; resumable, reuses its run directories);
#   2. for the same trained models: --features pooled (mean and std over time of the encoder's
#      top-layer outputs) and --features both, per threshold and fused over the 4 thresholds;
#   3. the hand-crafted control: per-band mean and std of the spectrograms, per threshold.
# Every set is scored by the same MLP (2 x 150, 400 epochs, keep-prob 0.6, --repeat 5, the 5 folds).
#
# Usage: benchmarks/accuracy_esc10.sh [--quick] [--out DIR] [ESC10_DIR]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="bench-output/esc10"
repro_args=()
repeats=5
mlp_epochs=400
thresholds="-30 -45 -60 -75"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) repro_args+=(--quick); repeats=1; mlp_epochs=100; shift ;;
    --out) out="$2"; shift 2 ;;
    --thresholds) thresholds="$2"; repro_args+=(--thresholds "$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) repro_args+=("$1"); shift ;;
  esac
done

bash "$here/reproduce_esc10.sh" --out "$out" "${repro_args[@]}"

results="$out/results.csv"
say() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$out/log.txt" >&2; }
evaluate() {  # $1 = features file, $2 = row name
  if grep -q "^$2," "$results"; then return; fi
  local accuar  # the mean row: accuracy, accuracy_2std, uar, uar_2std
  accuar=$(audeep mlp evaluate --input "$1" --cross-validate --repeat "$repeats" --num-layers 2 \
           --num-units 150 --num-epochs "$mlp_epochs" --learning-rate 0.001 --keep-prob 0.6 \
           -f csv --quote none -c accuracy -c accuracy_2std -c uar -c uar_2std | tail -n 1)
  echo "$2,$accuar,," >> "$results"
  say "$2: accuracy,2std,uar,2std = $accuar"
}

for mode in pooled both; do
  fused=()
  for clip in $thresholds; do
    feats="$out/features-$mode$clip.nc"
    [ -f "$feats" ] || audeep t-rae generate --model-dir "$out/run$clip" --input "$out/spectrograms$clip.nc" \
                         --output "$feats" --features "$mode" > /dev/null
    evaluate "$feats" "$mode$clip"
    fused+=("$feats")
  done
  if [ "${#fused[@]}" -gt 1 ]; then
    [ -f "$out/features-$mode-fused.nc" ] || audeep fuse --input "${fused[@]}" --output "$out/features-$mode-fused.nc"
    evaluate "$out/features-$mode-fused.nc" "$mode-fused"
  fi
done

for clip in $thresholds; do
  control="$out/control$clip.nc"
  [ -f "$control" ] || python "$here/control_features.py" --input "$out/spectrograms$clip.nc" --output "$control"
  evaluate "$control" "control$clip"
done

say "results ($results):"
column -s, -t < "$results" | tee -a "$out/log.txt"
