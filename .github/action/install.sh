#!/usr/bin/env bash
# Step "Install lrviz" of action.yml: lrviz from the action's own checkout, with the
# versions of its lock (constraints.txt: torch 2.13.0, matplotlib and the libraries it
# draws with), in a virtualenv of its own whose bin/ is put on PATH for the next steps.
#   LRVIZ_ACTION_PATH  the action's folder (github.action_path)
#   LRVIZ_EXTRAS       extras, comma-separated ('' for none)
# PIP_EXTRA_INDEX_URL (set by action.yml) makes the pinned torch the CPU build.
set -euo pipefail
: "${LRVIZ_ACTION_PATH:?}"
extras="${LRVIZ_EXTRAS// /}"
if [[ -n "$extras" && ! "$extras" =~ ^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$ ]]; then
    echo "::error title=lrviz::extras must be names separated by commas (e.g. hf), got '$LRVIZ_EXTRAS'" >&2
    exit 2
fi
python=python3
command -v "$python" >/dev/null 2>&1 || python=python
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lrviz-venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q -c "$LRVIZ_ACTION_PATH/constraints.txt" "$LRVIZ_ACTION_PATH${extras:+[$extras]}"
echo "$venv/bin" >> "${GITHUB_PATH:-/dev/null}"
"$venv/bin/lrviz" --version
"$venv/bin/python" -c "import torch; print('torch', torch.__version__)"
