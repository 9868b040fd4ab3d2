#!/usr/bin/env bash
# Test the floors: install the LOWEST versions pyproject.toml's `dependencies` and its
# `hf` extra allow (`torch>=X` installed as `torch==X`, and so on) into a venv and run the
# tests that exercise them (torch's schedulers, the CLI, plotting, export, the fuzz
# properties; the presets and TrainingArguments files against that transformers).
# A release checklist step, slow (it downloads torch, and from PyPI a torch this old is
# the CUDA build with its nvidia-* packages: a few GB), not part of the suite.
#
#     tools/floors.sh [VENV]                      # VENV: reuse a folder (default: a temporary one)
#     FLOORS_OVERRIDE="torch==2.9.0" tools/floors.sh /tmp/venv   # try other versions than the floors
#
# Prints the versions it installed and pytest's summary; exits with pytest's status.
# The test tools (pytest, hypothesis, jsonschema) are not floors: they come at their
# newest. Tests that need another optional framework (Lightning, TensorBoard, timm...)
# skip with their reason; those extras' floors are not covered.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=${1:-$(mktemp -d)/venv}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"

# shellcheck disable=SC2207
floors=($("$venv/bin/python" - <<'PY'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for dep in project["dependencies"] + project["optional-dependencies"]["hf"]:
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*)", dep)
    if m is None:
        raise SystemExit(f"floors.sh: cannot read a floor from {dep!r} (expected name>=version)")
    print(f"{m[1]}=={m[2]}")
PY
))
# shellcheck disable=SC2206
override=(${FLOORS_OVERRIDE:-})
for pin in "${override[@]}"; do
    name=${pin%%[=<>]*}
    floors=("${floors[@]/#${name}==*/}")
done
floors=($(printf '%s\n' "${floors[@]}" "${override[@]}" | grep -v '^$'))

echo "floors.sh: installing ${floors[*]}"
"$venv/bin/pip" install -q "${floors[@]}"
"$venv/bin/pip" install -q pytest hypothesis jsonschema
"$venv/bin/python" -c '
import importlib.metadata as md
print("floors.sh: installed", ", ".join(f"{n} {md.version(n)}" for n in ("torch", "numpy", "matplotlib", "typer", "click", "rich", "PyYAML", "transformers", "accelerate")))'

PYTHONPATH=$PWD "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_torch_parity.py tests/test_torch_judge.py tests/test_plot_cli.py tests/test_export_cli.py \
    tests/test_configs.py tests/test_fuzz.py tests/test_presets.py tests/test_sources_hf.py
