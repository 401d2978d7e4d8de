"""The upstream baseline of the blob-archive benchmark: pandas on the same table, same machine.

Reads the benchmark table (an Arrow IPC stream written by bench/blob-archive.bench.ts), then
times what the upstream archive does with a visit table: `to_hdf` in pandas' default "fixed"
layout (as `vseqarchive` archives `visits.h5`) and `read_hdf` of that file, plus `to_sql` /
`read_sql` of an opsim SQLite database. Prints one JSON object on stdout.

With the address of a blob-archive server and the URL and SHA-256 (hex) of the same table stored
there, also times fetching it with pyarrow through Arrow Flight (what a Python user of the archive
does: the ticket comes from GetFlightInfo, the fetch is verified); with an archive URL too, storing
it from memory with pyarrow through Arrow Flight (DoPut).

Usage: python bench/pandas_baseline.py TABLE.arrows WORKDIR [HOST:PORT FILE_URL FILE_SHA256 [REPEAT [ARCHIVE_URL]]]

The operations the targets compare (Flight fetch, to_hdf, read_hdf) run once untimed (warm-up),
then REPEAT times (default 1); the median and the range are reported.
"""

import json
import os
import sqlite3
import sys
import time
import warnings

import pandas as pd
import pyarrow as pa


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def repeated(action, times):
    """The last result, the median time and the (min, max) range of `times` runs.

    One untimed warm-up run comes first: it pays what only a first run pays (connections, imports,
    the process's first use of that much memory, which on a virtual machine costs a page fault
    per page), for visitsarch and pandas alike. Each run starts once the previous run's result
    is released, as in a program that repeats the operation: otherwise every run but the first
    would also pay for holding two results.
    """
    action()
    seconds = []
    result = None
    for _ in range(times):
        result = None
        result, elapsed = timed(action)
        seconds.append(elapsed)
    seconds.sort()
    return result, seconds[len(seconds) // 2], (seconds[0], seconds[-1])


def main() -> None:
    table_path, workdir = sys.argv[1], sys.argv[2]
    repeat = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    flight_fetch_s = flight_fetch_range = flight_put_s = flight_put_range = None
    # Memory-mapped: the fetch below is checked against its row count without a copy of the table.
    with pa.memory_map(table_path) as source:
        table = pa.ipc.open_stream(source).read_all()
    if len(sys.argv) > 5:
        import pyarrow.flight as flight

        client = flight.connect(f"grpc://{sys.argv[3]}")
        # The blob archive's Flight methods other than a client's DoGet of a signed ticket are for the
        # archive's own services: the bench calls as one, with the service credential.
        peer = flight.FlightCallOptions(headers=[(b"x-visitsarch-peer", os.environ.get("VISITSARCH_PEER_CREDENTIAL", "").encode())])
        # The ticket of a verified read of the stored table (untimed: a user asks once, then reads).
        read = {"file_url": sys.argv[4], "expected_file_sha256": sys.argv[5]}
        ticket = client.get_flight_info(flight.FlightDescriptor.for_command(json.dumps(read)), peer).endpoints[0].ticket
        fetched, flight_fetch_s, flight_fetch_range = repeated(lambda: client.do_get(ticket, peer).read_all(), repeat)
        assert fetched.num_rows == table.num_rows
        del fetched
        if len(sys.argv) > 7:
            in_memory = pa.ipc.open_stream(table_path).read_all()

            def do_put():
                # To a sequence of its own (not the one fetched above), replaced by each run.
                destination = {"archive_url": sys.argv[7], "telescope": "simonyi", "creation_day_obs": "2026-11-26", "visitseq_uuid": "5a1e6a6e-0000-4000-8000-0000000000f1", "overwrite": True}
                writer, reader = client.do_put(flight.FlightDescriptor.for_command(json.dumps(destination)), in_memory.schema, peer)
                writer.write_table(in_memory)
                writer.done_writing()
                result = json.loads(reader.read().to_pybytes())
                writer.close()
                return result

            put, flight_put_s, flight_put_range = repeated(do_put, repeat)
            assert put["row_count"] == in_memory.num_rows, put
            del in_memory
        client.close()
    frame = table.to_pandas()
    del table

    h5_path = os.path.join(workdir, "upstream-visits.h5")
    db_path = os.path.join(workdir, "upstream-opsim.db")
    for path in (h5_path, db_path):
        if os.path.exists(path):
            os.remove(path)

    def to_hdf():
        if os.path.exists(h5_path):
            os.remove(h5_path)
        with warnings.catch_warnings():
            # pandas warns that object columns are pickled in the fixed layout: that is the upstream's format.
            warnings.simplefilter("ignore")
            frame.to_hdf(h5_path, key="observations")

    _, to_hdf_s, to_hdf_range = repeated(to_hdf, repeat)
    read_back, read_hdf_s, read_hdf_range = repeated(lambda: pd.read_hdf(h5_path, key="observations"), repeat)
    assert len(read_back) == len(frame)
    del read_back

    def to_sql():
        with sqlite3.connect(db_path) as connection:
            frame.to_sql("observations", connection, index=False)

    _, to_sql_s = timed(to_sql)

    def read_sql():
        with sqlite3.connect(db_path) as connection:
            return pd.read_sql("SELECT * FROM observations", connection)

    read_back, read_sql_s = timed(read_sql)
    assert len(read_back) == len(frame)

    print(
        json.dumps(
            {
                "rows": len(frame),
                "columns": len(frame.columns),
                "repeat": repeat,
                "to_hdf_s": to_hdf_s,
                "to_hdf_range": to_hdf_range,
                "read_hdf_s": read_hdf_s,
                "read_hdf_range": read_hdf_range,
                "hdf5_bytes": os.path.getsize(h5_path),
                "to_sql_s": to_sql_s,
                "read_sql_s": read_sql_s,
                "sqlite_bytes": os.path.getsize(db_path),
                "flight_fetch_s": flight_fetch_s,
                "flight_fetch_range": flight_fetch_range,
                "flight_put_s": flight_put_s,
                "flight_put_range": flight_put_range,
                "pandas": pd.__version__,
                "pyarrow": pa.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
