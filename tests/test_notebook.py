"""examples/python-api.ipynb, executed by nbclient on a real ipykernel, as a reader runs it.

The outputs are checked, not only the absence of errors: the results show as images, a
figure from ``lrviz.plot`` shows once (with and without pyplot's inline backend), the
printed lr values are torch's own (a training loop written here, not lrviz), and the
check finds the closure's resume bug where it is.
"""

from __future__ import annotations

import ast
import re

import pytest
import torch

from tests.conftest import REPO
from tests.optional import import_or_skip

NOTEBOOK = REPO / "examples" / "python-api.ipynb"
IMAGES = ("image/png", "image/svg+xml", "image/jpeg")


@pytest.fixture(scope="module")
def executed():
    nbformat = import_or_skip("nbformat", "notebook")
    nbclient = import_or_skip("nbclient", "notebook")
    import_or_skip("ipykernel", "notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    return {c.metadata["tags"][0]: c for c in nb.cells if c.cell_type == "code"}


def images(cell) -> list[str]:
    return [k for o in cell.outputs for k in o.get("data", {}) if k in IMAGES]


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_no_cell_failed(executed):
    assert len(executed) >= 8
    for tag, cell in executed.items():
        assert not [o for o in cell.outputs if o.output_type == "error"], tag


def test_a_result_shows_its_figure_and_table(executed):
    for tag in ("simulate", "compare"):
        (shown,) = [o for o in executed[tag].outputs if o.output_type == "execute_result"]
        assert {"image/png", "text/html"} <= set(shown.data), tag
        assert '<img src="data:image/png;base64,' in shown.data["text/html"] and "<table>" in shown.data["text/html"]


def test_a_figure_shows_once(executed):
    assert images(executed["config"]) == ["image/png"]
    # beside pyplot's inline backend: the user's pyplot figure once, lrviz's figure once
    pyplot = executed["pyplot"]
    assert images(pyplot) == ["image/png", "image/png"]
    assert [o.output_type for o in pyplot.outputs if o.output_type != "stream"].count("execute_result") == 1


def direct_lrs(steps: int) -> list[list[float]]:
    """The notebook's schedule as a training loop would see it, written with torch alone."""
    a, b = torch.zeros(2, 2, requires_grad=True), torch.zeros(2, 2, requires_grad=True)
    opt = torch.optim.AdamW([{"params": [a], "lr": 3e-4}, {"params": [b]}], lr=3e-3, weight_decay=0.05)
    warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=100)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=900)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[100])
    rows = []
    for _ in range(steps):
        rows.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return rows


def test_the_printed_values_are_torchs(executed):
    printed = text(executed["values"])
    values = ast.literal_eval(printed.split(":", 1)[1].strip())
    truth = direct_lrs(1000)
    assert values == [truth[i][1] for i in (0, 50, 100, 500, 999)]
    assert values[2] == 3e-3  # the head's peak, at the milestone


def test_the_check_finds_the_closure(executed):
    printed = text(executed["check"])
    (line, clean) = printed.strip().splitlines()
    assert re.search(r"decay_by_calls: error \[resume-divergence\]", line), line
    assert "first at step 201" in line  # resumed after step 200: the next step differs
    assert clean == "make_scheduler: no findings"


def test_the_frame_shows(executed):
    (shown,) = [o for o in executed["frame"].outputs if o.output_type == "execute_result"]
    html = shown.data["text/html"]
    assert all(f"<th>{c}</th>" in html for c in ("schedule", "group", "step", "lr", "momentum"))
