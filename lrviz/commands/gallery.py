"""`lrviz gallery`: render a folder of configs into plots + README.md + index.html, or check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lrviz.commands.common import DebugOpt, TrustOpt, cli_errors, err


def gallery(
    config_dir: Annotated[
        Path, typer.Argument(help="Folder of YAML configs; every *.yaml / *.yml under it, recursively.", show_default=False)
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output",
            help="Gallery folder: one SVG and one PNG per config, README.md and index.html. "
            "Created if missing; it belongs to the gallery (images no config produces are removed).",
            show_default=False,
        ),
    ],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 naming every missing, stale or extra file if OUTPUT is not what the configs "
            "produce now (compares bytes).",
        ),
    ] = False,
    jobs: Annotated[
        Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes. Default: every core.")
    ] = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Render every config under CONFIG_DIR into a gallery: plots, README.md, index.html.

    Configs are rendered in parallel, in sorted path order; output names come from the
    config paths (torch/steplr.yaml -> torch-steplr.svg). A failing config does not stop
    the others: every failure is named at the end and the exit code is 1. Configs that
    import code are skipped (with the reason) unless --trust is given.

    Example: lrviz gallery configs -o gallery --trust
    """
    with cli_errors(debug):
        from lrviz.gallery import build_gallery, check_gallery, write_gallery

        with _progress() as (on_start, advance):
            result = build_gallery(
                config_dir, trust=trust, jobs=jobs, progress=advance, on_start=on_start, debug=debug
            )

        for entry in result.entries:
            for warning in entry.warnings:
                err(f"warning: {entry.shown_path}: {warning}")
        for entry in result.skipped:
            err(f"skipped: {entry.shown_path}: {entry.skipped}")

        problems = 0
        if check:
            diffs = check_gallery(result, output)
            for diff in diffs:
                err(str(diff))
            problems += len(diffs)
        else:
            written = write_gallery(result, output)

        for entry in result.failed:
            err(f"failed: {entry.shown_path}: {entry.error}")
        problems += len(result.failed)

        n, ok = len(result.entries), len(result.rendered)
        skipped = f", {len(result.skipped)} skipped (need --trust)" if result.skipped else ""
        if result.failed:
            err(f"{len(result.failed)} of {n} configs failed{skipped}")
        if check:
            if problems:
                hint = ""
                if result.skipped and not trust:
                    hint = f"; {len(result.skipped)} config(s) were skipped for want of --trust: a gallery built with --trust is checked with --trust"
                err(f"gallery {str(output)!r} is not current: rerun 'lrviz gallery {config_dir} -o {output}"
                    f"{' --trust' if trust else ''}'{hint}")
                raise typer.Exit(1)
            print(f"{output} is current: {ok} configs{skipped}")
            return
        print(f"wrote {len(written)} files to {output}: {ok} of {n} configs rendered{skipped}")
        if problems:
            raise typer.Exit(1)


class _progress:
    """A rich progress bar on a terminal; nothing at all when piped or in CI."""

    def __enter__(self):
        import sys

        from rich.console import Console

        console = Console(stderr=True)
        self.bar = None
        if console.is_terminal and not console.is_dumb_terminal and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("gallery"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), console=console, transient=True,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task("", total=None)

        def on_start(total: int) -> None:
            if self.bar is not None:
                self.bar.update(self.task, total=total)

        def advance(entry) -> None:
            if self.bar is not None:
                self.bar.update(self.task, advance=1, description=entry.rel)

        return on_start, advance

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False
