"""Presets: placeholder until the presets module lands."""
PRESETS: dict = {}
