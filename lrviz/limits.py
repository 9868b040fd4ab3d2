"""Hard limits on what a config may ask for, refused before anything is allocated.

The README's Limits table lists these (and the limits of the YAML reader, the
expressions and figures, which live with their own modules). Each bounds memory or
time, not taste.
"""

from __future__ import annotations

MAX_STEPS = 50_000_000
MAX_GROUPS = 64
MAX_SCHEDULES = 256
#: SequentialLR / ChainedScheduler depth.
MAX_NESTING = 8
#: Recorded lr values (steps x param groups x schedules): each costs about 30 bytes in a
#: plot, and in an export its float64 (8 bytes, 16 with momentum) plus a few MB for the
#: whole export, whose text is streamed (measured at this limit: benchmarks/RESULTS.md),
#: so this is a few GB at most; the limits above alone allow 50M x 64 x 256 = 8e11.
MAX_VALUES = 100_000_000
#: Above this many schedules a sweep asks for --force (a plot nobody can read).
MAX_SWEEP_SCHEDULES = 64
#: Mistakes reported from one config (validation goes on after the first); the rest are counted.
MAX_ERRORS = 20
