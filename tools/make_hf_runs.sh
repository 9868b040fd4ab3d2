#!/usr/bin/env bash
# Makes tests/data/hf_runs/: real Trainer.train() runs under released transformers versions.
#
# Each release gets a side venv under $VENVS (default /work/venvs/hf-<release>) with torch pinned to
# the lock's torch (constraints.txt) and the accelerate/tokenizers/huggingface_hub of its time, then
# tools/make_hf_runs.py runs the corpus under it. The installed release (the project's .venv, 5.x)
# runs too. The outputs are committed, so the suite needs none of these releases.
#
#   tools/make_hf_runs.sh                 # every release below
#   tools/make_hf_runs.sh 4.46.3 4.51.3   # only these
set -euo pipefail
cd "$(dirname "$0")/.."
VENVS=${VENVS:-/work/venvs}
PROJECT_PY=${PROJECT_PY:-.venv/bin/python}  # the installed release (5.x)
OUT=tests/data/hf_runs
# release -> the packages installed beside it (the accelerate of its time; pip resolves the rest
# within the release's own requirements).
declare -A BESIDE=(
  [4.46.3]="accelerate==1.1.1"
  [4.50.3]="accelerate==1.5.2"
  [4.51.3]="accelerate==1.6.0"
  [4.57.6]="accelerate==1.10.1"
)
releases=("$@")
if [ ${#releases[@]} -eq 0 ]; then releases=(4.46.3 4.50.3 4.51.3 4.57.6 installed); fi
torch_pin=$(mktemp)
trap 'rm -f "$torch_pin"' EXIT
grep -E '^torch==' constraints.txt >"$torch_pin"
for rel in "${releases[@]}"; do
  if [ "$rel" = installed ]; then
    py=$PROJECT_PY
  else
    venv=$VENVS/hf-$rel
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import transformers,sys; sys.exit(transformers.__version__ != '$rel')" 2>/dev/null; then
      python3 -m venv "$venv"
      # shellcheck disable=SC2086
      "$venv/bin/pip" install -q -c "$torch_pin" torch "transformers==$rel" ${BESIDE[$rel]}
    fi
    py=$venv/bin/python
  fi
  "$py" tools/make_hf_runs.py --out "$OUT"
  # two real processes (gloo on the CPU): accelerate's sharding of the batches
  "$(dirname "$py")/torchrun" --nproc_per_node 2 tools/make_hf_runs.py --out "$OUT" --world
done
