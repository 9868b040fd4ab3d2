"""Plan vs actual on real Lightning runs of four releases and on real Trainer TensorBoard logs (issue 25).

tools/make_lightning_runs.sh made tests/data/lightning_runs: a real ``Trainer.fit`` per run under
pytorch-lightning 1.9.5, 2.0.9, 2.4.0 and 2.6 (torch 2.13 CPU), logging through a
``LearningRateMonitor`` into a CSVLogger (``metrics.csv``) and a TensorBoardLogger (``tb/``). Each run
folder holds the lrviz config of the schedule the run built (``plan.yaml``) and ``run.json``: what the
run recorded from inside its loop (the lr of every group each optimizer step used, keyed by
``trainer.global_step``; the steps the fp16 loss scaler skipped; a resume's checkpoint). Every
expectation below comes from run.json or from what the run's settings say in closed form -- never from
lrviz's output -- and the suite needs none of those releases.

tools/make_hf_tb_runs.sh made tests/data/hf_tb_runs: real ``Trainer.train()`` runs of transformers
4.50.3, 4.57.6 and 5.23 with ``report_to="tensorboard"``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrviz.actual import read_actual
from lrviz.cli import app
from tests.optional import import_or_skip

DATA = Path(__file__).parent / "data"
RUNS = sorted(p for p in (DATA / "lightning_runs").glob("*/*") if (p / "run.json").is_file())
HF_TB = sorted(p for p in (DATA / "hf_tb_runs").glob("*/*") if (p / "run.json").is_file())
runner = CliRunner()


def _facts(run: Path) -> dict:
    facts: dict = json.loads((run / "run.json").read_text())
    return facts


def _release(facts: dict) -> tuple[int, int]:
    major, minor = facts["release"]["pytorch_lightning"].split(".")[:2]
    return int(major), int(minor)


def _check(config: Path, log: Path, *extra: str) -> dict:
    result = runner.invoke(app, ["check", str(config), "--actual", str(log), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    report: dict = json.loads(result.stdout)["actual"][0]
    return report


def _logs(run: Path) -> list[Path]:
    return [run / "metrics.csv", run / "tb"]


def test_the_corpus_has_every_release_and_case():
    releases = {p.parent.name for p in RUNS}
    assert {"1.9.5", "2.0.9", "2.4.0"} <= releases and any(r.startswith("2.6") for r in releases)
    for release in releases:
        assert {p.name for p in RUNS if p.parent.name == release} == {
            "step", "accum-sparse", "epoch-interval", "skipped", "resume", "resume-lambda"}  # fmt: skip
    assert {p.parent.name for p in HF_TB} >= {"4.50.3", "4.57.6"}


AGREEING = [p for p in RUNS if p.name != "resume-lambda"]


@pytest.mark.parametrize("run", AGREEING, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_lightning_log_agrees_with_the_schedule_the_run_built(run):
    """Agreement under the rules of the release that made the log, both loggers."""
    facts = _facts(run)
    resumed_early = "resume" in facts and _release(facts) < (2, 5)
    logs = _logs(run)
    assert logs, run
    for log in logs:
        report = _check(run / "plan.yaml", log)
        assert report["verdict"]["class"] == "agrees", report["verdict"]
        release = report["release"]
        assert release["framework"] == "pytorch-lightning"
        if resumed_early:  # the resumed run logged one step low: only the 1.9-2.4 reading agrees
            assert release["releases"] == "1.9 to 2.4", release
        else:
            assert release["releases"].startswith(("1.9 to 2.6", "2.5 and later")), release
        assert report["comparisons"][0]["steps"] == facts["optimizer_steps"]


@pytest.mark.parametrize("run", RUNS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_logged_value_is_the_lr_that_optimizer_step_used(run):
    """The reading lrviz chose maps every logged point to the step whose lr the run recorded (run.json)."""
    from lrviz.actual.readings import lightning_resume_lag

    facts = _facts(run)
    used = np.array(facts["lr_used"])  # (steps, groups)
    logs = _logs(run)
    assert logs, run
    for log_path in logs:
        log = read_actual(log_path)
        if "resume" in facts and _release(facts) < (2, 5):
            log = lightning_resume_lag(log)
            assert log is not None
        series = log.lr_series()
        assert series, log_path
        for s in series:
            group = 1 if s.name.endswith("/head") else 0
            inside = s.rows < used.shape[0]
            assert np.all(inside), (s.name, s.rows)
            truth = used[s.rows, group]
            tol = 0 if s.dtype == "float64" else 1e-7
            assert np.allclose(s.values, truth, rtol=tol, atol=0), (log_path, s.name)


def test_resume_lag_is_what_the_checkpoint_stored_and_what_each_release_did():
    """The checkpoint of every release stores _batches_that_stepped one below global_step; 2.5 adds the one back."""
    resumes = [p for p in RUNS if p.name.startswith("resume")]
    assert len(resumes) == 8  # resume and resume-lambda under 4 releases
    for run in resumes:
        facts = _facts(run)
        resume = facts["resume"]
        assert resume["batches_that_stepped_saved"] == resume["checkpoint_step"] - 1
        first_step = read_actual(run / "metrics.csv").lr_series()[0].steps[0]
        lag = 1 if _release(facts) < (2, 5) else 0
        assert first_step == resume["checkpoint_step"] - lag, run
        if run.name == "resume":
            # the scheduler's state, not configure_optimizers, decides T_max after a resume (run.json from the ckpt)
            assert resume["T_max_restored"] == resume["max_steps_before"] != resume["max_steps_after"]
        else:  # a LambdaLR's state holds no total: the rebuilt lambda has the new one
            assert "T_max" not in resume["scheduler_state_keys"] and "lr_lambdas" in resume["scheduler_state_keys"]


@pytest.mark.parametrize("run", [p for p in RUNS if p.name == "resume"], ids=lambda p: p.parent.name)
def test_a_resume_read_the_other_release_s_way_does_not_agree(run):
    """The two readings are told apart by the log itself: the wrong one never agrees."""
    from lrviz.actual import compare_plan
    from lrviz.actual.readings import lightning_resume_lag
    from lrviz.check.actual import plan_trajectories
    from lrviz.validate import load_config

    facts = _facts(run)
    plan = plan_trajectories(load_config(run / "plan.yaml"))
    plain = read_actual(run / "metrics.csv")
    plain.meta["release"] = {"rules": "as read"}  # compare as read, no other reading tried
    lagged = lightning_resume_lag(read_actual(run / "metrics.csv"))
    assert lagged is not None
    lagged.meta["release"] = {"rules": "as read"}
    early = _release(facts) < (2, 5)
    assert compare_plan(plan, [plain])[0].ok is (not early)
    assert compare_plan(plan, [lagged])[0].ok is early


@pytest.mark.parametrize("run", [p for p in RUNS if p.name == "resume"], ids=lambda p: p.parent.name)
def test_a_resume_with_a_changed_max_steps_keeps_the_first_t_max(run, tmp_path):
    """Planned with the new max_steps as T_max (what configure_optimizers asked for), the log differs: the
    restored scheduler state kept T_max 10. metrics.csv holds the resumed fit only (a CSVLogger of the same
    version deletes the first fit's file), so its first logged step, the checkpoint's (one low up to 2.4), already
    differs; the cause names the length the run kept and the plan's, as run.json recorded them."""
    facts = _facts(run)
    resume = facts["resume"]
    config = {"steps": 16, "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
              "scheduler": "CosineAnnealingLR", "params": {"T_max": resume["max_steps_after"]}}  # fmt: skip
    path = tmp_path / "t_max_16.yaml"
    path.write_text(json.dumps(config))
    report = _check(path, run / "metrics.csv")
    verdict = report["verdict"]["per_schedule"][0]
    assert verdict["class"] == "different-total", verdict
    values = verdict["cause"]["values"]
    assert values["run_total"] == resume["T_max_restored"] and values["plan_total"] == resume["max_steps_after"]
    assert values["key"] == "T_max" and values["reason"] == "resume"
    assert verdict["step"] == resume["checkpoint_step"]  # as a row: the step whose lr first differs
    early = _release(facts) < (2, 5)
    assert report["release"]["releases"] == ("1.9 to 2.4" if early else "1.9 to 2.6")


@pytest.mark.parametrize("run", [p for p in RUNS if p.name == "resume-lambda"], ids=lambda p: p.parent.name)
def test_a_resume_whose_lambda_takes_the_new_total_is_resume_total_with_both_totals(run):
    """transformers' linear schedule in configure_optimizers, resumed with max_steps 16 from a 10-step run's
    checkpoint 5: the first step after the resume uses the lr the optimizer's state restored (the first plan's,
    run.json), then the new total. metrics.csv (the resumed fit) and tb/ (both fits, one version) say so."""
    facts = _facts(run)
    resume = facts["resume"]
    used = [g[0] for g in facts["lr_used"]]
    k = resume["checkpoint_step"] + 1  # steps 0..5: the first plan's lr (5 as the optimizer's state restored it)
    assert used[:k] == [g[0] for g in resume["first_fit_lr_used"][:k]]
    logs = _logs(run)
    assert logs, run
    for log in logs:
        report = _check(run / "plan.yaml", log)
        verdict = report["verdict"]["per_schedule"][0]
        assert verdict["class"] == "resume-total", (log, verdict)
        values = verdict["cause"]["values"]
        assert values["resume_step"] == resume["checkpoint_step"]
        assert values["total_before"] == resume["max_steps_before"]
        assert values["total_after"] == resume["max_steps_after"] == facts["optimizer_steps"]
        if _release(facts) < (2, 5):
            assert report["release"]["releases"] == "1.9 to 2.4", report["release"]


def test_skipped_fp16_steps_do_not_move_a_lightning_log():
    """The loss scaler skipped 3 optimizer steps in every release; Lightning stepped the scheduler anyway."""
    skipped = [p for p in RUNS if p.name == "skipped"]
    assert len(skipped) == 4  # one per release
    for run in skipped:
        facts = _facts(run)
        assert facts["skipped_steps"] == facts["settings"]["poison"] == [3, 7, 8]
        assert _check(run / "plan.yaml", run / "metrics.csv")["verdict"]["class"] == "agrees"


def test_logged_steps_follow_the_monitor_s_rules():
    """log_every_n_steps 3 with accumulation 2: steps k with (k + 1) % 3 == 0, each logged once per batch of the
    accumulation; an epoch-interval scheduler: the steps at each epoch's start (6 optimizer steps an epoch)."""
    assert len(RUNS) == 24  # 6 runs under 4 releases
    for run in RUNS:
        facts = _facts(run)
        log = read_actual(run / "metrics.csv")
        s = log.lr_series()[0]
        if run.name == "accum-sparse":
            assert s.steps.tolist() == [k for k in range(facts["optimizer_steps"]) if (k + 1) % 3 == 0]
            assert s.duplicates == len(s.steps) and not s.rewritten  # the accumulation's 2nd batch logs it again
        elif run.name == "epoch-interval":
            assert s.steps.tolist() == [0, 6, 12, 18]


@pytest.mark.parametrize("run", HF_TB, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trainer_tensorboard_logs_are_read_under_their_release_s_rules(run):
    import_or_skip("transformers", "hf")
    facts = _facts(run)
    report = _check(run / "training_args.json", run / "tb", "--dataset-size", str(facts["dataset_size"]))
    minor = tuple(int(x) for x in facts["release"]["transformers"].split(".")[:2])
    releases = report["release"]["releases"].split(" / ")
    if minor <= (4, 50):
        assert releases == ["4.40 to 4.50"], report["release"]
    else:
        assert "4.40 to 4.50" not in releases, report["release"]
    verdict = report["verdict"]
    if facts["skipped_steps"]:
        assert verdict["class"] == "skipped-steps", verdict
        assert verdict["per_schedule"][0]["cause"]["values"]["steps"] == facts["skipped_steps"]
    else:
        assert verdict["class"] == "agrees", verdict


@pytest.mark.parametrize("run", HF_TB, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trainer_tensorboard_values_are_the_lr_each_step_used(run):
    """train/learning_rate at global_step k is the lr of step k-1 (4.51+) or of step k (up to 4.50)."""
    facts = _facts(run)
    (s,) = read_actual(run / "tb").lr_series()
    assert s.name == "train/learning_rate"
    used = np.array(facts["lr_used"], dtype=np.float32).astype(np.float64)
    minor = tuple(int(x) for x in facts["release"]["transformers"].split(".")[:2])
    rows = s.steps if minor <= (4, 50) else s.steps - 1
    skips = np.array(facts["skipped_steps"])
    # a skipped step does not step the scheduler: the lr step k used is the plan's at k minus earlier skips;
    # run.json holds what each step used, so the mapping is direct
    inside = rows < used.shape[0]
    assert int(np.count_nonzero(~inside)) <= 1  # up to 4.50 the last entry is the lr after the last step
    assert np.array_equal(s.values[inside], used[rows[inside]]), (s.values, used, skips)


def test_the_figure_draws_the_resumed_log_at_its_steps_and_names_the_length(tmp_path):
    """plot's figure, read back: the 2.0.9 log (steps 4..14) is drawn at the rows of the lr it holds (5..15, as
    run.json says), and the divergence's label names the kept T_max and the planned one."""
    from lrviz.actual import compare_plan
    from lrviz.check.lengths import attach
    from lrviz.render.plot import PlotOptions, figure_for
    from lrviz.simulate import simulate
    from lrviz.sources import load_source

    run = DATA / "lightning_runs" / "2.0.9" / "resume"
    resume = _facts(run)["resume"]
    path = tmp_path / "t_max_16.yaml"
    path.write_text(json.dumps({"steps": 16, "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
                                "scheduler": "CosineAnnealingLR", "params": {"T_max": 16}}))  # fmt: skip
    loaded = load_source(path)
    (log,) = attach([loaded], [read_actual(run / "metrics.csv")])
    result = simulate(loaded.config)
    reports = compare_plan(result.trajectories, [log])
    fig = figure_for(result, PlotOptions(dpi=72), actual=reports)
    (ax,) = fig.axes
    (marks,) = [ln for ln in ax.get_lines() if ln.get_marker() in ("x", "+") and ln.get_linestyle() == "None"]
    assert marks.get_xdata().tolist() == list(range(resume["checkpoint_step"], 16))
    texts = [t.get_text() for t in ax.texts]
    kept, asked = resume["T_max_restored"], resume["max_steps_after"]
    label = f"step {resume['checkpoint_step']}: T_max {kept} run, {asked} planned"
    assert label in texts, texts
