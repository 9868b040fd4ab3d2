"""Which optimizer step a logged lr belongs to, for each framework, from that framework's source.

lrviz numbers rows the way ``lrviz export`` does: row *i* is the lr the optimizer uses
during optimizer step *i* (0-based). A logger writes a value and a *step* of its own; the
rule that turns the logged step into a row differs per framework, and is decided by a
line of that framework's code, not by us. Each :class:`Convention` below says the rule
(``row = logged step + offset``), quotes the deciding code and names the file and
function (read in the versions pinned in ``constraints.txt``: transformers 5.23,
pytorch-lightning 2.6, torch 2.13). The tests prove every rule against a real run that
records the lr of each optimizer step from inside the training loop.

Readers attach the convention they applied to each series; a comparison reports it, so
a user who disagrees can see exactly which assumption was made and pass ``shift``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    """How one logger's step maps to lrviz rows: ``row = logged_step + offset``."""

    name: str  # short id, e.g. "transformers"
    offset: int
    rule: str  # one sentence for messages
    source: str  # the deciding file and function, as a citation
    code: str  # the deciding lines, quoted
    #: Logged rows past the plan's end that are expected: a log of the lr *after* each scheduler step
    #: ends with the lr after the last one, which no optimizer step used.
    tail: int = 0

    def describe(self) -> str:
        sign = f"{self.offset:+d}" if self.offset else ""
        return f"{self.rule} (row = step{sign}; {self.source})"


#: transformers ``Trainer`` (``trainer_state.json`` ``log_history``, and the ``train/learning_rate``
#: tag its TensorBoardCallback writes). In ``Trainer._run_epoch`` (transformers/trainer.py) the lr is
#: read after ``optimizer.step()`` and *before* ``lr_scheduler.step()``, so it is the lr that step
#: used; then ``global_step`` is incremented, and ``Trainer._maybe_log_save_evaluate`` /
#: ``Trainer.log`` store it under ``"step": self.state.global_step``. Logged step k (1-based) is
#: therefore row k-1. Only ``get_last_lr()[0]`` is logged: the first param group.
TRANSFORMERS = Convention(
    name="transformers",
    offset=-1,
    rule="transformers logs the lr optimizer step k-1 used under step k (global_step after the update)",
    source="transformers/trainer.py Trainer._run_epoch, Trainer._maybe_log_save_evaluate, Trainer.log",
    code=(
        "self.optimizer.step(); learning_rate = self._get_learning_rate(); self.lr_scheduler.step(); "
        "self.state.global_step += 1; self._maybe_log_save_evaluate(..., learning_rate=learning_rate) -> "
        'logs["learning_rate"] = learning_rate; output = {**logs, "step": self.state.global_step}'
    ),
)

#: transformers up to 4.50 (read in 4.46.3 and 4.50.3): ``Trainer._inner_training_loop`` calls
#: ``self.lr_scheduler.step()`` (unless ``optimizer_step_was_skipped``), increments ``global_step``, then
#: ``_maybe_log_save_evaluate``, which reads ``logs["learning_rate"] = self._get_learning_rate()``: the lr
#: *after* the step, the one optimizer step k (0-based) will use. Logged step k is row k, and the last
#: entry (step max_steps) is the lr after the last step, past the plan. 4.51 moved the read before
#: ``lr_scheduler.step()`` (transformers PR #36973): :data:`TRANSFORMERS`.
TRANSFORMERS_AFTER_STEP = Convention(
    name="transformers<=4.50",
    offset=0,
    rule="transformers up to 4.50 logs under step k the lr after k scheduler steps (read after lr_scheduler.step())",
    source="transformers/trainer.py (4.46-4.50) Trainer._inner_training_loop, Trainer._maybe_log_save_evaluate",
    code=(
        "self.optimizer.step(); if optimizer_was_run: self.lr_scheduler.step(); self.state.global_step += 1; "
        'self._maybe_log_save_evaluate(...) -> logs["learning_rate"] = self._get_learning_rate()'
    ),
    tail=1,
)
#: The first release whose log holds the lr each step used (:data:`TRANSFORMERS`), PR #36973.
TRANSFORMERS_BEFORE_STEP_SINCE = (4, 51)

#: pytorch-lightning ``LearningRateMonitor``. With ``logging_interval="step"``, ``on_train_batch_start``
#: reads each param group's lr *before* the batch's optimizer step and logs it with
#: ``step=trainer.fit_loop.epoch_loop._batches_that_stepped``, the number of optimizer steps already
#: taken (``_TrainingEpochLoop.on_advance_end`` increments it after the step), on the rows where
#: ``(k + 1) % log_every_n_steps == 0`` (``_LoggerConnector.should_update_logs``). With
#: ``logging_interval="epoch"``, ``on_train_epoch_start`` logs with the same step, before the epoch's
#: first optimizer step (epoch e at step e x batches-per-epoch). The CSVLogger writes the step unchanged
#: (lightning_fabric/loggers/csv_logs.py ``_ExperimentWriter.log_metrics``: ``metrics["step"] = step``).
#: Either way, logged step k is row k.
#:
#: Read in each release people use (the same rule in all): ``LearningRateMonitor.on_train_batch_start`` /
#: ``on_train_epoch_start`` (pytorch_lightning/callbacks/lr_monitor.py lines 150/162 in 1.9.5 and 2.0.9, 167/180
#: in 2.4.0 and 2.6.6), ``should_update_logs`` (trainer/connectors/logger_connector/logger_connector.py line 53
#: in 1.9.5, 50 in 2.0.9/2.4.0, 51 in 2.6.6: ``(_batches_that_stepped + 1) % log_every_n_steps == 0``, default
#: 50), the CSV step (lightning_fabric/loggers/csv_logs.py ``metrics["step"] = step``, line 203 in 1.9.5,
#: 215 in 2.0.9, 225 in 2.4.0/2.6.6) and the TensorBoard step (lightning_fabric/loggers/tensorboard.py
#: ``add_scalar(k, v, step)``, line 202, 209, 212, 213). ``logging_interval`` defaults to ``None``: a
#: step-interval scheduler is logged at each batch's start, an epoch-interval one at each epoch's start
#: (``_extract_stats(trainer, "step" / "epoch")``). Under ``accumulate_grad_batches`` the batches of one
#: optimizer step log the same step and value again (the reader keeps one). The scheduler is stepped even
#: when the fp16 loss scaler skipped the optimizer step (``_update_learning_rates`` has no skip check;
#: training_epoch_loop.py), so a Lightning log never trails the plan by skipped steps. What changed between
#: releases: the step after a mid-epoch resume (:data:`LIGHTNING_RESUME_LAG`, up to 2.4) and the
#: ``-weight_decay`` series (``log_weight_decay``, from 2.1). The naming code was rewritten between 1.9.5 and
#: 2.0.9 (``_check_duplicates_and_update_name`` line 321 vs 318, ``_add_suffix`` line 252) to the same names.
LIGHTNING = Convention(
    name="lightning",
    offset=0,
    rule="Lightning's LearningRateMonitor logs the lr of the coming optimizer step under the number of steps taken",
    source=(
        "pytorch_lightning/callbacks/lr_monitor.py LearningRateMonitor.on_train_batch_start / on_train_epoch_start; "
        "lightning_fabric/loggers/csv_logs.py _ExperimentWriter.log_metrics"
    ),
    code=(
        "logger.log_metrics(latest_stat, step=trainer.fit_loop.epoch_loop._batches_that_stepped) "
        '(before the optimizer step); metrics["step"] = step'
    ),
)

#: Lightning's TensorBoardLogger (``lr-*`` tags in event files) passes the same step to
#: ``SummaryWriter.add_scalar`` (lightning_fabric/loggers/tensorboard.py ``TensorBoardLogger.log_metrics``).
LIGHTNING_TENSORBOARD = Convention(
    name="lightning-tensorboard",
    offset=0,
    rule=(
        "Lightning's LearningRateMonitor (lr-* tags) logs the lr of the coming optimizer step under the number of "
        "steps taken"
    ),
    source=(
        "pytorch_lightning/callbacks/lr_monitor.py LearningRateMonitor.on_train_batch_start; "
        "lightning_fabric/loggers/tensorboard.py TensorBoardLogger.log_metrics"
    ),
    code="self.experiment.add_scalar(k, v, step) with step=trainer.fit_loop.epoch_loop._batches_that_stepped",
)

#: transformers' TensorBoardCallback writes ``train/learning_rate`` with ``state.global_step``
#: (transformers/integrations/integration_utils.py ``TensorBoardCallback.on_log``), the step of
#: ``Trainer.log``: the transformers rule applies.
TRANSFORMERS_TENSORBOARD = Convention(
    name="transformers-tensorboard",
    offset=-1,
    rule=(
        "transformers' TensorBoardCallback logs the lr optimizer step k-1 used under step k (global_step after the "
        "update)"
    ),
    source="transformers/integrations/integration_utils.py TensorBoardCallback.on_log + Trainer._run_epoch",
    code='self.tb_writer.add_scalar(k, v, state.global_step) for k = "train/learning_rate"',
)

#: A plain ``torch.utils.tensorboard.SummaryWriter``: ``add_scalar(tag, value, global_step)`` stores
#: whatever step the caller passed (torch/utils/tensorboard/writer.py ``SummaryWriter.add_scalar``;
#: ``None`` is stored as 0). lrviz assumes the loop logged ``optimizer.param_groups[g]["lr"]`` with
#: the 0-based index of the optimizer step about to use it -- lrviz's own row numbering. A loop that
#: logs ``scheduler.get_last_lr()`` after ``scheduler.step()`` logs the next step's lr: the comparison
#: reports it as a shift by one, and ``shift`` corrects it.
SUMMARY_WRITER = Convention(
    name="tensorboard",
    offset=0,
    rule=(
        "SummaryWriter stores the global_step the caller passed; lrviz assumes it is the 0-based optimizer step that "
        "used the lr"
    ),
    source="torch/utils/tensorboard/writer.py SummaryWriter.add_scalar",
    code="self._get_file_writer().add_summary(summary, global_step, walltime)",
)

#: Megatron-LM (megatron/training/training.py, read in the releases of 2023-2025): ``train()`` runs
#: ``train_step`` (the optimizer's step, then ``opt_param_scheduler.step(increment=...)``), adds one to
#: ``iteration``, reads ``param_group['lr']``, and ``training_log`` writes it under that iteration, every
#: ``tensorboard_log_interval`` iterations. Logged iteration k is the lr after k scheduler steps, the
#: one step k (0-based) uses: row k. The last (iteration ``train_iters``) is the lr after the last
#: step, which no step uses. Its tags: ``learning-rate`` and, with ``--decoupled-lr``,
#: ``decoupled-learning-rate`` (``learning-rate vs samples`` is the same values by consumed samples,
#: not read by itself: :func:`lrviz.actual.series.is_lr_name`).
MEGATRON_TENSORBOARD = Convention(
    name="megatron",
    offset=0,
    rule="Megatron-LM logs under iteration k the lr after k scheduler steps (read after train_step, iteration += 1)",
    source="megatron/training/training.py train, training_log",
    code=(
        "... = train_step(...)  # optimizer.step(); opt_param_scheduler.step(increment=...); iteration += 1; "
        "learning_rate = param_group['lr']; writer.add_scalar('learning-rate', learning_rate, iteration)"
    ),
    tail=1,
)

#: A CSV with a ``step`` column written by the user's own loop (or ``lrviz export``): the step is
#: taken as lrviz's row, the 0-based optimizer step that used the lr.
PLAIN_CSV = Convention(
    name="csv",
    offset=0,
    rule="a plain CSV's step column is taken as the 0-based optimizer step that used the lr (as in lrviz export)",
    source="lrviz's own row numbering (lrviz export)",
    code="row i = the lr optimizer step i uses",
)

#: transformers up to 4.50 through its TensorBoardCallback: the same ``logs`` dict as trainer_state.json
#: (``Trainer.log`` -> ``on_log``), so the same reading as :data:`TRANSFORMERS_AFTER_STEP`. The tag is
#: ``train/learning_rate`` in every release from 4.40 to 5.23 (``rewrite_logs``: "train/" + key,
#: transformers/integrations/integration_utils.py line 613 in 4.46.3, 630 in 4.50.3/4.51.3, 653 in 4.57.6,
#: 550 in 5.23.0; ``add_scalar(k, v, state.global_step)`` lines 699, 716, 716, 739, 645).
TRANSFORMERS_TENSORBOARD_AFTER_STEP = Convention(
    name="transformers-tensorboard<=4.50",
    offset=0,
    rule=(
        "transformers up to 4.50 logs train/learning_rate under step k as the lr after k scheduler steps (read after "
        "lr_scheduler.step())"
    ),
    source="transformers/integrations/integration_utils.py TensorBoardCallback.on_log + Trainer._inner_training_loop "
    "(4.46-4.50)",
    code='self.tb_writer.add_scalar(k, v, state.global_step) for k = "train/learning_rate"',
    tail=1,
)
#: The TensorBoard twin of each trainer_state.json reading (a release's reading applied to an event file).
TENSORBOARD_TWIN = {
    TRANSFORMERS.name: TRANSFORMERS_TENSORBOARD,
    TRANSFORMERS_AFTER_STEP.name: TRANSFORMERS_TENSORBOARD_AFTER_STEP,
}

#: pytorch-lightning up to 2.4, after a resume from a checkpoint saved inside an epoch (``ModelCheckpoint``
#: ``every_n_train_steps``, saved in ``on_train_batch_end``): the checkpoint stores
#: ``_batches_that_stepped`` before ``_TrainingEpochLoop.on_advance_end`` increments it, and nothing adds
#: the missing one on restore, so the resumed run logs the lr of optimizer step k under step k-1
#: (pytorch_lightning/loops/training_epoch_loop.py ``reset``, line 147 in 2.4.0: no increment;
#: loops/epoch/training_epoch_loop.py line 131 in 1.9.5 likewise). 2.5.0 added it (``reset``, line 198 in
#: 2.5.0, 200 in 2.5.5/2.6.6: "batches_that_stepped is never set prior to saving a checkpoint ...
#: self._batches_that_stepped += 1"). The first run's steps are unaffected: row = step before the
#: resume, step + 1 from it (:func:`lrviz.actual.readings.lightning_resume_lag`).
LIGHTNING_RESUME_LAG = Convention(
    name="lightning<=2.4-resumed",
    offset=1,
    rule=(
        "pytorch-lightning up to 2.4, resumed from a checkpoint saved inside an epoch, logs the lr of optimizer step "
        "k under step k-1 (the checkpoint's _batches_that_stepped is one low)"
    ),
    source="pytorch_lightning/loops/training_epoch_loop.py _TrainingEpochLoop.reset / on_advance_end (1.9-2.4)",
    code="self._batches_that_stepped += 1 in on_advance_end, after on_train_batch_end saved the checkpoint",
)
#: The first pytorch-lightning release whose resumed log keeps lrviz's rows (:data:`LIGHTNING`).
LIGHTNING_RESUME_FIXED_SINCE = (2, 5)

ALL = (
    TRANSFORMERS,
    TRANSFORMERS_AFTER_STEP,
    LIGHTNING,
    LIGHTNING_TENSORBOARD,
    TRANSFORMERS_TENSORBOARD,
    TRANSFORMERS_TENSORBOARD_AFTER_STEP,
    LIGHTNING_RESUME_LAG,
    MEGATRON_TENSORBOARD,
    SUMMARY_WRITER,
    PLAIN_CSV,
)
