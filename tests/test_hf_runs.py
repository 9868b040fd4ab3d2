"""Plan vs actual on real Trainer runs of five transformers releases (tests/data/hf_runs, issue 25).

tools/make_hf_runs.sh made the corpus: a real ``Trainer.train()`` per run under transformers 4.46.3,
4.50.3, 4.51.3, 4.57.6 and 5.23.0 (torch 2.13 CPU). Each run folder holds the trainer_state.json the
Trainer saved, the TrainingArguments keys it was given and ``run.json``: what the run itself recorded
from inside its loop (the lr every optimizer step used, the steps the Trainer skipped, the
checkpoint a resume started from, the GPUs and processes the Trainer counted). Every expectation
below comes from run.json, the trainer_state.json or a closed form written here -- never from
lrviz's output -- and the suite needs none of those releases.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrviz.cli import app
from tests.optional import import_or_skip

import_or_skip("transformers", "hf")
import_or_skip("accelerate", "hf")

CORPUS = Path(__file__).parent / "data" / "hf_runs"
RUNS = sorted(p for p in CORPUS.glob("*/*") if (p / "run.json").is_file())
runner = CliRunner()

#: The release ranges whose rules differ, and which range each release of the corpus belongs to.
RANGE = {
    "4.46": "4.40 to 4.50",
    "4.50": "4.40 to 4.50",
    "4.51": "4.51",
    "4.57": "4.52 to 4.57",
    "5.23": "5.2 and later",
}


def _facts(run: Path) -> tuple[dict, dict, dict]:
    return (
        json.loads((run / "run.json").read_text()),
        json.loads((run / "trainer_state.json").read_text()),
        json.loads((run / "training_args.json").read_text()),
    )


def _check(run: Path, *extra: str) -> dict:
    facts = json.loads((run / "run.json").read_text())
    result = runner.invoke(
        app,
        ["check", str(run / "training_args.json"), "--dataset-size", str(facts["dataset_size"]),
         "--actual", str(run / "trainer_state.json"), "--format", "json", *extra],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    report: dict = json.loads(result.stdout)["actual"][0]
    return report


def _minor(facts: dict) -> str:
    return ".".join(facts["release"]["transformers"].split(".")[:2])


def test_the_corpus_has_every_release_and_case():
    releases = {p.parent.name for p in RUNS}
    assert {"4.46.3", "4.50.3", "4.51.3", "4.57.6"} <= releases and any(r.startswith("5.") for r in releases)
    for release in releases:
        names = {p.name for p in RUNS if p.parent.name == release}
        assert names == {"epochs-accum", "epochs-fraction", "warmup-ratio", "warmup-steps", "skipped", "resume",
                         "dataparallel", "processes"}  # fmt: skip


def _expected_class(facts: dict) -> str:
    if facts["skipped_steps"]:
        return "skipped-steps"
    if "resume" in facts:
        return "resume-total"
    if facts["world_size"] > 1 or facts["n_gpu"] > 1:
        return "different-total"
    return "agrees"


@pytest.mark.parametrize("run", RUNS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_verdict_and_its_numbers_match_what_the_run_recorded(run):
    facts, state, args = _facts(run)
    report = _check(run)
    verdict = report["verdict"]
    expected = _expected_class(facts)
    assert verdict["class"] == expected, verdict
    # the release the log is read under includes the release that made it
    assert RANGE[_minor(facts)] in report["release"]["releases"].split(" / "), report["release"]
    if expected == "agrees":
        (comparison,) = report["comparisons"]
        assert comparison["steps"] == len(facts["lr_used"])  # the plan's total = the optimizer steps the run took
        return
    cause = verdict["per_schedule"][0]["cause"]["values"]
    if expected == "skipped-steps":
        assert cause["steps"] == facts["skipped_steps"] and cause["count"] == len(facts["skipped_steps"])
        assert cause["exact"] is True  # every step logged: each skip is placed exactly
    elif expected == "resume-total":
        assert cause["resume_step"] == facts["resume"]["checkpoint_step"]
        assert cause["total_before"] == facts["resume"]["max_steps_before"]
        assert cause["total_after"] == state["max_steps"] == args["max_steps"]
    else:
        assert cause["run_total"] == len(facts["lr_used"]) == state["max_steps"]
        per_device, n = args["per_device_train_batch_size"], facts["dataset_size"]
        # one process, no DataParallel: ceil(n / per_device) batches per epoch, one update each
        assert cause["plan_total"] == math.ceil(n / per_device) * args["num_train_epochs"]
        if facts["n_gpu"] > 1:
            assert f"DataParallel over {facts['n_gpu']} GPUs" in cause["reason"]
            assert facts["train_batch_size"] == state["train_batch_size"] == per_device * facts["n_gpu"]
        else:
            assert f"{facts['world_size']} processes" in cause["reason"]
        assert cause["agrees_at_run_total"] is True


@pytest.mark.parametrize("run", RUNS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_facts_of_the_log_that_contradict_the_plan_come_with_both_numbers(run):
    facts, state, args = _facts(run)
    findings = _check(run)["comparisons"][0]["findings"]
    said = {f["code"]: f["message"] for f in findings}
    if facts["world_size"] > 1 or facts["n_gpu"] > 1:
        assert f"the log's max_steps is {state['max_steps']}" in said["fact-max-steps"]
    else:
        assert "fact-max-steps" not in said
    if facts["n_gpu"] > 1:
        message = said["fact-train-batch-size"]
        assert f"train_batch_size is {state['train_batch_size']}" in message
        assert f"per-device batch {args['per_device_train_batch_size']}" in message
    else:
        assert "fact-train-batch-size" not in said


SINGLE = [r for r in RUNS if r.name in ("epochs-accum", "epochs-fraction", "warmup-ratio", "warmup-steps", "processes")]


@pytest.mark.parametrize("run", SINGLE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_planned_with_the_release_rules_the_lr_is_what_each_step_used(run):
    """--transformers-version X.Y plans the file as that release's Trainer ran it, bit for bit."""
    from lrviz.simulate import simulate
    from lrviz.sources import load_source

    facts, _, _ = _facts(run)
    loaded = load_source(
        run / "training_args.json",
        dataset_size=facts["dataset_size"],
        world_size=facts["world_size"],
        transformers_version=facts["release"]["transformers"],
    )
    lr = simulate(loaded.config).trajectories[0].lr[:, 0]
    assert lr.tolist() == facts["lr_used"]


def test_the_rounding_rule_of_each_release_gives_that_release_s_total():
    """epochs-accum: 11 batches, accumulation 4, 3 epochs: 2 updates an epoch up to 4.51, 3 from 4.52."""
    from lrviz.sources import load_source

    runs = [r for r in RUNS if r.name == "epochs-accum"]
    assert len(runs) == 5  # one per release of the corpus
    for run in runs:
        facts, _, args = _facts(run)
        # a transformers 4 file (warmup_ratio) plans under every release; a 5.x one (warmup_steps 0.25) only under 5
        releases = ("4.46", "4.51", "4.52", "5.23") if "warmup_ratio" in args else ("5.23",)
        assert releases
        for release in releases:
            loaded = load_source(run / "training_args.json", dataset_size=22, transformers_version=release)
            assert loaded.config.steps == (6 if release < "4.52" else 9)
        total = load_source(
            run / "training_args.json", dataset_size=22, transformers_version=facts["release"]["transformers"]
        ).config.steps
        assert total == len(facts["lr_used"])


def test_every_command_takes_transformers_version(tmp_path):
    run = next(r for r in RUNS if r.name == "epochs-accum" and r.parent.name.startswith("4.46"))
    args = [str(run / "training_args.json"), "--dataset-size", "22", "--transformers-version", "4.46"]
    out = runner.invoke(app, ["export", *args, "-o", str(tmp_path / "e.csv")])
    assert out.exit_code == 0, out.output
    assert len((tmp_path / "e.csv").read_text().splitlines()) == 1 + 6  # header + 6 optimizer steps
    out = runner.invoke(app, ["convert", *args, "-o", str(tmp_path / "c.yaml")])
    assert out.exit_code == 0 and "steps: 6" in (tmp_path / "c.yaml").read_text()
    out = runner.invoke(app, ["show", *args], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "4.46" in out.output
    out = runner.invoke(app, ["plot", *args, "-o", str(tmp_path / "p.png")])
    assert out.exit_code == 0 and (tmp_path / "p.png").is_file()
    out = runner.invoke(app, ["check", *args, "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["configs"][0]["steps"] == 6
    out = runner.invoke(app, ["export", *args[:-1], "4.x"])
    assert out.exit_code == 2 and "--transformers-version" in out.output and "Traceback" not in out.output


def test_a_given_release_is_used_as_given_even_when_the_log_disagrees():
    run = next(r for r in RUNS if r.name == "epochs-accum" and r.parent.name.startswith("4.57"))
    report = _check(run, "--transformers-version", "4.46")
    assert report["release"]["rules"] == "4.50" and report["release"]["why"][0] == "--transformers-version 4.46"
    assert report["verdict"]["class"] != "agrees"  # 6 planned steps, 9 run: the log says max_steps 9
    said = {f["code"]: f["message"] for f in report["comparisons"][0]["findings"]}
    assert "the log's max_steps is 9, the plan's total 6" in said["fact-max-steps"]
    assert "the rounding rule of transformers 4.52 to 4.57" in said["fact-max-steps"]


def test_a_run_with_another_schedule_and_twice_the_lr_are_named(tmp_path):
    run = next(r for r in RUNS if r.name == "warmup-steps" and r.parent.name.startswith("5."))
    args = json.loads((run / "training_args.json").read_text())
    (tmp_path / "cosine.json").write_text(json.dumps({**args, "lr_scheduler_type": "cosine"}))
    (tmp_path / "half.json").write_text(json.dumps({**args, "learning_rate": args["learning_rate"] / 2}))
    for name, cls in (("cosine.json", "different-shape"), ("half.json", "factor")):
        result = runner.invoke(
            app, ["check", str(tmp_path / name), "--dataset-size", "64", "--actual", str(run / "trainer_state.json"),
                  "--format", "json"],
        )  # fmt: skip
        verdict = json.loads(result.stdout)["actual"][0]["verdict"]
        assert verdict["class"] == cls, verdict
        values = verdict["per_schedule"][0]["cause"]["values"]
        if cls == "factor":
            assert values["factor"] == pytest.approx(2.0, rel=1e-12)
        else:
            assert values == {"run_schedule": args["lr_scheduler_type"], "plan_schedule": "cosine"}


def test_the_lr_logged_up_to_4_50_is_the_lr_after_the_step():
    """What PR #36973 changed, read from the runs: 4.50's entry at step s is the lr step s uses; 4.51's, s-1's."""
    runs = [r for r in RUNS if r.name == "warmup-ratio"]
    assert len(runs) == 5  # one per release of the corpus
    for run in runs:
        facts, state, _ = _facts(run)
        logged = {e["step"]: e["learning_rate"] for e in state["log_history"] if "learning_rate" in e}
        used = facts["lr_used"]
        after = _minor(facts) in ("4.46", "4.50")
        compared = []
        for step, value in logged.items():
            row = step if after else step - 1
            if row < len(used):
                assert value == used[row]
                compared.append(step)
        assert compared and len(compared) >= len(logged) - 1  # all but the final after-step entry were compared


@pytest.mark.parametrize("release", ["4.46.3", "4.50.3", "5.23.0"])
def test_an_lrviz_plan_against_a_log_of_any_release(tmp_path, release):
    """No TrainingArguments file to plan: the log is still read the way its release wrote it."""
    run = CORPUS / release / "warmup-steps"
    facts, state, args = _facts(run)
    plan = {
        "steps": state["max_steps"],
        "optimizer": {"name": "AdamW", "lr": args["learning_rate"]},
        "scheduler": "hf.linear",
        "params": {"num_warmup_steps": args["warmup_steps"], "num_training_steps": state["max_steps"]},
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "plan.yaml").write_text((tmp_path / "plan.json").read_text())
    result = runner.invoke(
        app, ["check", str(tmp_path / "plan.yaml"), "--actual", str(run / "trainer_state.json"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["actual"][0]
    assert report["verdict"]["class"] == "agrees"
    older = _minor(facts) in ("4.46", "4.50")
    assert (report["release"] or {}).get("releases") == ("4.40 to 4.50" if older else None)


@pytest.mark.parametrize("run", [r for r in RUNS if r.name == "resume"], ids=lambda p: p.parent.name)
def test_a_resume_checked_against_the_first_run_s_arguments(tmp_path, run):
    """The plan of the run before the resume (max_steps 10): it holds to the checkpoint, the log's max_steps after."""
    facts, state, args = _facts(run)
    first = {k: v for k, v in facts["resume"]["first_run_args"].items() if not k.startswith("save_")}
    (tmp_path / "first.json").write_text(json.dumps({"learning_rate": args["learning_rate"], **first}))
    result = runner.invoke(
        app, ["check", str(tmp_path / "first.json"), "--dataset-size", str(facts["dataset_size"]),
              "--actual", str(run / "trainer_state.json"), "--format", "json"],
    )  # fmt: skip
    verdict = json.loads(result.stdout)["actual"][0]["verdict"]
    assert verdict["class"] == "resume-total"
    values = verdict["per_schedule"][0]["cause"]["values"]
    assert values["resume_step"] == facts["resume"]["checkpoint_step"]
    assert (values["total_before"], values["total_after"]) == (facts["resume"]["max_steps_before"], state["max_steps"])


def test_skipped_steps_between_sparse_log_points_are_given_as_ranges():
    """Every 3rd step logged: a skip is placed between the two logged steps around it."""
    from lrviz.actual.compare import compare_log
    from lrviz.actual.conventions import PLAIN_CSV
    from lrviz.actual.series import ActualLog, LoggedSeries

    plan = np.linspace(1.0, 0.0, 30, endpoint=False)  # every step a different lr
    skipped = 10  # the optimizer step skipped: from step 11 on, step i uses plan[i - 1]
    used = np.array([plan[i] if i <= skipped else plan[i - 1] for i in range(30)])
    rows = np.arange(0, 30, 3)
    series = LoggedSeries("lr", "lr", rows, rows, used[rows], "float64", PLAIN_CSV)
    c = compare_log(plan[:, None], None, ["g"], ActualLog("x.csv", "csv", [series]))
    (diverged,) = [f for f in c.findings if f.code == "diverged"]
    assert diverged.cause is not None and diverged.cause.code == "skipped-steps"
    assert diverged.cause.values["ranges"] == [[9, 11]] and diverged.cause.values["exact"] is False
