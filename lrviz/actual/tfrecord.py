"""A small, bounded reader for TensorBoard event files: TFRecord framing plus the few protobuf
fields a scalar needs. No tensorflow, no tensorboard, no protobuf package.

Why our own: tensorboard's ``EventFileLoader`` needs the ``tensorboard`` package (and
protobuf) at run time, reads every record in full (a file of images is read image by
image), and reports corruption by logging and stopping. Reading scalars needs far less:

* **TFRecord framing** (tensorflow/core/lib/io/record_writer.cc): each record is
  ``uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)``,
  little-endian. The length's checksum is verified on every record, so a corrupt or
  cut file is found at the first bad header; a record longer than
  :data:`~lrviz.actual.limits.MAX_RECORD_BYTES` is skipped with a seek, never read.
* **Event** (tensorboard/compat/proto/event.proto): ``int64 step = 2``, ``Summary summary = 5``;
  **Summary.Value**: ``string tag = 1``, ``float simple_value = 2`` (what ``SummaryWriter.add_scalar``
  writes by default), ``TensorProto tensor = 8`` (``new_style=True``, TF2 ``tf.summary.scalar``);
  **TensorProto**: ``dtype = 1``, ``tensor_shape = 2``, ``tensor_content = 4``, ``float_val = 5``,
  ``double_val = 6``, ``half_val = 13``.

A record's data checksum (pure-Python CRC32C, a few microseconds for a scalar record) is
verified only for the records whose values are kept, so the cost is proportional to the
lr points, not to the file. Errors are raised as :class:`Corrupt` / :class:`Truncated`
carrying the record index and byte offset; :mod:`lrviz.actual.tensorboard` turns them into
messages naming the file.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from lrviz.actual import limits

_HEADER = struct.Struct("<QI")
_U32 = struct.Struct("<I")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


class Corrupt(Exception):
    """The file is not a valid event file at this record."""


class Truncated(Exception):
    """The file ends inside a record (a writer still running, or a copy cut short)."""


# --------------------------------------------------------------------------- CRC32C


def _crc_table() -> list[int]:
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC: rotate right by 15, add a constant (record_writer.h MaskedCrc)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def looks_like_tfrecord(head: bytes) -> bool:
    """The first 12 bytes are a TFRecord header with a valid length checksum."""
    if len(head) < 12:
        return False
    length, crc = _HEADER.unpack_from(head)
    return bool(masked_crc(head[:8]) == crc and length < 1 << 40)


# --------------------------------------------------------------------------- records


class Record:
    """One record: its position and, unless it was too long to read, its data and stored checksum."""

    __slots__ = ("index", "offset", "data", "crc")

    def __init__(self, index: int, offset: int, data: bytes | None, crc: int) -> None:
        self.index = index
        self.offset = offset
        self.data = data
        self.crc = crc

    def verify(self) -> None:
        if self.data is not None and masked_crc(self.data) != self.crc:
            raise Corrupt(f"record {self.index} (byte {self.offset}): data checksum mismatch")


def records(fh: BinaryIO, size: int, *, first_index: int = 0) -> Iterator[Record]:
    """Every record of an open event file of ``size`` bytes, verifying each length checksum.

    A length's checksum depends on the length alone, and a log's records come in a few
    lengths (each scalar record of a tag has the same size), so the checksums of the
    lengths seen are kept: the pure-Python CRC runs once per length, not per record,
    which is most of the time a file of many small records takes.
    """
    index = first_index
    offset = 0
    known: dict[int, int] = {}
    while True:
        header = fh.read(12)
        if not header:
            return
        if len(header) < 12:
            raise Truncated(f"ends inside the header of record {index} (byte {offset})")
        length, length_crc = _HEADER.unpack(header)
        expected = known.get(length)
        if expected is None:
            expected = masked_crc(header[:8])
            if len(known) < 4096:
                known[length] = expected
        if expected != length_crc:
            raise Corrupt(f"record {index} (byte {offset}): length checksum mismatch")
        end = offset + 12 + length + 4
        if end > size:
            raise Truncated(f"ends inside record {index} (byte {offset}, {length} bytes announced)")
        if length > limits.MAX_RECORD_BYTES:
            fh.seek(length + 4, 1)
            yield Record(index, offset, None, 0)
        else:
            data = fh.read(length)
            tail = fh.read(4)
            if len(data) < length or len(tail) < 4:
                raise Truncated(f"ends inside record {index} (byte {offset})")
            yield Record(index, offset, data, _U32.unpack(tail)[0])
        offset = end
        index += 1


# --------------------------------------------------------------------------- protobuf


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    n = len(buf)
    while True:
        if pos >= n:
            raise Corrupt("a number runs past the end of its message")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise Corrupt("a number longer than 10 bytes")


def _fields(buf: bytes) -> Iterator[tuple[int, int, int, bytes]]:
    """(field number, wire type, varint value, bytes value): a varint fills the third slot, others the fourth."""
    pos = 0
    n = len(buf)
    while pos < n:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Corrupt("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, wire, value, b""
            continue
        if wire == 1 or wire == 5:
            length = 8 if wire == 1 else 4
        elif wire == 2:
            length, pos = _varint(buf, pos)
        else:
            raise Corrupt(f"unknown wire type {wire}")
        if pos + length > n:
            raise Corrupt("a field runs past the end of its message")
        yield number, wire, 0, buf[pos : pos + length]
        pos += length


DT_FLOAT, DT_DOUBLE, DT_BFLOAT16, DT_HALF = 1, 2, 14, 19
_DTYPES = {DT_FLOAT: "float32", DT_DOUBLE: "float64", DT_HALF: "float16", DT_BFLOAT16: "bfloat16"}


def _half(bits: int) -> float:
    return float(struct.unpack("<e", struct.pack("<H", bits & 0xFFFF))[0])


def _bfloat16(bits: int) -> float:
    return float(_F32.unpack(struct.pack("<I", (bits & 0xFFFF) << 16))[0])


def _tensor_scalar(buf: bytes) -> tuple[float, str] | None:
    """(value, dtype) of a one-element float TensorProto; None for anything else."""
    dtype = 0
    elements = 1
    content = b""
    floats: list[float] = []
    halves: list[int] = []
    for number, wire, num, data in _fields(buf):
        if number == 1 and wire == 0:
            dtype = num
        elif number == 2 and wire == 2:  # TensorShapeProto: dim = 2, Dim.size = 1
            for dnum, dwire, _, dim in _fields(data):
                if dnum == 2 and dwire == 2:
                    size = 1
                    for fnum, fwire, fval, _ in _fields(dim):
                        if fnum == 1 and fwire == 0:
                            size = fval
                    elements *= size
        elif number == 4 and wire == 2:
            content = data
        elif number in (5, 6) and wire != 0:  # packed (wire 2) or a single fixed32 / fixed64
            codec = _F32 if number == 5 else _F64
            if len(data) % codec.size:
                raise Corrupt("a packed float field has a partial value")
            floats.extend(float(v) for (v,) in codec.iter_unpack(data))
        elif number == 13:  # half_val: the 16 bits of each value, as varints
            if wire == 0:
                halves.append(num)
            else:
                pos = 0
                while pos < len(data):
                    bits, pos = _varint(data, pos)
                    halves.append(bits)
    if dtype not in _DTYPES or elements != 1:
        return None
    floats.extend((_bfloat16 if dtype == DT_BFLOAT16 else _half)(b) for b in halves)
    if content:
        width = {DT_FLOAT: 4, DT_DOUBLE: 8, DT_HALF: 2, DT_BFLOAT16: 2}[dtype]
        if len(content) != width:
            return None
        if dtype == DT_FLOAT:
            return float(_F32.unpack(content)[0]), "float32"
        if dtype == DT_DOUBLE:
            return float(_F64.unpack(content)[0]), "float64"
        bits = int.from_bytes(content, "little")
        return (_half(bits) if dtype == DT_HALF else _bfloat16(bits)), _DTYPES[dtype]
    if len(floats) != 1:
        return None
    return floats[0], _DTYPES[dtype]


def event_scalars(data: bytes) -> tuple[int, list[tuple[str, float, str]]]:
    """(step, [(tag, value, dtype)]) of an Event record's scalar summary values."""
    step = 0
    found: list[tuple[str, float, str]] = []
    for number, wire, num, payload in _fields(data):
        if number == 2 and wire == 0:
            step = num - (1 << 64) if num >= 1 << 63 else num  # int64, two's complement
        elif number == 5 and wire == 2:
            for vnum, vwire, _, entry in _fields(payload):
                if vnum == 1 and vwire == 2:
                    scalar = _value_scalar(entry)
                    if scalar is not None:
                        found.append(scalar)
    return step, found


def _value_scalar(buf: bytes) -> tuple[str, float, str] | None:
    tag = ""
    result: tuple[float, str] | None = None
    for number, wire, _, data in _fields(buf):
        if number == 1 and wire == 2:
            tag = data.decode("utf-8", errors="replace")
        elif number == 2 and wire == 5:
            result = (float(_F32.unpack(data)[0]), "float32")
        elif number == 8 and wire == 2:
            result = _tensor_scalar(data)
    if result is None:
        return None
    return tag, result[0], result[1]
