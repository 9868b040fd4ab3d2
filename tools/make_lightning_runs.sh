#!/usr/bin/env bash
# Makes tests/data/lightning_runs/: real Trainer.fit runs under released pytorch-lightning versions.
#
# Each release gets a side venv under $VENVS (default /work/venvs/runs-pl-<release>) holding only
# pytorch-lightning (and lightning-fabric from 2.0) of that release, installed --no-deps; a .pth file puts
# the project's site-packages (torch 2.13 CPU, lightning-utilities, torchmetrics, tensorboard) after it.
# The installed release (the project's .venv, 2.6) runs too. The outputs are committed, so the suite
# needs none of these releases. tools/make_hf_tb_runs.sh makes the transformers TensorBoard runs.
#
#   tools/make_lightning_runs.sh                # every release below
#   tools/make_lightning_runs.sh 1.9.5 2.4.0    # only these
set -euo pipefail
cd "$(dirname "$0")/.."
VENVS=${VENVS:-/work/venvs}
PROJECT_PY=${PROJECT_PY:-.venv/bin/python}
SITE=$("$PROJECT_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
OUT=tests/data/lightning_runs
releases=("$@")
if [ ${#releases[@]} -eq 0 ]; then releases=(1.9.5 2.0.9 2.4.0 installed); fi
for rel in "${releases[@]}"; do
  if [ "$rel" = installed ]; then
    py=$PROJECT_PY
  else
    venv=$VENVS/runs-pl-$rel
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pytorch_lightning as pl,sys; sys.exit(pl.__version__ != '$rel')" 2>/dev/null; then
      "$PROJECT_PY" -m venv "$venv"
      own=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
      echo "$SITE" >"$own/zz_shared.pth"
      pkgs=("pytorch-lightning==$rel")
      case $rel in 1.*) ;; *) pkgs+=("lightning-fabric==$rel") ;; esac
      "$venv/bin/pip" install -q --no-deps "${pkgs[@]}"
    fi
    py=$venv/bin/python
  fi
  "$py" tools/make_lightning_runs.py --out "$OUT"
done
