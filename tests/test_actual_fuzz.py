"""Damaged logs never crash lrviz: a mutated event file, CSV or trainer_state.json either reads (and
compares) or raises LrvizError -- never another exception.

60 examples per property (HYPOTHESIS_PROFILE=long: 1000).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrviz.actual import compare_log, read_actual
from lrviz.errors import LrvizError
from tests.optional import import_or_skip

EXAMPLES = 1000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 60
#: No deadline: a slow example on a busy machine is not a failure (unit tests never assert a time).
#: Each example is bounded by construction instead (small files, lrviz's input limits).
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
PLAN = np.linspace(0.1, 0.0, 40).reshape(40, 1)


def read_and_compare(path: Path) -> None:
    """The property: an ActualLog that compares without error, or an LrvizError."""
    try:
        log = read_actual(path)
    except LrvizError as exc:
        assert str(exc)
        return
    result = compare_log(PLAN, None, ["g"], log)
    json.dumps(result.to_dict(), allow_nan=False)


def _mutate(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for pos, value in flips:
        out[pos % len(out)] = value
    return bytes(out[: cut % (len(out) + 1)] if cut is not None else out)


mutations = st.tuples(
    st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6),
    st.none() | st.integers(0, 1 << 20),
)


@pytest.fixture(scope="module")
def event_bytes(tmp_path_factory) -> bytes:
    import_or_skip("tensorboard", "tensorboard")  # the seed event file is written with torch's SummaryWriter
    from torch.utils.tensorboard import SummaryWriter

    folder = tmp_path_factory.mktemp("seed")
    with SummaryWriter(str(folder)) as w:
        for i in range(30):
            w.add_scalar("lr", 0.1 * (1 - i / 40), i)
            w.add_scalar("loss", 1.0 / (i + 1), i)
            w.add_scalar("lr_d", 0.1 * (1 - i / 40), i, new_style=True, double_precision=True)
    (path,) = folder.iterdir()
    return path.read_bytes()


@FUZZ
@given(mutation=mutations)
def test_mutated_event_file(event_bytes, mutation):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.out.tfevents.1.fuzz"
        path.write_bytes(_mutate(event_bytes, *mutation))
        read_and_compare(path)


STATE = json.dumps(
    {
        "global_step": 30,
        "max_steps": 30,
        "log_history": [{"loss": 1.0, "learning_rate": 0.1 * (1 - i / 40), "step": i + 1} for i in range(30)],
    },
    indent=2,
).encode()


@FUZZ
@given(mutation=mutations)
def test_mutated_trainer_state(mutation):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trainer_state.json"
        path.write_bytes(_mutate(STATE, *mutation))
        read_and_compare(path)


CSV_PIECES = ["lr-SGD", "lr-SGD-momentum", "step", "lr", "loss", ",", '"', "\n", "\r\n", "0", "1", "0.1", "1e-3",
              "nan", "-inf", "x", "", " ", "\x00", "\xff", "lr-SGD/pg2", "step,lr\n", "12.5", "-3"]  # fmt: skip


@FUZZ
@given(pieces=st.lists(st.sampled_from(CSV_PIECES), max_size=80), lightning=st.booleans())
def test_random_csv(pieces, lightning):
    header = "lr-SGD,lr-SGD-momentum,step\n" if lightning else "step,lr\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.csv"
        path.write_bytes((header + "".join(pieces)).encode("utf-8", errors="surrogatepass"))
        read_and_compare(path)
