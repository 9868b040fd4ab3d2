"""Write the README's command reference from ``lrviz --help``, or check that it is current.

    python tools/readme_help.py           # rewrite the marked section of README.md
    python tools/readme_help.py --check   # exit 1 (saying so) when README.md is stale

The section between the two markers below is generated: the help of ``lrviz`` and of
every command, at a fixed width, exactly as a user sees it. ``tests/test_readme.py``
fails when it is stale, so the reference cannot drift from the code (sqlite-utils keeps
its CLI reference honest the same way, with cog).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
BEGIN = "<!-- command reference: generated from --help by tools/readme_help.py; do not edit by hand -->"
END = "<!-- end of the command reference -->"
WIDTH = 100


def help_text(args: list[str]) -> str:
    """``lrviz ARGS --help`` as a user at a WIDTH-column terminal reads it (no colour, no trailing spaces)."""
    from typer.testing import CliRunner

    from lrviz.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(WIDTH), "NO_COLOR": "1", "TERM": "dumb"})
    if result.exit_code != 0:
        raise SystemExit(f"lrviz {' '.join(args)} --help failed: {result.output}")
    lines = [line.rstrip() for line in result.output.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def reference() -> str:
    """The generated section, markers included."""
    from lrviz.cli import COMMANDS

    parts = [BEGIN, "", "```text", "$ lrviz --help", help_text([]), "```"]
    for name, _ in COMMANDS:
        parts += ["", "```text", f"$ lrviz {name} --help", help_text([name]), "```"]
    return "\n".join([*parts, "", END])


def updated(readme: str) -> str:
    """``readme`` with its marked section replaced by :func:`reference`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no section between {BEGIN!r} and {END!r}")
    return readme[:start] + reference() + readme[end + len(END) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale; write nothing")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if args.check:
        if new != text:
            print("README.md's command reference is stale: run python tools/readme_help.py", file=sys.stderr)
            return 1
        print("README.md's command reference is current")
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: command reference rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
