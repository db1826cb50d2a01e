#!/usr/bin/env bash
# Issue 17's accuracy table on ESC-10 and spoken commands (controls, paper recipe, predictive recipe;
# transductive and inductive; mean and std over 3 autoencoder seeds), resumable, written to
# bench-output/accuracy/results.csv and summary.csv.  See benchmarks/accuracy.py for the options:
#   benchmarks/accuracy.sh                      # everything (hours on 2 cores)
#   benchmarks/accuracy.sh --data speech        # one data set
#   benchmarks/accuracy.sh --quick              # a smoke run: 2 epochs, 1 MLP repeat
set -euo pipefail
exec python "$(cd "$(dirname "$0")" && pwd)/accuracy.py" "$@"
