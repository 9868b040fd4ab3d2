"""Options shared by several commands, and the one place errors become exit codes.

Commands parse their options, call the library, and let :func:`cli_errors` turn a
:class:`~lrviz.errors.LrvizError` into one line on stderr and exit code 2. Anything
else is a bug in lrviz: one line and exit 70, the traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lrviz.commands.help import FLAG
from lrviz.errors import EXIT_INTERNAL, EXIT_USAGE, LrvizError, one_line

if TYPE_CHECKING:
    from lrviz.sources import Loaded

# Options shared by several commands. Every option names its value the way people read it
# (a metavar: N, DIR, png|svg|pdf); a flag shows none (lrviz.commands.help).

ConfigArg = Annotated[
    Path,
    typer.Argument(
        metavar="CONFIG",
        help="An lrviz YAML config, or a framework's file: a Hugging Face TrainingArguments JSON/YAML, a timm "
        "args.yaml, a torchvision recipe, a Hydra / OmegaConf config, a DeepSpeed ds_config.json, a LightningCLI "
        "config, a torchtune recipe, Megatron-LM arguments, an MMEngine config (.py), a script's get_lr (.py).",
        show_default=False,
    ),
]
ConfigsArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="CONFIG",
        help="One or more lrviz YAML configs or framework files (TrainingArguments JSON/YAML, timm args.yaml, "
        "torchvision recipe, Hydra config, ds_config.json), in any mix.",
        show_default=False,
    ),
]
StepsOpt = Annotated[
    int | None, typer.Option("--steps", min=1, metavar="N", help="Override the config's number of optimizer steps.")
]
DeviceOpt = Annotated[
    str | None,
    typer.Option("--device", metavar="DEVICE", help="Device for the dummy parameters: cpu, cuda, cuda:N, mps or auto."),
]
TrustOpt = Annotated[
    bool,
    typer.Option(
        "--trust",
        metavar=FLAG,
        help="Allow the config to import and run Python code (scheduler: 'module:Name' or 'file.py:Name'). "
        "Also LRVIZ_TRUST=1.",
    ),
]
SweepOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sweep",
        metavar="KEY=V1,V2",
        help="One schedule per value, e.g. params.gamma=0.1,0.5 (repeatable: several keys give every combination).",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", metavar=FLAG, help="Allow a sweep of more than 64 schedules.")]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        metavar=FLAG,
        help="No warning lines (the lints of lrviz check, torch's warnings); errors still show.",
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", metavar=FLAG, help="Show the full traceback on errors.")]


# Framework files (lrviz.sources): what a file is, and the facts of the run it does not hold.
class SourceKind(str, Enum):
    lrviz = "lrviz"
    hf = "hf"
    timm = "timm"
    torchvision = "torchvision"
    hydra = "hydra"
    deepspeed = "deepspeed"
    lightningcli = "lightningcli"
    torchtune = "torchtune"
    megatron = "megatron"
    function = "function"
    mmengine = "mmengine"


FromOpt = Annotated[
    SourceKind | None,
    typer.Option(
        "--from",
        metavar="KIND",
        help="What every CONFIG is: lrviz (an lrviz config), hf (a Hugging Face TrainingArguments file), timm (a timm "
        "args.yaml), torchvision (a torchvision recipe), hydra (a Hydra / OmegaConf config), deepspeed (a "
        "ds_config.json), lightningcli (a LightningCLI config), torchtune (a torchtune recipe), megatron "
        "(Megatron-LM arguments: a YAML or a saved command line), mmengine (an MMEngine / OpenMMLab config) or "
        "function (a .py file's get_lr, run with --trust). Default: told from its keys (a .py file: mmengine when "
        "it sets param_scheduler, optim_wrapper, train_cfg, _base_..., else function).",
    ),
]
DatasetSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--dataset-size",
        metavar="N",
        help="Training examples of a framework file's run (the file does not hold them); counts the optimizer steps. "
        "Overrides the file's '# lrviz:' comment.",
    ),
]
WorldSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--world-size",
        metavar="N",
        help="Processes (GPUs) of a framework file's run. Default: the file's '# lrviz:' comment, else 1.",
    ),
]
TransformersVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--transformers-version",
        metavar="X.Y",
        help="Plan a TrainingArguments file with this transformers release's rules (4.40 to 5.x: updates per "
        "epoch, warmup). Default: the installed release; with a trainer_state.json --actual, the release the log "
        "agrees with.",
    ),
]


# --------------------------------------------------------------------------- comma lists


def comma_list(convert: Callable[[str], Any] = str) -> Callable[[list[str] | None], list[Any] | None]:
    """A typer callback for a repeatable option that also takes comma lists.

    ``-f png,svg`` is ``-f png -f svg``, as ``--sweep KEY=V1,V2`` lists values: every
    repeatable option of every command reads both ways. ``convert`` turns one item into
    its value (raising ValueError for a bad one); what is allowed beyond that is the
    library's to say, with the key named.
    """

    def split(values: list[str] | None) -> list[Any] | None:
        if values is None:
            return None
        out = []
        for value in values:
            for item in value.split(","):
                if not item.strip():
                    raise typer.BadParameter(f"{value!r} has an empty item; separate items with single commas")
                try:
                    out.append(convert(item.strip()))
                except ValueError as exc:
                    raise typer.BadParameter(f"{item.strip()!r}: {exc}") from None
        return out

    return split


def positive_int(text: str) -> int:
    """A count of 1 or more, for :func:`comma_list`."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError("not a whole number") from None
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


# --------------------------------------------------------------------------- -o / --output

#: The names of the output option of every command that writes (the same everywhere).
OUTPUT_FLAGS = ("-o", "--output")
#: Every extension an lrviz command writes. A path ending in one names a file, even on a
#: command that writes another format (refused, saying which it writes), never a folder.
WRITTEN = ("png", "svg", "pdf", "csv", "json", "py", "yaml", "yml", "html", "md")
#: Extensions of files no lrviz command writes, common enough that a path ending in one is
#: meant as a file (``-o fig.jpg``, ``-o data.xlsx``): refused, naming what the command
#: writes, rather than made a folder of that name.
FILE_LIKE = (
    "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "eps", "ps", "ico", "avif", "heic",
    "xlsx", "xls", "ods", "tsv", "txt", "dat", "parquet", "feather", "arrow", "npy", "npz", "h5", "hdf5",
    "pkl", "pickle", "xml", "toml", "htm", "tex", "zip", "gz", "ipynb", "log",
)  # fmt: skip


@dataclass(frozen=True)
class Output:
    """Where a command writes: the file ``-o PATH`` names, or a folder files go into."""

    path: Path
    is_file: bool

    @property
    def folder(self) -> Path:
        return self.path.parent if self.is_file else self.path

    @property
    def format(self) -> str | None:
        """The format a named file asks for (its extension), None for a folder."""
        return self.path.suffix[1:].lower() if self.is_file else None

    def target(self, stem: str, fmt: str) -> Path:
        """The file to write: the named one, or ``<folder>/<safe stem>.<fmt>``."""
        from lrviz.io import safe_name

        return self.path if self.is_file else self.path / f"{safe_name(stem)}.{fmt}"

    def make_folder(self) -> None:
        """Create the folder (parents too) when it is missing; called only once there is something to write."""
        from lrviz.io import make_folder

        make_folder(self.folder)


def output(path: Path | None, formats: tuple[str, ...], *, default: Path | None = Path(".")) -> Output | None:
    """``-o PATH`` as :class:`Output`: a path with an extension of ``formats`` names the file
    (its format follows the extension); any other path is a folder, created when written
    (parents too). An existing folder is a folder whatever its name. None: ``default``
    (None when the command then writes to standard output).

    Refused before any work: an extension some lrviz command writes but this one does
    not (``export -o fig.png``), and a path whose folder (or one above it) is a file.
    """
    from lrviz.errors import LrvizError

    if path is None:
        return Output(default, is_file=False) if default is not None else None
    ext = path.suffix[1:].lower()
    is_file = not path.is_dir() and ext in formats
    if not path.is_dir() and (ext in WRITTEN or ext in FILE_LIKE) and not is_file:
        raise LrvizError(
            f"--output {str(path)!r} names a .{ext} file, but this command writes "
            + (" or ".join(f".{f}" for f in formats) if formats else "a folder")
            + ("; give a file with one of those extensions, or a folder" if formats else "")
        )
    out = Output(path, is_file)
    _refuse_files_in_the_way(out.folder)
    return out


def _refuse_files_in_the_way(folder: Path) -> None:
    """The folder, or the first of its parents that exists, must be a folder."""
    from lrviz.errors import LrvizError

    for above in (folder, *folder.parents):
        if above.exists():
            if above == folder and not above.is_dir():
                raise LrvizError(f"output folder {str(folder)!r} exists and is not a folder")
            if not above.is_dir():
                raise LrvizError(f"cannot create output folder {str(folder)!r}: {str(above)!r} is a file")
            return


def err(message: str) -> None:
    """One plain line on stderr (no rich markup: key paths contain brackets)."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def cli_errors(debug: bool = False) -> Iterator[None]:
    """Turn library errors into clean exits; tracebacks only with --debug."""
    debug = debug or os.environ.get("LRVIZ_DEBUG") == "1"
    try:
        yield
    except typer.Exit:
        raise
    except LrvizError as exc:
        if debug:
            traceback.print_exc()
        for line in exc.lines():
            err(line)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        from lrviz.interrupts import exit_status, handled, signal_name

        handled()
        err("interrupted" if signal_name(exc) == "SIGINT" else f"stopped by {signal_name(exc)}")
        raise typer.Exit(exit_status(exc)) from None
    except OSError as exc:  # the system refused a path (too long a name, a loop of links...): the user's to fix
        if debug:
            traceback.print_exc()
        from lrviz.inputs import os_reason

        where = f"{one_line(str(exc.filename))[:200]}: " if exc.filename is not None else ""
        err(f"error: {where}{os_reason(exc)}")
        raise typer.Exit(EXIT_USAGE) from None
    except Exception as exc:  # a bug in lrviz: say so, in one line
        if debug:
            traceback.print_exc()
        err(
            one_line(
                f"internal error: {type(exc).__name__}: {exc} "
                "(this is a bug in lrviz; rerun with --debug for the traceback)"
            )
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def warn_lints(results: list[Any], quiet: bool) -> None:
    """``lrviz check``'s lints on simulated results, one warning line each on stderr (none when quiet)."""
    if quiet:
        return
    from lrviz.check import lint_result

    for result in results:
        for finding in lint_result(result):
            err(finding.as_warning())


def refusals(errors: list[LrvizError]) -> None:
    """Schedules torch refused part-way (drawn or written up to there): their lines, then exit 1."""
    for exc in errors:
        err(f"error: {exc}")
    if errors:
        from lrviz.errors import EXIT_FINDINGS

        raise typer.Exit(EXIT_FINDINGS)


def load_sources(
    paths: list[Path],
    *,
    steps: int | None = None,
    device: str | None = None,
    trust: bool = False,
    sweep: list[str] | None = None,
    force: bool = False,
    kind: SourceKind | None = None,
    dataset_size: int | None = None,
    world_size: int | None = None,
    transformers_version: str | None = None,
) -> list[Loaded]:
    """Every file given, through :func:`lrviz.sources.load_source` (sweep-expanded), with its plan."""
    from dataclasses import replace

    from lrviz.errors import LrvizError
    from lrviz.sources import load_source
    from lrviz.startup import settle
    from lrviz.validate import apply_sweeps

    loaded = []
    for path in paths:
        one = load_source(
            path,
            kind=kind.value if kind is not None else None,
            dataset_size=dataset_size,
            world_size=world_size,
            trust=trust,
            steps=steps,
            device=device,
            transformers_version=transformers_version,
        )
        loaded.append(replace(one, config=apply_sweeps(one.config, sweep or [], force=force)))  # its sweep: too
    if transformers_version is not None and not any(one.kind == "hf" for one in loaded):
        raise LrvizError(
            "--transformers-version is for TrainingArguments files, and no file given is one; leave it out"
        )
    if all(one.plan is None for one in loaded):
        for value, option in ((dataset_size, "--dataset-size"), (world_size, "--world-size")):
            if value is not None:
                raise LrvizError(
                    f"{option} is for framework files (a TrainingArguments file, a timm args.yaml, a torchvision "
                    "recipe, a Hydra config, a ds_config.json), and every file given is an lrviz config; leave it out"
                )
    settle()  # torch is loaded: the collector resumes (see lrviz.startup)
    return loaded


__all__ = [
    "EXIT_USAGE",
    "FLAG",
    "OUTPUT_FLAGS",
    "Output",
    "cli_errors",
    "comma_list",
    "err",
    "load_sources",
    "output",
    "positive_int",
    "refusals",
    "warn_lints",
]
