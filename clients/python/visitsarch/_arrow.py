"""Visit tables over gRPC: pandas/numpy ⇄ Arrow IPC stream chunks of about 1 MiB."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ._errors import InvalidArgumentError


CHUNK_BYTES = 1 << 20

# Below about a million values, converting a table to pandas on one thread is faster than on
# Arrow's thread pool, whose tasks cost more than they save: measured (pyarrow 26, 2 CPUs) 0.8 ms
# against 1.4 ms for a 2,770-visit pre-night table, 0.5 ms against 0.9 ms for a 17-row query_night
# answer; even at ~1.4 million values (30,000 visits); threads ahead from there (19.7 against 14.1 ms
# at 300,000 visits).
_THREADED_PANDAS_VALUES = 1_000_000


def to_arrow_table(visits: pd.DataFrame | np.ndarray | pa.Table | str | Path) -> pa.Table:
    """A table of visits as Arrow: from a DataFrame, a numpy structured/record array
    (such as rubin_scheduler's ObservationArray), an Arrow table, or a file
    (.db opsim SQLite, .h5 pandas HDF5, .parquet, .arrow/.feather, .arrows)."""
    if isinstance(visits, pa.Table):
        return visits
    if isinstance(visits, (str, Path)):
        return _read_file(Path(visits))
    if isinstance(visits, np.ndarray):
        if visits.dtype.names is None:
            raise InvalidArgumentError("visits must be a structured (record) array with named fields")
        visits = _opsim_frame(visits)
    if isinstance(visits, pd.DataFrame):
        return _from_pandas(visits)
    raise InvalidArgumentError(f"cannot make a table of visits from {type(visits).__name__}: give a DataFrame, a structured numpy array, a pyarrow.Table or a file path")


def _from_pandas(frame: pd.DataFrame) -> pa.Table:
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid) as error:
        # e.g. an object column mixing numbers and text, which no Arrow type holds
        raise InvalidArgumentError(f"the visits cannot be stored as Arrow: {error} (give each column one type, e.g. frame[column].astype(str))") from None


def _opsim_frame(records: np.ndarray) -> pd.DataFrame:
    """A record array as a DataFrame; rubin_scheduler's ObservationArray (what ``sim_runner``
    returns) is converted to the opsim schema first, so the archive stores what
    ``get_sim_data`` and ``SchemaConverter().opsim2obs`` read."""
    names = set(records.dtype.names or ())
    if {"mjd", "RA", "dec"} <= names and "observationStartMJD" not in names:
        try:
            from rubin_scheduler.scheduler.utils import SchemaConverter
        except ImportError as error:
            raise ValueError("these visits are a rubin_scheduler observation array: install rubin_scheduler to convert them to the opsim schema") from error
        return SchemaConverter().obs2opsim(records)
    return pd.DataFrame.from_records(records)


def _read_file(path: Path) -> pa.Table:
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(f"no visits file at {path}")
    if suffix in (".db", ".sqlite", ".sqlite3", ".db3"):
        import sqlite3

        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            frame = pd.read_sql_query("SELECT * FROM observations", connection)
        return _from_pandas(frame)
    if suffix in (".h5", ".hdf5", ".hdf"):
        return _from_pandas(pd.read_hdf(path, key="observations"))
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return pq.read_table(path)
    if suffix in (".arrow", ".feather"):
        return pa.ipc.open_file(path).read_all()
    if suffix == ".arrows":
        return pa.ipc.open_stream(path).read_all()
    raise InvalidArgumentError(f"cannot tell the format of {path}: use .db, .h5, .parquet, .arrow, .feather or .arrows")


def upload_requests(table: pa.Table, chunk_field: int) -> Iterator[bytes]:
    """The ``chunk`` messages of an upload request (AddSimulationRequest and the others whose
    ``chunk``, a ``visitsarch.type.v1.ArrowIpcChunk``, is field ``chunk_field``), serialized: one
    Arrow IPC stream cut into chunks of about 1 MiB on record-batch boundaries.

    Serialized here, each IPC message is copied once; building protobuf messages from the bytes
    and serializing those copied the whole table three times, which for a 2-million-visit table
    (850 MB) cost the client more CPU than the conversion from pandas."""
    table = table.combine_chunks() if table.num_rows else table
    row_bytes = max(1, table.nbytes // max(1, table.num_rows))
    rows_per_batch = max(1, CHUNK_BYTES // row_bytes)
    sink = io.BytesIO()
    writer = pa.ipc.new_stream(sink, table.schema)
    rows = 0
    for batch in table.to_batches(max_chunksize=rows_per_batch):
        writer.write_batch(batch)
        rows += batch.num_rows
        if sink.tell() >= CHUNK_BYTES:
            yield _chunk_request(sink, rows, chunk_field)
            sink.seek(0)
            sink.truncate()
            rows = 0
    writer.close()
    yield _chunk_request(sink, rows, chunk_field)


# grpc-js hands a server each message this many bytes into the buffer of its gRPC frame.
_GRPC_MESSAGE_OFFSET = 5


def _chunk_request(sink: io.BytesIO, rows: int, chunk_field: int) -> bytes:
    """``{chunk_field: ArrowIpcChunk(ipc_bytes=<the sink's bytes>, row_count=rows)}`` serialized
    as protobuf would (fields in number order, a zero ``row_count`` left out), except that the two
    lengths in front of ``ipc_bytes`` are written a byte or two longer where that puts the Arrow
    bytes at a multiple of 8 in the receiving server's buffer (a varint padded with continuation
    bytes is valid protobuf and decodes to the same values). The gateway then sends the request on
    to the blob archive as it came, and the blob archive reads the Arrow bytes where they are, as
    the CLI's requests (libs/arrow-ipc's ``chunkRequestBytes``, the same layout)."""
    with sink.getbuffer() as ipc_bytes:
        count = _varint(rows) if rows else b""
        tag = _varint(chunk_field << 3 | 2)
        tail = len(count) + 1 if rows else 0
        ipc_size, chunk_size = _aligned_length_sizes(len(tag), len(ipc_bytes), tail)
        inner = 1 + ipc_size + len(ipc_bytes) + tail
        head = tag + _varint(inner, chunk_size) + b"\x0a" + _varint(len(ipc_bytes), ipc_size)
        return b"".join((head, ipc_bytes, b"\x10" + count if rows else b""))


def _aligned_length_sizes(tag_bytes: int, ipc_length: int, tail_bytes: int) -> tuple[int, int]:
    """The sizes of the ipc_bytes' and the chunk's length varints (at most 5 bytes each, the fewest
    that do) that put the Arrow bytes at a multiple of 8 in the receiver's buffer; the shortest
    ones if none does."""
    shortest_ipc = len(_varint(ipc_length))

    def shortest_chunk(ipc_size: int) -> int:
        return len(_varint(1 + ipc_size + ipc_length + tail_bytes))

    aligned = None
    for ipc_size in range(shortest_ipc, 6):
        for chunk_size in range(shortest_chunk(ipc_size), 6):
            fewer = aligned is None or ipc_size + chunk_size < sum(aligned)
            if fewer and (_GRPC_MESSAGE_OFFSET + tag_bytes + chunk_size + 1 + ipc_size) % 8 == 0:
                aligned = (ipc_size, chunk_size)
    return aligned or (shortest_ipc, shortest_chunk(shortest_ipc))


def _varint(value: int, size: int = 1) -> bytes:
    """``value`` as a protobuf varint of at least ``size`` bytes (padded with continuation bytes)."""
    out = bytearray()
    while value >= 0x80 or len(out) < size - 1:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """The table as a DataFrame, on Arrow's threads only when the table is large enough to gain."""
    return table.to_pandas(use_threads=table.num_rows * table.num_columns >= _THREADED_PANDAS_VALUES)


def read_chunks(chunks: Iterable[bytes]) -> pa.Table:
    """The table carried by the concatenated ``ipc_bytes`` of a response stream, decoded as the
    chunks arrive (never joined into one copy of the whole stream)."""
    with pa.ipc.open_stream(pa.PythonFile(_ChunkReader(chunks), mode="r")) as reader:
        return reader.read_all()


class _ChunkReader(io.RawIOBase):
    """The chunks of a stream as one readable file, read without joining them."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Exactly ``size`` bytes (fewer only at the end): pyarrow takes a short read for a truncated stream."""
        pieces = []
        wanted = size if size >= 0 else float("inf")
        while wanted > 0:
            if not self._current:
                try:
                    self._current = memoryview(next(self._chunks))
                except StopIteration:
                    break
                continue
            piece = self._current[: int(min(wanted, len(self._current)))]
            self._current = self._current[len(piece) :]
            pieces.append(piece)
            wanted -= len(piece)
        return pieces[0].tobytes() if len(pieces) == 1 else b"".join(pieces)

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
