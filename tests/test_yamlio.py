"""YAML reading: numbers as users write them, and the reader's limits."""

from __future__ import annotations

import pytest
import yaml

from lrviz.parse.yamlio import parse_yaml
from lrviz.simulate import simulate
from lrviz.validate import load_config


def test_exponent_floats_are_numbers():
    # PyYAML alone reads 1e-3 as text (YAML 1.1); a config must not.
    assert yaml.safe_load("lr: 1e-3") == {"lr": "1e-3"}
    data = parse_yaml("lr: 1e-3\nb: -2E5\nc: 1.0e-4\nd: 3\ne: '1e-3'\nf: .5")
    assert data == {"lr": 0.001, "b": -200000.0, "c": 0.0001, "d": 3, "e": "1e-3", "f": 0.5}
    assert type(data["d"]) is int


def test_exponent_lr_reaches_torch(write_config):
    path = write_config("steps: 3\noptimizer: {name: SGD, lr: 1e-3}\nscheduler: ExponentialLR\nparams: {gamma: 5e-1}\n")
    lr = simulate(load_config(path)).trajectories[0].lr[:, 0].tolist()
    assert lr == [0.001, 0.001 * 0.5, 0.001 * 0.5 * 0.5]


def test_safe_loader_is_not_modified_globally():
    parse_yaml("a: 1e-3")
    assert yaml.safe_load("a: 1e-3") == {"a": "1e-3"}


# --------------------------------------------------------------------------- mistakes in plain words (issue 20)

#: (YAML text, where the mistake is (line, column), words the message must have).
MISTAKES = {
    "key-outside-list-item": (
        "steps: 10\nschedules:\n  - scheduler: StepLR\n  params:\n    step_size: 3\n",
        (4, 3),
        ["'params:'", "inside the list at line 3, column 3", "start a new item with '- '"],
    ),
    "key-between-levels": (
        "optimizer:\n  name: SGD\n  lr: 0.1\n params:\n  x: 1\n",
        (4, 2),
        ["'params:'", "not indented like the keys of the mapping at line 1, column 1", "indent it to column 1"],
    ),
    "key-indented-under-a-value": (
        "steps: 10\nscheduler: StepLR\n  params:\n    step_size: 3\n",
        (3, 9),
        ["a 'key:' where a value was expected", "indented more than the key above it"],
    ),
    "tab": ("steps: 10\nparams:\n\tstep_size: 3\n", (3, 1), ["a tab character", "spaces only"]),
    "missing-colon": ("steps: 10\nscheduler StepLR\nparams: {}\n", (3, 1), ["not 'key: value'", "line 2, column 1"]),
    "unclosed-mapping": (
        "steps: 10\nparams: {step_size: 3\nlabel: x\n",
        (3, 6),
        ["the {mapping} written on one line at line 2, column 9 is not closed with '}'"],
    ),
    "unclosed-list": ("steps: [1, 2\nx: 1\n", (2, 2), ["the [list] written on one line at line 1, column 8"]),
    "unclosed-quote": ('title: "abc\nsteps: 10\n', (3, 1), ["quoted text that starts at line 1, column 8"]),
    "undefined-alias": ("steps: *x\n", (1, 8), ["an alias 'x' with no anchor"]),
    "two-documents": ("steps: 1\n---\nsteps: 2\n", (2, 1), ["a second document", "one YAML document"]),
    "bad-escape": ('title: "a\\qb"\n', (1, 11), ["unknown escape character 'q'", "single quotes"]),
    "python-tag": ("steps: !!python/object/apply:os.system ['x']\n", (1, 8), ["is not allowed", "safe loader"]),
    "list-item-in-mapping": ("params:\n  a: 1\n  - b\n", (3, 3), ["'-'", "not indented like the keys"]),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_yaml_mistakes_are_said_in_plain_words_with_the_line_and_a_caret(name):
    from lrviz.errors import ConfigError

    text, (line, column), words = MISTAKES[name]
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, source="c.yaml")
    message = str(info.value)
    assert message.startswith(f"c.yaml: invalid YAML at line {line}, column {column}: "), message
    for jargon in ("<block", "<stream", "'?'", "while parsing", "while scanning"):
        assert jargon not in message, (jargon, message)
    assert words and [w for w in words if w not in message] == [], message
    shown, caret = info.value.excerpt
    lines = text.splitlines()
    written = lines[line - 1].replace("\t", " ").rstrip() if line <= len(lines) else ""  # past the end: empty
    assert shown == f"  {line} | {written}".rstrip()
    assert caret.index("^") == len(f"  {line} | ") + column - 1


def test_duplicate_keys_and_huge_integers_show_their_line():
    from lrviz.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        parse_yaml("steps: 10\nsteps: 11\n", source="c.yaml")
    assert "duplicate key 'steps'" in str(info.value) and "at line 2, column 1" in str(info.value)
    assert info.value.excerpt == ("  2 | steps: 11", "    | ^")
