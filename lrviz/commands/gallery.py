"""`lrviz gallery`: render a folder of configs into plots + README.md + index.html, or check it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lrviz.commands.common import FLAG, OUTPUT_FLAGS, DebugOpt, TrustOpt, cli_errors, err, output

if TYPE_CHECKING:
    from lrviz.gallery import Gallery


ConfigDirArg = Annotated[
    Path,
    typer.Argument(
        metavar="CONFIG_DIR",
        help="Folder of configs; every *.yaml / *.yml / *.json under it, recursively (lrviz configs and "
        "framework files).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path,
    typer.Option(
        *OUTPUT_FLAGS,
        metavar="DIR",
        help="Gallery folder: one SVG and one PNG per config, README.md and index.html. "
        "Created if missing; it belongs to the gallery (images no config produces are removed).",
        show_default=False,
    ),
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        metavar=FLAG,
        help="Write nothing; exit 1 naming every missing, stale or extra file if OUTPUT is not what the configs "
        "produce now (compares bytes).",
    ),
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, metavar="N", help="Worker processes. Default: every core.")
]


def gallery(
    config_dir: ConfigDirArg,
    output_dir: OutputOpt,
    check: CheckOpt = False,
    jobs: JobsOpt = None,
    trust: TrustOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Render every config under CONFIG_DIR into a gallery: plots, README.md, index.html.

    Configs are rendered in parallel, in sorted path order; output names come from the
    config paths (torch/steplr.yaml -> torch-steplr.svg). A failing config does not stop
    the others: every failure is named at the end and the exit code is 1. Configs that
    import code are skipped (with the reason) unless --trust is given, and so are
    framework files whose framework does not import here.

    Example: lrviz gallery configs -o gallery --trust
    """
    with cli_errors(debug):
        from lrviz.gallery import build_gallery
        from lrviz.gallery.build import WORKER_MODULES
        from lrviz.progress import Reporter
        from lrviz.startup import RENDER_MODULES, load, settle

        output(output_dir, ())  # a folder, whatever its name says (the same rules as every -o)
        if not check:  # a refusal comes before any work, and writes nothing (lrviz.gallery.files.preflight)
            from lrviz.gallery.files import preflight

            preflight(output_dir)
        if config_dir.is_dir():  # the workers fork with torch, matplotlib and the renderer loaded (lrviz.startup)
            load(("torch",), (*RENDER_MODULES, *WORKER_MODULES))
        settle()  # many figures, each a web of cycles: the collector runs throughout

        with Reporter("gallery", min_total=1) as bar:
            result = build_gallery(
                config_dir,
                trust=trust,
                jobs=jobs,
                on_start=bar.start,
                debug=debug,
                progress=lambda entry: bar.advance(1, note=entry.rel),
            )
        for entry in result.entries:
            for warning in entry.warnings:
                err(f"warning: {entry.shown_path}: {warning}")
        for entry in result.skipped:
            err(f"skipped: {entry.shown_path}: {entry.skipped}")
        code = _check(result, output_dir, config_dir, trust) if check else _write(result, output_dir)
    raise typer.Exit(code)


def _failures(result: Gallery) -> str:
    """Name every failed entry on stderr; the summary's "N skipped" part."""
    for entry in result.failed:
        err(f"failed: {entry.shown_path}: {entry.error}")
    # left out for want of --trust, or of the framework that builds them (timm): each named above
    why = "need --trust" if len(_untrusted(result)) == len(result.skipped) else "each named above"
    skipped = f", {len(result.skipped)} skipped ({why})" if result.skipped else ""
    if result.failed:
        err(f"{len(result.failed)} of {len(result.entries)} configs failed{skipped}")
    return skipped


def _untrusted(result: Gallery) -> list[str]:
    """The entries skipped because they import code (their reason says --trust)."""
    return [e.rel for e in result.skipped if "--trust" in (e.skipped or "")]


def _check(result: Gallery, output: Path, config_dir: Path, trust: bool) -> int:
    """--check: name every missing, stale or extra file; 1 when OUTPUT is not current."""
    from lrviz.gallery import check_gallery

    diffs = check_gallery(result, output)
    for diff in diffs:
        err(str(diff))
    skipped = _failures(result)
    if diffs or result.failed:
        hint = ""
        if _untrusted(result) and not trust:
            hint = (
                f"; {len(_untrusted(result))} config(s) were skipped for want of --trust: a gallery built with "
                "--trust is checked with --trust"
            )
        err(
            f"gallery {str(output)!r} is not current: rerun 'lrviz gallery {config_dir} -o {output}"
            f"{' --trust' if trust else ''}'{hint}"
        )
        return 1
    print(f"{output} is current: {len(result.rendered)} configs{skipped}")
    return 0


def _write(result: Gallery, output: Path) -> int:
    from lrviz.gallery import write_gallery

    written = write_gallery(result, output)
    skipped = _failures(result)
    print(
        f"wrote {len(written)} files to {output}: {len(result.rendered)} of {len(result.entries)} configs "
        f"rendered{skipped}"
    )
    return 1 if result.failed else 0
