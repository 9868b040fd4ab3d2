"""`lrviz check`: resume round trip and lints for every schedule of every config."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from lrviz.commands.common import ConfigsArg, DebugOpt, DeviceOpt, StepsOpt, TrustOpt, cli_errors, load_configs


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


def check(
    configs: ConfigsArg,
    resume_at: Annotated[
        Optional[list[int]],
        typer.Option(
            "--resume-at",
            min=1,
            help="Optimizer step after which to save and resume (repeatable). "
            "Default: 1/4, 1/2, 3/4 of the run and both sides of every SequentialLR milestone.",
        ),
    ] = None,
    fmt: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", help="text (a table on a terminal, plain lines when piped) or json (for CI)."),
    ] = CheckFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on errors.")] = False,
    steps: StepsOpt = None,
    device: DeviceOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check each schedule for the bugs that cost training runs.

    Resume round trip: run the real scheduler to a step, torch.save the
    optimizer and scheduler state, load it into a fresh pair, continue, and
    compare bit for bit with the uninterrupted run. Lints: OneCycleLR
    total_steps, CosineAnnealingLR T_max, milestones past the end, step
    counts on per-epoch schedules, an lr that never changes, reaches zero
    or below, NaN/inf, or collapses across param groups; every torch warning.

    Exit 0 when clean, 1 on an error (or any finding with --strict), 2 on
    bad input.

    Example: lrviz check configs/torch/onecyclelr.yaml --resume-at 500 --format json
    """
    with cli_errors(debug):
        from lrviz.check import check_config, exit_code, render_json, render_text, validate_resume_at

        cfgs = load_configs(configs, steps=steps, device=device, trust=trust)
        for cfg in cfgs:  # bad --resume-at is refused before any simulation
            validate_resume_at(cfg, resume_at)
        results = [(cfg, check_config(cfg, resume_at)) for cfg in cfgs]
        findings = [f for _, fs in results for f in fs]
        code = exit_code(findings, strict=strict)
        if fmt is CheckFormat.json:
            print(render_json(results, strict=strict, exit_code=code), end="")
        else:
            render_text(results)
    raise typer.Exit(code)
