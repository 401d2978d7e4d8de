"""``get_visits(url)``: a drop-in for ``rubin_sim.sim_archive.vseqarchive.get_visits`` that opens
every format the archive stores or exports, not only pandas HDF5.

The upstream reader copies the URL to a temporary ``visits.h5`` and calls ``pandas.read_hdf``, so
it cannot open the archive's default storage, an Arrow IPC stream (``visits.arrows``,
docs/decisions/0010-visit-table-storage-format.md). This one takes the same arguments and returns
the same DataFrame (docs/decisions/0017-visitseq-url-readers.md):

* HDF5 (pandas "fixed" or "table" layout): ``pandas.read_hdf(key="observations")``, as upstream.
* Arrow IPC stream (``.arrows``) and file (``.arrow``/``.feather``), Parquet, CSV: read with pyarrow
  and converted as the archive's HDF5 export would store them, so the result equals what
  ``read_hdf`` gives for the exported ``.h5``: index int64 0…n−1, the file's column order,
  text as pandas' ``str``, ints and bools with nulls as float64 with NaN, dictionaries decoded.
* opsim SQLite (table ``observations``): ``pandas.read_sql_query``, with the same index.

The format is recognised from the first bytes (HDF5, SQLite, Parquet, Arrow file, Arrow stream),
else from the name (``.csv``). URLs: plain paths, ``file://`` and ``s3://`` (pyarrow's S3 client:
``S3_ENDPOINT_URL`` as the archive reads it, e.g. ``https://s3dfrgw.slac.stanford.edu/``, unset
for AWS; credentials from the standard AWS chain; path-style addressing). Arrow, Parquet and CSV
are read straight from the stream; HDF5 and SQLite, whose libraries seek, through a temporary
file. Like the upstream reader it checks no hash: the URL names no expected SHA-256
(``VisitSequenceArchive.download`` is the verified read).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs

from visitsarch import _arrow

#: The key (HDF5) or table (SQLite) holding the visits, as in the upstream archive and opsim.
VISITS_KEY = "observations"

_MAGIC = (
    (b"\x89HDF\r\n\x1a\n", "hdf5"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"PAR1", "parquet"),
    (b"ARROW1", "arrow-file"),
    (b"\xff\xff\xff\xff", "arrow-stream"),  # the continuation marker of every IPC message since Arrow 0.15
)
_SUFFIXES = {
    ".h5": "hdf5", ".hdf5": "hdf5", ".hdf": "hdf5",
    ".db": "sqlite", ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db3": "sqlite",
    ".parquet": "parquet", ".pq": "parquet",
    ".arrow": "arrow-file", ".feather": "arrow-file",
    ".arrows": "arrow-stream",
    ".csv": "csv",
}
_COPY_BYTES = 8 << 20


def get_visits(visits_url: Any, query: str = "", stackers: Sequence[Any] = ()) -> pd.DataFrame:
    """Retrieve visits for a visit sequence, whatever the format of the file at ``visits_url``.

    Parameters
    ----------
    visits_url : `str` or path-like (or an ``lsst.resources.ResourcePath``)
        The origin of the visits: a path, ``file://`` or ``s3://`` URL (such as a sequence's
        ``visitseq_url``) of an Arrow IPC stream or file, Parquet, pandas HDF5 (key
        ``observations``), opsim SQLite (table ``observations``) or CSV file.
    query : `str`
        A query in `pandas.DataFrame.query` syntax to select visits from the returned sequence.
        Applied before stackers are run.
    stackers : `Sequence` [`rubin_sim.maf.BaseStacker`]
        A sequence of maf stackers to apply (on ``to_records()``, so the result gains the index
        as an ``index`` column, as upstream).

    Returns
    -------
    visits : `pandas.DataFrame`
        The visits in the sequence: what ``rubin_sim.sim_archive.vseqarchive.get_visits`` returns
        for the same visits stored as ``visits.h5``.
    """
    filesystem, path = _resolve(visits_url)
    visits = _read(filesystem, path)
    if len(query) > 0:
        visits = visits.query(query)  # upstream: query(inplace=True), deprecated by pandas 3.1
    if len(stackers) > 0:
        visit_records = visits.to_records()
        for stacker in stackers:
            visit_records = stacker.run(visit_records)
        visits = pd.DataFrame(visit_records)
    return visits


def _resolve(visits_url: Any) -> tuple[pafs.FileSystem, str]:
    """The filesystem and path of a path or URL."""
    if isinstance(visits_url, os.PathLike):
        return pafs.LocalFileSystem(), os.path.abspath(os.fspath(visits_url))
    url = str(visits_url)  # a ResourcePath prints as its URL
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "" or (len(scheme) == 1 and os.name == "nt"):
        return pafs.LocalFileSystem(), os.path.abspath(url)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{url}: a file:// URL must name a local path (no host)")
        return pafs.LocalFileSystem(), unquote(parts.path)
    if scheme == "s3":
        if not parts.netloc or not parts.path.strip("/"):
            raise ValueError(f"{url}: an s3:// URL names a bucket and an object, s3://bucket/key")
        return _s3_filesystem(), f"{unquote(parts.netloc)}{unquote(parts.path)}"
    raise ValueError(f"{url}: get_visits reads paths, file:// and s3:// URLs, not {scheme}://")


def _s3_filesystem() -> pafs.S3FileSystem:
    """pyarrow's S3 client configured as the archive's: S3_ENDPOINT_URL (unset: AWS), path-style."""
    options: dict[str, Any] = {"region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
    endpoint = os.environ.get("S3_ENDPOINT_URL", "").strip()
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        options.update(scheme=parts.scheme or "https", endpoint_override=parts.netloc)
    return pafs.S3FileSystem(**options)


def _format(filesystem: pafs.FileSystem, path: str) -> str:
    with filesystem.open_input_file(path) as source:
        head = source.read_at(16, 0) if source.size() else b""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    name = _SUFFIXES.get(Path(path).suffix.lower())
    if name != "csv":
        raise ValueError(f"{path}: not a visits file get_visits can read (HDF5, SQLite, Parquet, Arrow IPC, or a .csv file)")
    return name


def _read(filesystem: pafs.FileSystem, path: str) -> pd.DataFrame:
    kind = _format(filesystem, path)
    if kind in ("hdf5", "sqlite"):
        if isinstance(filesystem, pafs.LocalFileSystem):
            return _read_local(kind, path)
        with tempfile.TemporaryDirectory(prefix="visitsarch-get-visits-") as directory:
            local = os.path.join(directory, "visits.h5" if kind == "hdf5" else "visits.db")
            with filesystem.open_input_stream(path) as source, open(local, "wb") as target:
                shutil.copyfileobj(source, target, _COPY_BYTES)
            return _read_local(kind, local)
    if kind == "arrow-stream":
        with filesystem.open_input_stream(path, buffer_size=_COPY_BYTES) as source:
            return _frame(pa.ipc.open_stream(source).read_all())
    if kind == "csv":
        import pyarrow.csv as pacsv

        with filesystem.open_input_stream(path, buffer_size=_COPY_BYTES) as source:
            # The archive's CSV: nulls are empty fields, empty text is "" (quoted), bools True/False.
            convert = pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False, true_values=["True"], false_values=["False"])
            return _frame(pacsv.read_csv(source, convert_options=convert))
    with filesystem.open_input_file(path) as source:
        if kind == "parquet":
            import pyarrow.parquet as pq

            return _frame(pq.read_table(source))
        return _frame(pa.ipc.open_file(source).read_all())


def _read_local(kind: str, path: str) -> pd.DataFrame:
    if kind == "hdf5":
        visits = pd.read_hdf(path, key=VISITS_KEY)
        if not isinstance(visits, pd.DataFrame):
            raise ValueError(f"{path}: the {VISITS_KEY!r} key holds a {type(visits).__name__}, not a table of visits")
        return visits
    with sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True) as connection:
        visits = pd.read_sql_query(f'SELECT * FROM "{VISITS_KEY}"', connection)
    return _opsim_index(visits)


def _frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as the DataFrame ``read_hdf`` gives for the archive's HDF5 export of it."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_boolean(column.type) and column.null_count:
            column = column.cast(pa.float64())  # pandas has no null bools: NaN, as the HDF5 writer stores them
        columns.append(column)
    return _opsim_index(_arrow.to_pandas(pa.Table.from_arrays(columns, names=table.column_names)))


def _opsim_index(visits: pd.DataFrame) -> pd.DataFrame:
    """The index an HDF5 file written by ``to_hdf`` (or the archive) reads back with: int64 0…n−1."""
    visits.index = pd.Index(np.arange(len(visits), dtype=np.int64))
    return visits
