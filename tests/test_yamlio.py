"""YAML reading: numbers as users write them, and the reader's limits."""

from __future__ import annotations

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
