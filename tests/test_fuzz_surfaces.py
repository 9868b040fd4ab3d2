"""Fuzz of the surfaces added after the config catalogue (issue 32): framework files, each log
format, ``# lrviz:`` comments and sidecars, gallery folders and the Sphinx directive.

Each input is a real example of the surface (the repository's framework files and
example logs) mutated the ways the issue's fuzz broke lrviz: a number replaced by one no
person means (5,000 digits, past 2**63, NaN, infinity, non-ASCII digits), a control
character inserted, a byte flipped, the file cut short, a line doubled. The mutations
come from a seeded generator, so a run is reproducible and does not depend on the
machine's load; ``LRVIZ_FUZZ_EXAMPLES`` raises the count per surface (default 10),
``LRVIZ_FUZZ_SEED`` picks other mutations.

Every case of a surface runs in one child process under an address-space limit
(``RLIMIT_AS``, the memory bound) and a generous timeout (only a hang guard; nothing
here asserts a duration). The property: exit 0, 1 or 2, never a traceback or an internal
error, and a refusal (2) writes nothing.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLES = int(os.environ.get("LRVIZ_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("LRVIZ_FUZZ_SEED", "32"))
#: The address space one child may use: lrviz with torch and matplotlib needs under 1 GiB
#: here (tests/test_security.py measured it); an unbounded read of a big input needs more.
MEMORY_LIMIT = 1536 * 2**20
#: Seconds for one surface's batch, as a hang guard only.
BATCH_TIMEOUT = 900

FRAMEWORKS = REPO / "configs" / "frameworks"
LOGS = REPO / "examples" / "logs"

HOSTILE_NUMBERS = (
    "9" * 5000,
    "99999999999999999999999",
    "-99999999999999999999999",
    "9223372036854775808",
    ".nan",
    "nan",
    ".inf",
    "-.inf",
    "1e400",
    "²",
    "٣",
    "１２",
    "0",
    "-1",
    "1.5",
)
CONTROL = ("\x00", "\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\r", "\x0c")
_NUMBER = re.compile(r"(?<![A-Za-z_])-?\d+(?:\.\d+)?(?:e-?\d+)?")


def mutate_text(text: str, rng: random.Random) -> str:
    """One to three mutations of the kinds the issue lists."""
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("number", "number", "number", "control", "cut", "line", "flip"))
        if kind == "number":
            found = list(_NUMBER.finditer(text))
            if found:
                m = rng.choice(found)
                text = text[: m.start()] + rng.choice(HOSTILE_NUMBERS) + text[m.end() :]
        elif kind == "control":
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(CONTROL) + text[at:]
        elif kind == "cut":
            text = text[: rng.randrange(len(text) + 1)]
        elif kind == "line":
            lines = text.splitlines(keepends=True)
            if lines:
                i = rng.randrange(len(lines))
                lines.insert(i, lines[i])
                text = "".join(lines)
        else:
            at = rng.randrange(max(1, len(text)))
            text = text[:at] + chr(rng.randrange(32, 0x3000)) + text[at + 1 :]
    return text


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        kind = rng.choice(("flip", "flip", "cut", "ff"))
        if kind == "flip" and out:
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind == "cut":
            del out[rng.randrange(len(out) + 1) :]
        elif out:
            at = rng.randrange(len(out))
            out[at : at + 10] = b"\xff" * 9 + b"\x01"  # a 10-byte varint: a step or a length near 2**63
    return bytes(out)


_DRIVER = textwrap.dedent("""
    import json, os, resource, sys
    from pathlib import Path
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from typer.testing import CliRunner
    from lrviz.cli import app
    from lrviz.errors import LrvizError
    runner = CliRunner()
    for name, args in json.loads(sys.argv[2]):
        if args[0] == "sphinx":
            from lrviz.sphinxext import draw
            try:
                draw(Path(args[1]), name, {}, cache_dir=Path(args[2]), trust=False)
                code, err = 0, ""
            except LrvizError as exc:
                code, err = 2, f"error: {exc}"
            except Exception as exc:
                code, err = 70, f"internal error: {type(exc).__name__}: {exc}"
            print(json.dumps({"name": name, "code": code, "stderr": err, "stdout": ""}), flush=True)
            continue
        r = runner.invoke(app, args)
        print(json.dumps({"name": name, "code": r.exit_code, "stderr": r.stderr[-3000:], "stdout": r.stdout[-2000:]}),
              flush=True)
""")


def run_batch(folder: Path, cases: list[tuple[str, list[str]]]) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("LRVIZ_TRUST", "LRVIZ_DEBUG")}
    env.update(PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(MEMORY_LIMIT), json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=BATCH_TIMEOUT,
        env=env,
        cwd=folder,
    )
    results = {r["name"]: r for r in map(json.loads, proc.stdout.splitlines())}
    missing = [name for name, _ in cases if name not in results]
    assert not missing, f"the child died before {missing[:3]} (exit {proc.returncode}): {proc.stderr[-3000:]}"
    return results


def check(result: dict, *, written: Path | None = None) -> None:
    """Exit 0/1/2, no traceback, no internal error; on a refusal, ``written`` does not exist."""
    text = result["stderr"] + result["stdout"]
    assert result["code"] in (0, 1, 2), f"{result['name']}: exit {result['code']}: {text[-2000:]}"
    assert "Traceback" not in text and "internal error" not in text, f"{result['name']}: {text[-2000:]}"
    if result["code"] == 2:
        assert result["stderr"].strip(), f"{result['name']}: a refusal without a message"
        if written is not None:
            assert not written.exists(), f"{result['name']}: refused but wrote {written.name}"


def cases_of(sources: list[Path], rng: random.Random, folder: Path) -> list[tuple[Path, Path]]:
    """(mutated file, its source) pairs: EXAMPLES per surface, spread over the sources."""
    out = []
    for i in range(EXAMPLES):
        source = sources[i % len(sources)]
        target = folder / f"case{i}" / source.name
        target.parent.mkdir(parents=True)
        if source.suffix in (".yaml", ".json", ".csv", ".lrviz"):
            target.write_text(
                mutate_text(source.read_text(encoding="utf-8"), rng), encoding="utf-8", errors="surrogatepass"
            )
        else:
            target.write_bytes(mutate_bytes(source.read_bytes(), rng))
        out.append((target, source))
    return out


# --------------------------------------------------------------------------- framework files


def test_fuzz_framework_files(tmp_path):
    rng = random.Random(SEED)
    sources = sorted(p for p in FRAMEWORKS.iterdir() if p.suffix in (".yaml", ".json"))
    cases, outputs = [], {}
    for target, source in cases_of(sources, rng, tmp_path):
        sidecar = Path(str(source) + ".lrviz")
        if sidecar.exists():
            shutil.copy(sidecar, Path(str(target) + ".lrviz"))
        out = target.parent / "out.csv"
        outputs[str(target)] = out
        cases.append((str(target), ["export", str(target), "-o", str(out)]))
    for name, result in run_batch(tmp_path, cases).items():
        check(result, written=outputs[name])


# --------------------------------------------------------------------------- '# lrviz:' comments and sidecars


def test_fuzz_lrviz_comments_and_sidecars(tmp_path):
    rng = random.Random(SEED + 1)
    recipe = FRAMEWORKS / "hf-llama-sft-recipe.yaml"
    cases, outputs = [], {}
    for i in range(EXAMPLES):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        comment = mutate_text("# lrviz: --dataset-size 207865 --world-size 8 --from hf\n", rng)
        if i % 2:  # in the file itself
            text = recipe.read_text(encoding="utf-8")
            target = folder / "recipe.yaml"
            start = text.index("# lrviz:")
            text = text[:start] + comment + text[text.index("\n", start) + 1 :]
            target.write_text(text, encoding="utf-8", errors="surrogatepass")
        else:  # in a JSON file's sidecar
            target = folder / "args.json"
            shutil.copy(FRAMEWORKS / "hf-roberta-mnli.json", target)
            Path(str(target) + ".lrviz").write_text(comment, encoding="utf-8", errors="surrogatepass")
        out = folder / "out.csv"
        outputs[str(target)] = out
        cases.append((str(target), ["export", str(target), "-o", str(out)]))
    for name, result in run_batch(tmp_path, cases).items():
        check(result, written=outputs[name])


# --------------------------------------------------------------------------- each log format


LOG_SOURCES = {
    "trainer_state": (LOGS / "hf" / "trainer_state.json", LOGS / "hf" / "plan.yaml"),
    "lightning": (LOGS / "lightning" / "metrics.csv", LOGS / "lightning" / "plan.yaml"),
    "tensorboard": (
        LOGS / "tensorboard" / "events.out.tfevents.1700000000.example.first",
        LOGS / "tensorboard" / "plan.yaml",
    ),
}


@pytest.fixture(scope="module")
def plain_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "lr.csv"
    path.write_text("step,lr\n" + "".join(f"{i},{0.1 * 0.9**i!r}\n" for i in range(24)), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", [*LOG_SOURCES, "plain_csv"])
def test_fuzz_log_formats(tmp_path, fmt, plain_csv):
    rng = random.Random(f"{SEED}-{fmt}")
    source, plan = LOG_SOURCES.get(fmt, (plain_csv, LOGS / "lightning" / "plan.yaml"))
    cases = []
    for target, _ in cases_of([source], rng, tmp_path):
        spec = f"{target}:lr" if fmt == "plain_csv" else str(target)
        extra = ["--actual-shift", str(rng.choice((0, 1, -1, 10**6)))] if rng.random() < 0.3 else []
        cases.append((str(target), ["check", str(plan), "--actual", spec, *extra]))
    for result in run_batch(tmp_path, cases).values():
        check(result)


# --------------------------------------------------------------------------- gallery folders


def test_fuzz_gallery_folders(tmp_path):
    rng = random.Random(SEED + 2)
    sources = sorted((REPO / "configs" / "torch").glob("*.yaml"))[:6] + [FRAMEWORKS / "torchvision-resnet50.yaml"]
    cases, outputs = [], {}
    for i in range(max(1, EXAMPLES // 3)):
        config_dir = tmp_path / f"gallery{i}" / "configs"
        config_dir.mkdir(parents=True)
        for j in range(3):
            source = rng.choice(sources)
            text = source.read_text(encoding="utf-8")
            if j:  # one config stays good, so a gallery that refuses all is told from one that renders
                text = mutate_text(text, rng)
            (config_dir / f"c{j}-{source.name}").write_text(text, encoding="utf-8", errors="surrogatepass")
        out = tmp_path / f"gallery{i}" / "out"
        outputs[str(config_dir)] = out
        cases.append((str(config_dir), ["gallery", str(config_dir), "-o", str(out), "-j", "1"]))
    results = run_batch(tmp_path, cases)
    assert sorted(results) == sorted(outputs)  # every gallery case came back
    for name, result in results.items():
        check(result, written=outputs[name])
        if result["code"] == 1:  # some configs failed: each is named, the good one is drawn
            assert "failed:" in result["stderr"]


# --------------------------------------------------------------------------- the Sphinx directive


def test_fuzz_sphinx_directive(tmp_path):
    pytest.importorskip("sphinx", reason="the Sphinx directive needs sphinx (the docs extra)")
    rng = random.Random(SEED + 3)
    sources = sorted((REPO / "configs" / "torch").glob("*.yaml"))[:8]
    cases = []
    for target, _ in cases_of(sources, rng, tmp_path):
        cases.append((str(target), ["sphinx", str(target), str(tmp_path / "cache")]))
    for result in run_batch(tmp_path, cases).values():
        check(result)
