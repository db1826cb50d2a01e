#!/usr/bin/env bash
# The paper's ESC-10 recipe through the real audeep CLI (Freitag et al. 2018, auDeep README):
# four spectrogram sets (80 ms window, 40 ms overlap, 128 mel bands, 5 s centred,
# clipped below -30/-45/-60/-75 dB), one t-RAE each (2 x 256 GRU, unidirectional encoder,
# bidirectional decoder, 64 epochs, batch 64, lr 0.001, keep-prob 0.8), features from the
# last checkpoint, MLP (2 x 150, 400 epochs, lr 0.001, keep-prob 0.6, 5 repeats) on each
# set alone and on the fusion of the four.
#
# Usage: benchmarks/reproduce_esc10.sh [--quick] [--out DIR] [--decoder paper|standard] [ESC10_DIR]
# Resumable: a step whose output exists is not redone.  --quick: 3 epochs, 1 repeat (smoke run).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
data="$here/../../shared/data/esc-10"
out="bench-output/esc10"
epochs=64
repeats=5
mlp_epochs=400
decoder=paper
thresholds="-30 -45 -60 -75"
extra_train=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) epochs=3; repeats=1; mlp_epochs=100; shift ;;
    --out) out="$2"; shift 2 ;;
    --decoder) decoder="$2"; shift 2 ;;
    --thresholds) thresholds="$2"; shift 2 ;;
    --train-option) extra_train+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) data="$1"; shift ;;
  esac
done
[ -d "$data" ] || { echo "no ESC-10 data at $data" >&2; exit 1; }
mkdir -p "$out"
results="$out/results.csv"
log="$out/log.txt"
[ -f "$results" ] || echo "set,accuracy,accuracy_2std,uar,uar_2std,epoch_seconds,final_loss" > "$results"

say() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$log" >&2; }

evaluate() {  # $1 = features file, $2 = name in the results table
  local name="$2"
  if grep -q "^$name," "$results"; then say "evaluate $name: done before"; return; fi
  say "evaluate $name"
  local accuar  # "accuracy,accuracy_2std,uar,uar_2std": the mean row (over folds and repeats)
  accuar=$(audeep mlp evaluate --input "$1" --cross-validate --repeat "$repeats" \
           --num-layers 2 --num-units 150 --num-epochs "$mlp_epochs" --learning-rate 0.001 --keep-prob 0.6 \
           --confusion-matrix "$out/confusion-$name.png" -f csv --quote none \
           -c accuracy -c accuracy_2std -c uar -c uar_2std | tail -n 1)
  local run="$out/run$name" secs="" loss=""
  if [ -f "$run/history.csv" ]; then
    secs=$(python3 - "$run/history.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
col = next((c for c in ("seconds", "epoch_seconds", "time") if c in rows[0]), None)
print(f"{sum(float(r[col]) for r in rows) / len(rows):.2f}" if col else "")
PY
)
    loss=$(python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(r[-1].get('loss',''))" "$run/history.csv")
  fi
  echo "$name,$accuar,$secs,$loss" >> "$results"
  say "$name: accuracy,2std,uar,2std = $accuar"
}

fused_inputs=()
for clip in $thresholds; do
  spec="$out/spectrograms$clip.nc"
  run="$out/run$clip"
  feats="$out/features$clip.nc"
  if [ ! -f "$spec" ]; then
    say "preprocess clip-below $clip"
    audeep preprocess --basedir "$data" --output "$spec" --window-width 0.08 --window-overlap 0.04 \
      --mel-spectrum 128 --fixed-length 5 --center-fixed --clip-below "$clip"
  fi
  if [ ! -f "$feats" ]; then
    cont=()
    [ -f "$run/config.json" ] && cont=(--continue)
    say "t-rae train $clip (${epochs} epochs, decoder $decoder) ${cont[*]:-}"
    audeep t-rae train --input "$spec" --run-name "$run" "${cont[@]}" --num-layers 2 --num-units 256 \
      --bidirectional-decoder --decoder "$decoder" --num-epochs "$epochs" --batch-size 64 \
      --learning-rate 0.001 --keep-prob 0.8 "${extra_train[@]}"
    say "t-rae generate $clip"
    audeep t-rae generate --model-dir "$run" --input "$spec" --output "$feats"
  fi
  evaluate "$feats" "$clip"
  fused_inputs+=("$feats")
done

if [ "${#fused_inputs[@]}" -gt 1 ]; then
  fused="$out/features-fused.nc"
  [ -f "$fused" ] || audeep fuse --input "${fused_inputs[@]}" --output "$fused"
  evaluate "$fused" fused
fi

say "results ($results):"
column -s, -t < "$results" | tee -a "$log"
