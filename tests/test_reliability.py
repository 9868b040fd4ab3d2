"""Issue 32 (and the reading / process items of issue 33): every cause the fuzz of the new
surfaces found, one named regression test each; FIFOs refused by every reader; files
refused by size before they are read; SIGTERM and SIGHUP handled like Ctrl-C; the gallery
written all or nothing, its workers never outliving it.

A test that could hang if the bug came back runs under an alarm (in-process) or a
generous subprocess timeout; no test asserts a duration.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lrviz.cli import app
from lrviz.errors import LrvizError
from tests.conftest import REPO

runner = CliRunner()
HF = REPO / "configs" / "frameworks" / "hf-llama-sft-recipe.yaml"
HF_JSON = REPO / "configs" / "frameworks" / "hf-roberta-mnli.json"
TV = REPO / "configs" / "frameworks" / "torchvision-resnet50.yaml"
LOGS = REPO / "examples" / "logs"
PLAN = LOGS / "hf" / "plan.yaml"
STEPLR = "steps: 12\nscheduler: StepLR\nparams: {step_size: 4, gamma: 0.5}\n"
#: An alarm, in seconds, that turns a hang into a failure (generous: the machine is shared).
HANG = 120
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs, /proc and prctl are Linux's")


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch):
    monkeypatch.delenv("LRVIZ_TRUST", raising=False)
    monkeypatch.delenv("LRVIZ_DEBUG", raising=False)


@contextmanager
def alarm(seconds: int = HANG):
    def hung(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def cli(*args: object):
    with alarm():
        return runner.invoke(app, [str(a) for a in args])


def refused(result, *fragments: str) -> str:
    """Exit 2, one error line naming each fragment, no traceback, no internal error."""
    text = result.stderr + result.stdout
    assert result.exit_code == 2, f"exit {result.exit_code}: {text[-1500:]}"
    assert "Traceback" not in text and "internal error" not in text, text
    line = next(x for x in result.stderr.splitlines() if x.startswith("error:"))
    missing = [fragment for fragment in fragments if fragment not in line]
    assert not missing, f"{missing!r} not in {line!r}"
    return line


def hf_with(tmp_path: Path, old: str, new: str, name: str = "hf.yaml") -> Path:
    text = HF.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def state_with_step(tmp_path: Path, step: object) -> Path:
    state = json.loads((LOGS / "hf" / "trainer_state.json").read_text(encoding="utf-8"))
    state["log_history"][1]["step"] = step
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- integers too large for C


def test_overflow_logged_step_in_trainer_state(tmp_path):
    path = state_with_step(tmp_path, 10**30)
    refused(
        cli("show", PLAN, "--actual", path),
        "trainer_state.json",
        "log_history[1].step",
        "outside -1,000,000,000,000,000 to",
    )


def test_overflow_logged_step_in_trainer_state_past_float(tmp_path):
    path = state_with_step(tmp_path, 10**400)  # float(10**400) is an OverflowError: refused as it is parsed
    refused(cli("show", PLAN, "--actual", path), "trainer_state.json", "an integer of 401 characters")


def test_overflow_logged_lr_in_trainer_state(tmp_path):
    state = json.loads((LOGS / "hf" / "trainer_state.json").read_text(encoding="utf-8"))
    state["log_history"][1]["learning_rate"] = 10**400
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    result = cli("check", PLAN, "--actual", path)
    assert result.exit_code in (0, 1, 2) and "internal error" not in result.stderr + result.stdout


def test_overflow_step_in_plain_csv(tmp_path):
    path = tmp_path / "lr.csv"
    path.write_text("step,lr\n1,0.1\n99999999999999999999999,0.1\n", encoding="utf-8")
    refused(cli("show", PLAN, "--actual", path), "lr.csv", "line 3", "'step'", "outside")


def test_overflow_step_in_lightning_metrics_csv(tmp_path):
    rows = (LOGS / "lightning" / "metrics.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = rows[2].split(",")
    cells[header.index("step")] = "9" * 25
    rows[2] = ",".join(cells)
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    refused(cli("show", LOGS / "lightning" / "plan.yaml", "--actual", path), "metrics.csv", "line 3", "outside")


def test_overflow_actual_shift():
    refused(
        cli("show", PLAN, "--actual", LOGS / "hf" / "trainer_state.json", "--actual-shift", 10**23),
        "shift",
        "50,000,000",
    )


def test_overflow_max_steps(tmp_path):
    path = hf_with(tmp_path, "max_steps: -1", f"max_steps: {10**30}")
    refused(cli("show", path), "hf.yaml", "max_steps", "50,000,000")


def test_overflow_tensorboard_step(tmp_path):
    from lrviz.actual.tfrecord import masked_crc

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            b, n = n & 0x7F, n >> 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def field(number: int, payload: bytes) -> bytes:
        return varint(number << 3 | 2) + varint(len(payload)) + payload

    import struct

    value = field(1, b"lr") + varint(2 << 3 | 5) + struct.pack("<f", 0.1)
    event = varint(2 << 3) + varint(2**62) + field(5, field(1, value))  # step 2**62: past any run
    header = struct.pack("<Q", len(event))
    record = header + struct.pack("<I", masked_crc(header)) + event + struct.pack("<I", masked_crc(event))
    path = tmp_path / "events.out.tfevents.1.x"
    path.write_bytes(record)
    refused(cli("show", PLAN, "--actual", path), "events.out.tfevents", "record 0", "step")


# --------------------------------------------------------------------------- the int-string limit


def test_int_string_limit_in_yaml_framework_file(tmp_path):
    path = hf_with(tmp_path, "max_steps: -1", "max_steps: " + "9" * 5000)
    refused(cli("show", path), "hf.yaml", "integer of 5000 characters")


def test_int_string_limit_in_json_framework_file(tmp_path):
    data = HF_JSON.read_text(encoding="utf-8").replace('"max_steps": -1', '"max_steps": ' + "9" * 5000)
    path = tmp_path / "hf.json"
    path.write_text(data, encoding="utf-8")
    refused(cli("show", path, "--dataset-size", 1000), "hf.json", "5000 characters")


def test_int_string_limit_in_lrviz_comment(tmp_path):
    path = hf_with(tmp_path, "--dataset-size 207865", "--dataset-size " + "9" * 5000)
    refused(cli("show", path), "hf.yaml", "line 6", "--dataset-size", "5000 digits")


def test_int_string_limit_in_sidecar(tmp_path):
    path = tmp_path / "hf.json"
    path.write_bytes(HF_JSON.read_bytes())
    (tmp_path / "hf.json.lrviz").write_text("# lrviz: --dataset-size " + "9" * 5000 + "\n", encoding="utf-8")
    refused(cli("show", path), "hf.json.lrviz", "--dataset-size", "5000 digits")


# --------------------------------------------------------------------------- NaN / inf where an integer is needed


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1.0e+400"])
def test_nan_max_steps(tmp_path, value):
    path = hf_with(tmp_path, "max_steps: -1", f"max_steps: {value}")
    refused(cli("show", path), "hf.yaml", "max_steps", "whole number")


def test_nan_logged_step(tmp_path):
    path = tmp_path / "lr.csv"
    path.write_text("step,lr\n1,0.1\nnan,0.1\n", encoding="utf-8")
    refused(cli("show", PLAN, "--actual", path), "line 3", "not a step number")


# --------------------------------------------------------------------------- non-ASCII digits


def test_non_ascii_digits_in_lrviz_comment(tmp_path):
    path = hf_with(tmp_path, "--dataset-size 207865", "--dataset-size 2²")
    refused(cli("show", path), "hf.yaml", "--dataset-size", "ASCII digits", "'2²'")


def test_non_ascii_digits_in_lrviz_comment_arabic(tmp_path):
    path = hf_with(tmp_path, "--world-size 8", "--world-size ٨")  # int("٨") == 8 would read it silently
    refused(cli("show", path), "--world-size", "ASCII digits")


def test_non_ascii_digits_in_actual_group():
    result = cli("show", PLAN, "--actual", LOGS / "hf" / "trainer_state.json", "--actual-group", "²")
    refused(result, "--actual-group", "no param group")


def test_non_ascii_digits_in_logged_step(tmp_path):
    path = tmp_path / "lr.csv"
    path.write_text("step,lr\n1,0.1\n٣,0.1\n", encoding="utf-8")  # int("٣") == 3
    refused(cli("show", PLAN, "--actual", path), "line 3", "not a step number")


def test_non_ascii_digits_unit():
    from lrviz.numeric import whole_text

    for raw in ("²", "٣", "1_000", "１２", "0x10", "+-1", "", " "):
        with pytest.raises(LrvizError, match="ASCII digits"):
            whole_text(raw, what="n", minimum=0, maximum=10**6)
    assert whole_text(" 42 ", what="n", minimum=0, maximum=100) == 42


# --------------------------------------------------------------------------- control characters (YAML ReaderError)


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\ufffe"])
def test_control_characters_in_torchvision_recipe(tmp_path, char):
    path = tmp_path / "tv.yaml"
    path.write_text(TV.read_text(encoding="utf-8").replace("\n", "\n" + char, 1), encoding="utf-8")
    refused(cli("show", path), "tv.yaml")


def test_control_character_names_line_and_column(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("steps: 10\nscheduler: St\x07epLR\n", encoding="utf-8")
    line = refused(cli("show", path), "c.yaml", "line 2, column 14", "control character")
    assert "ReaderError" not in line


# --------------------------------------------------------------------------- paths longer than the system allows


LONG = "a" * 300


def test_file_name_too_long_output(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(STEPLR, encoding="utf-8")
    refused(cli("export", config, "-o", tmp_path / f"{LONG}.csv"), "longer than the file system allows")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_file_name_too_long_config(tmp_path):
    refused(cli("show", tmp_path / f"{LONG}.yaml"), "longer than the file system allows")


def test_file_name_too_long_log(tmp_path):
    refused(cli("show", PLAN, "--actual", tmp_path / f"{LONG}.json"), "longer than the file system allows")


def test_file_name_too_long_gallery_output(tmp_path):
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "c.yaml").write_text(STEPLR, encoding="utf-8")
    refused(cli("gallery", config_dir, "-o", tmp_path / LONG), "longer than the file system allows")


# --------------------------------------------------------------------------- corrupt protobuf


def test_corrupt_protobuf_in_event_file(tmp_path):
    import struct

    from lrviz.actual.tfrecord import masked_crc

    event = b"\x2a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01lr"  # summary field: a length past the end
    header = struct.pack("<Q", len(event))
    record = header + struct.pack("<I", masked_crc(header)) + event + struct.pack("<I", masked_crc(event))
    path = tmp_path / "events.out.tfevents.1.x"
    path.write_bytes(record)
    result = cli("show", PLAN, "--actual", path)
    refused(result, "events.out.tfevents")


# --------------------------------------------------------------------------- FIFOs, devices, folders


@pytest.fixture
def fifo(tmp_path):
    def make(name: str) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        return path

    return make


@linux_only
@pytest.mark.parametrize("name", ["c.yaml", "hf.json", "timm.yaml"])
def test_fifo_config_or_framework_file(fifo, name):
    refused(cli("show", fifo(name)), name, "FIFO")


@linux_only
def test_fifo_sidecar(tmp_path, fifo):
    path = tmp_path / "hf.json"
    path.write_bytes(HF_JSON.read_bytes())
    fifo("hf.json.lrviz")  # not a sidecar: ignored, and the file's facts are missing
    result = cli("show", path)
    refused(result, "hf.json", "--dataset-size")


@linux_only
def test_fifo_metric_csv(tmp_path, fifo):
    fifo("m.csv")
    config = tmp_path / "c.yaml"
    config.write_text(
        "steps: 10\nscheduler: ReduceLROnPlateau\nmetric: {csv: m.csv}\n",
        encoding="utf-8",
    )
    for command in ("show", "export"):
        refused(
            cli(command, config, "-o", tmp_path / "out.csv") if command == "export" else cli(command, config), "FIFO"
        )
    assert not (tmp_path / "out.csv").exists()


@linux_only
@pytest.mark.parametrize("name", ["trainer_state.json", "metrics.csv", "lr.csv", "events.out.tfevents.1.x"])
def test_fifo_log_file(fifo, name):
    refused(cli("show", PLAN, "--actual", fifo(name)), name)


@linux_only
@pytest.mark.parametrize("name", ["trainer_state.json", "metrics.csv"])
def test_fifo_log_inside_a_folder(tmp_path, name):
    folder = tmp_path / "run"
    folder.mkdir()
    os.mkfifo(folder / name)
    result = cli("show", PLAN, "--actual", folder)
    assert result.exit_code == 2 and "internal error" not in result.stderr


@linux_only
def test_fifo_tensorboard_in_folder(tmp_path):
    folder = tmp_path / "tb"
    folder.mkdir()
    os.mkfifo(folder / "events.out.tfevents.1.x")
    result = cli("show", PLAN, "--actual", folder)
    assert result.exit_code == 2 and "internal error" not in result.stderr


@linux_only
def test_fifo_in_sphinx_cache_inputs(tmp_path, fifo):
    from lrviz.sphinxcache import sha256

    with alarm():
        assert sha256(fifo("m.csv")) is None


@linux_only
def test_fifo_through_the_sphinx_directive_reader(tmp_path, fifo):
    from lrviz.sphinxext import draw

    with alarm(), pytest.raises(LrvizError, match="FIFO"):
        draw(fifo("c.yaml"), "c.yaml", {}, cache_dir=tmp_path / "cache", trust=False)


def test_device_is_refused():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    refused(cli("show", "/dev/zero"), "character device")


def test_open_regular_checks_the_open_descriptor(tmp_path):
    from lrviz.inputs import read_capped

    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 101)
    with pytest.raises(LrvizError, match="larger than"):
        read_capped(big, limit=100)
    assert read_capped(big, limit=101) == b"x" * 101
    with pytest.raises(LrvizError, match="is a folder"):
        read_capped(tmp_path, limit=100)


# --------------------------------------------------------------------------- sparse and huge files, bounded memory

_MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
sys.stderr.write(proc.stderr)
"""
#: A run of lrviz (torch and matplotlib loaded, workers forked) needs well under 1.5 GB
#: here; reading a 3 GiB sparse file whole would need more than 3 GB.
MEMORY_BOUND_KB = 1536 * 1024


def measured(*args: object) -> tuple[int, int, str]:
    """(exit code, peak RSS in kB of the largest process, stderr) of an lrviz command run in a child."""
    lrviz = [sys.executable, "-m", "lrviz", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LRVIZ_TRUST", None)
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *lrviz], capture_output=True, text=True, timeout=700, env=env
    )
    code, rss = map(int, proc.stdout.split())
    return code, rss, proc.stderr


def sparse(path: Path, size: int = 3 * 2**30, head: bytes = b"") -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def test_sparse_yaml_in_a_gallery_folder_is_refused_by_size_with_bounded_memory(tmp_path):
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "good.yaml").write_text(STEPLR, encoding="utf-8")
    sparse(config_dir / "huge.yaml")
    code, rss, stderr = measured("gallery", config_dir, "-o", tmp_path / "out", "-j", "2")
    assert code == 1, stderr
    assert "huge.yaml" in stderr and "larger than 1000 kB" in stderr
    assert rss < MEMORY_BOUND_KB, f"peak RSS {rss} kB"


def test_sparse_yaml_through_the_sphinx_directive_with_bounded_memory(tmp_path):
    path = sparse(tmp_path / "huge.yaml")
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from lrviz.errors import LrvizError\n"
        "from lrviz.sphinxext import draw\n"
        "try:\n"
        f"    draw(Path({str(path)!r}), 'huge.yaml', {{}}, cache_dir=Path({str(tmp_path / 'cache')!r}), trust=False)\n"
        "except LrvizError as exc:\n"
        "    print(exc)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env)
    message, rss = proc.stdout.splitlines()
    assert "larger than 1000 kB" in message, proc.stderr
    assert int(rss) < MEMORY_BOUND_KB


def test_sparse_log_is_streamed_or_refused_with_bounded_memory(tmp_path):
    path = sparse(tmp_path / "trainer_state.json", 2**30, b'{"log_history": [')  # over the 256 MiB cap
    code, rss, stderr = measured("show", PLAN, "--actual", path)
    assert code == 2 and "256 MiB" in stderr, stderr
    assert rss < MEMORY_BOUND_KB


# --------------------------------------------------------------------------- signals


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("LRVIZ_TRUST", None)
    return env


def _wait_for(predicate, timeout: float = 300.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@linux_only
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_during_export_leaves_no_temporary_file_and_the_previous_output(tmp_path, signum):
    config = tmp_path / "long.yaml"
    config.write_text(
        yaml.safe_dump({"steps": 3_000_000, "scheduler": "CosineAnnealingLR", "params": {"T_max": 3_000_000}}),
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    out.write_text("previous\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrviz", "export", str(config), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    try:
        started = _wait_for(lambda: any(tmp_path.glob(".lrviz-tmp-*")) or proc.poll() is not None)
        assert started and proc.poll() is None, "the export ended before it started writing"
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr and f"stopped by {signal.Signals(signum).name}" in stderr
    assert not list(tmp_path.glob(".lrviz-*")), "a temporary file was left behind"
    assert out.read_text(encoding="utf-8") == "previous\n"


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(x) for x in text.split()}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _gallery_setup(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    for i in range(6):
        steps = 400_000 + i
        (config_dir / f"c{i}.yaml").write_text(
            yaml.safe_dump({"steps": steps, "scheduler": "CosineAnnealingLR", "params": {"T_max": steps}}),
            encoding="utf-8",
        )
    out = tmp_path / "out"
    out.mkdir()
    from lrviz.gallery import MARKER

    previous = {"README.md": (MARKER + "\nprevious\n").encode(), "c0.svg": b"<svg>previous</svg>", "old.png": b"png"}
    for name, data in previous.items():
        (out / name).write_bytes(data)
    return config_dir, out, previous


@linux_only
@pytest.mark.parametrize(
    "signum",
    [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL],
    ids=["SIGTERM", "SIGHUP", "SIGINT", "SIGKILL"],
)
def test_signal_during_gallery_leaves_no_process_and_the_previous_gallery(tmp_path, signum):
    config_dir, out, previous = _gallery_setup(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrviz", "gallery", str(config_dir), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    workers: set[int] = set()
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None), "no workers started"
        assert proc.poll() is None, proc.communicate()
        workers = _children(proc.pid)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == (-signal.SIGKILL if signum == signal.SIGKILL else 128 + signum), stderr
    assert "Traceback" not in stderr
    # every worker ends with its parent, however the parent ended (PR_SET_PDEATHSIG after SIGKILL)
    assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=60), "a worker outlived the gallery"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous, "the previous gallery was changed"


@linux_only
def test_gallery_on_a_full_disk_leaves_the_previous_gallery(tmp_path):
    """A file-size limit makes writes fail as a full disk does (EFBIG, SIGXFSZ ignored)."""
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    for i in range(3):
        (config_dir / f"c{i}.yaml").write_text(STEPLR.replace("12", str(12 + i)), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    from lrviz.gallery import MARKER

    previous = {"README.md": (MARKER + "\nprevious\n").encode(), "c0.svg": b"<svg>previous</svg>"}
    for name, data in previous.items():
        (out / name).write_bytes(data)

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    proc = subprocess.run(
        [sys.executable, "-m", "lrviz", "gallery", str(config_dir), "-o", str(out), "-j", "1"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
        preexec_fn=limit,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous


def test_gallery_write_all_puts_back_what_it_replaced(tmp_path, monkeypatch):
    """A rename that fails part-way puts every replaced file back (lrviz.io.write_all)."""
    import lrviz.io as io_module

    (tmp_path / "a").write_bytes(b"old a")
    (tmp_path / "b").write_bytes(b"old b")
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(io_module.os, "replace", failing)
    with pytest.raises(LrvizError, match="No space left"):
        io_module.write_all({tmp_path / "a": b"new a", tmp_path / "b": b"new b", tmp_path / "c": b"new c"})
    monkeypatch.setattr(io_module.os, "replace", real)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {"a": b"old a", "b": b"old b"}


# --------------------------------------------------------------------------- the gallery's refusals write nothing


def _listing(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def test_gallery_refuses_a_users_readme_before_writing_anything(tmp_path):
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "c.yaml").write_text(STEPLR, encoding="utf-8")
    out = tmp_path / "project"
    out.mkdir()
    (out / "README.md").write_text("# my project\n", encoding="utf-8")
    before = _listing(tmp_path)
    refused(cli("gallery", config_dir, "-o", out), "README.md", "refusing to overwrite")
    assert _listing(tmp_path) == before


def test_gallery_refuses_an_output_that_is_a_file_before_writing(tmp_path):
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "c.yaml").write_text(STEPLR, encoding="utf-8")
    out = tmp_path / "out"
    out.write_text("a file\n", encoding="utf-8")
    before = _listing(tmp_path)
    result = cli("gallery", config_dir, "-o", out)
    refused(result, "out")
    assert _listing(tmp_path) == before


@linux_only
def test_gallery_does_not_quote_a_linked_system_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:SECRET-HASH:0:0\n", encoding="utf-8")
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "c.yaml").write_text(STEPLR, encoding="utf-8")
    (config_dir / "leak.yaml").symlink_to(secret)
    result = cli("gallery", config_dir, "-o", tmp_path / "out", "-j", "1")
    assert result.exit_code == 1
    assert "SECRET" not in result.stderr + result.stdout
    assert "outside the config folder" in result.stderr
    pages = list((tmp_path / "out").iterdir())
    assert pages  # c.yaml was drawn
    for page in pages:
        assert b"SECRET" not in page.read_bytes()


def test_worker_pool_watches_its_parent():
    """The worker initializer asks the kernel for SIGKILL when the parent ends (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's; elsewhere a thread polls getppid")
    script = (
        "import ctypes, os, signal\n"
        "from lrviz.executor import _die_with\n"
        "_die_with(os.getppid())\n"
        "libc = ctypes.CDLL(None)\n"
        "sig = ctypes.c_int()\n"
        "libc.prctl(2, ctypes.byref(sig))\n"  # PR_GET_PDEATHSIG
        "print(sig.value)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=_env())
    assert proc.stdout.strip() == str(int(signal.SIGKILL)), proc.stderr


def test_is_regular_and_kinds(tmp_path):
    from lrviz.inputs import file_kind, is_regular

    assert not is_regular(tmp_path) and not is_regular(tmp_path / "missing")
    assert file_kind(stat.S_IFIFO) == "a FIFO (named pipe)"


# --------------------------------------------------------------------------- TensorBoard: records and bytes bounded


def test_tensorboard_record_count_is_bounded(monkeypatch):
    """The fuzz's 20M tiny records ran for minutes: the cap is now 5M, and each record is cheap to pass."""
    from lrviz.actual import limits

    assert limits.MAX_RECORDS <= 5_000_000
    monkeypatch.setattr(limits, "MAX_RECORDS", 3)
    events = LOGS / "tensorboard" / "events.out.tfevents.1700000000.example.first"
    refused(cli("show", LOGS / "tensorboard" / "plan.yaml", "--actual", events), "more than 3 records")


def test_tensorboard_bytes_read_are_bounded(monkeypatch):
    from lrviz.actual import limits

    monkeypatch.setattr(limits, "MAX_EVENT_BYTES", 100)
    events = LOGS / "tensorboard" / "events.out.tfevents.1700000000.example.first"
    refused(cli("show", LOGS / "tensorboard" / "plan.yaml", "--actual", events), "MiB of records")


def test_tensorboard_length_checksums_are_still_verified(tmp_path):
    """Keeping the checksums of lengths seen must not let a bad one through."""
    data = bytearray((LOGS / "tensorboard" / "events.out.tfevents.1700000000.example.first").read_bytes())
    data[8] ^= 0xFF  # the first record's length checksum
    path = tmp_path / "events.out.tfevents.1.x"
    path.write_bytes(bytes(data))
    refused(cli("show", LOGS / "tensorboard" / "plan.yaml", "--actual", path), "length checksum")


def test_int_string_limit_in_trainer_state(tmp_path):
    """Found by tests/test_fuzz_surfaces.py: json.loads itself raised Python's int-string limit."""
    text = (LOGS / "hf" / "trainer_state.json").read_text(encoding="utf-8")
    path = tmp_path / "trainer_state.json"
    path.write_text(text.replace('"step": 2', '"step": ' + "9" * 5000, 1), encoding="utf-8")
    refused(cli("show", PLAN, "--actual", path), "trainer_state.json", "5000 characters")


def test_a_huge_integer_from_python_is_refused_at_load_naming_the_key(tmp_path):
    """A mapping from Python skips the YAML reader's 100-character cap: a 5000-digit total_iters loaded,
    ran, then crashed the JSON export (Python will not print ints past 4300 digits). Found by issue 27's fuzz."""
    import lrviz

    config = {"steps": 3, "scheduler": "ConstantLR", "params": {"factor": 0.5, "total_iters": 10**5000}}
    with pytest.raises(LrvizError) as info:
        lrviz.export(config, tmp_path / "out.json")
    assert str(info.value) == "params.total_iters: an integer of about 5000 digits; at most 100"
    assert not (tmp_path / "out.json").exists()
    config["params"]["total_iters"] = 10**99  # 100 digits: what the YAML reader admits
    data = json.loads(lrviz.export(config, tmp_path / "out.json").read_text())
    assert data["config"]["schedules"][0]["params"]["total_iters"] == 10**99
