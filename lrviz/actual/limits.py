"""How much of a training log lrviz reads: every cap in one place, so the README can quote them.

A log is user input like a config: it may be huge, corrupt or hostile, and reading it must
stay bounded in memory and time. Readers stream where the format allows it (CSV rows,
TFRecord records) and keep only the lr / momentum values, as float64 + int64 arrays
(16 bytes a point); a JSON file must be parsed whole, so its size is capped instead.
Passing a cap is an exit-2 error naming the file and the cap, never a partial answer
presented as a whole one.
"""

from __future__ import annotations

MiB = 1024 * 1024

#: trainer_state.json is parsed whole (json has no streaming parser in the standard
#: library): its bytes, then its decoded text (the bytes let go) with the (step, value)
#: pairs of its entries, peak at about 2x its size (an 81 MB file of 500k entries: 168 MiB
#: for the whole process, json.load's 337). A million log entries with loss, grad_norm and
#: lr is about 150 MB.
MAX_JSON_BYTES = 256 * MiB

#: CSV files are streamed (in blocks of lines, else row by row); the cap bounds the time (about 20 s a GB on
#: one core, 1.3x csv.reader's: benchmarks/RESULTS.md; one that falls back to rows, about 50 s a GB).
MAX_CSV_BYTES = 2048 * MiB

#: One CSV line (a malformed file without line breaks must not be read into memory whole).
MAX_CSV_LINE = 1 * MiB

#: CSV files are read in blocks of this many characters, cut at a line break (lrviz.actual.csvblocks):
#: a block's cells as Python objects (about 1 MiB at 64 Ki characters, measured) are what reading adds
#: to the kept values. Under csv.field_size_limit() (128 KiB), so a block holds no cell csv.reader would refuse.
CSV_BLOCK_CHARS = 64 * 1024

#: Event files: records longer than this (images, graphs, histograms, audio) are skipped
#: with a seek, unread; scalar records are tens of bytes.
MAX_RECORD_BYTES = 1 * MiB

#: Event files: records examined across all files of one --actual source. A record costs
#: about 5 us to frame and check (its length checksum known, lrviz.actual.tfrecord.records),
#: so the cap is reached in well under a minute (20M took minutes: issue 32); a run that
#: logs 5 scalars at each of 1M steps fits.
MAX_RECORDS = 5_000_000

#: Event files: bytes of the records read (those under MAX_RECORD_BYTES; larger ones are
#: skipped with a seek, unread) across all files of one --actual source.
MAX_EVENT_BYTES = 2048 * MiB

#: Event files found under one folder (searched to MAX_FOLDER_DEPTH levels, links not followed).
MAX_EVENT_FILES = 1000
MAX_FOLDER_DEPTH = 8

#: Logged points kept from one source, all series together (16 bytes each: 160 MB).
MAX_POINTS = 10_000_000

#: Series (lr / momentum columns or tags) in one source.
MAX_SERIES = 256

#: A logged step (and --actual-shift, bounded by the plan's own step limit, 50M): far past
#: any run, and far inside int64, so a step plus a shift never wraps (lrviz.numeric).
MAX_LOGGED_STEP = 10**15
