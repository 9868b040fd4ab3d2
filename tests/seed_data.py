"""The values printed in the seed articles, as data (tests/data/seeds.json).

The articles themselves live outside the repository (``../shared/seeds``), so tests
read their numbers from the data file and run everywhere; ``tests/test_seeds.py``
checks the data against the articles wherever the articles are present. Each entry
names its article, the place in it (``where``, in words, and ``extract``: the text
between two markers and a regular expression), and its ``values``: a list of numbers
(one capture group) or a mapping of parameter name to number (two groups).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "seeds.json"
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
_DOC = json.loads(DATA.read_text(encoding="utf-8"))
ARTICLES: dict[str, dict] = _DOC["articles"]
ENTRIES: dict[str, dict] = _DOC["values"]


def seed(key: str):
    """The values of one entry, e.g. ``seed("001/get_last_lr")`` -> a list of floats."""
    return ENTRIES[key]["values"]


def _number(text: str):
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)


def extract(article_text: str, spec: dict):
    """What ``spec`` points at in the article: the text after the first ``after`` marker and
    before the next ``before`` marker, searched with ``pattern`` (multiline)."""
    start = article_text.index(spec["after"]) + len(spec["after"])
    end = article_text.index(spec["before"], start)
    matches = re.findall(spec["pattern"], article_text[start:end], flags=re.M)
    if re.compile(spec["pattern"]).groups == 2:
        return {name: _number(value) for name, value in matches}
    return [_number(value) for value in matches]
