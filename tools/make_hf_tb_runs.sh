#!/usr/bin/env bash
# Makes tests/data/hf_tb_runs/: real Trainer.train() runs logging through TensorBoardCallback.
#
# Uses the side venvs of tools/make_hf_runs.sh ($VENVS/hf-<release>, made there) through a venv of
# its own ($VENVS/runs-hf-<release>) whose .pth puts that release's site-packages after its own, and
# which holds only tensorboard (the lock's version), so nothing is installed into the release's venv.
# The installed release runs too.
#
#   tools/make_hf_tb_runs.sh                # 4.50.3 4.57.6 and the installed release
set -euo pipefail
cd "$(dirname "$0")/.."
VENVS=${VENVS:-/work/venvs}
PROJECT_PY=${PROJECT_PY:-.venv/bin/python}
OUT=tests/data/hf_tb_runs
releases=("$@")
if [ ${#releases[@]} -eq 0 ]; then releases=(4.50.3 4.57.6 installed); fi
for rel in "${releases[@]}"; do
  if [ "$rel" = installed ]; then
    py=$PROJECT_PY
  else
    base=$VENVS/hf-$rel
    [ -x "$base/bin/python" ] || { echo "no $base: run tools/make_hf_runs.sh $rel first" >&2; exit 2; }
    venv=$VENVS/runs-hf-$rel
    if [ ! -x "$venv/bin/python" ]; then
      "$PROJECT_PY" -m venv "$venv"
      own=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
      theirs=$("$base/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
      echo "$theirs" >"$own/zz_chain.pth"
      "$venv/bin/pip" install -q "$(grep -E '^tensorboard==' constraints.txt)"
    fi
    py=$venv/bin/python
  fi
  "$py" tools/make_hf_tb_runs.py --out "$OUT"
done
