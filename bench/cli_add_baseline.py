"""The pandas side of bench/cli-add.bench.ts: an upstream-layout visits.h5, and the times pandas takes.

    python bench/cli_add_baseline.py make TEMPLATE.db WORKDIR ROWS REPEAT
        Builds a realistic opsim visit table of ROWS rows (the 47 columns of TEMPLATE.db's
        `observations`, tiled and perturbed), then times what the upstream archive does with it:
        `df.to_hdf(path, key="observations")` (pandas' default "fixed" layout, object string columns
        pickled, as rubin_sim's vseqarchive writes visits.h5) and `df.to_sql("observations", con,
        index=False)` into a new SQLite file (as its `get-file … visits.db` conversion does). One
        untimed warm-up run each, then REPEAT timed runs (median and range). Leaves
        WORKDIR/visits.h5 (the file the CLI archives). Prints one JSON object on stdout.

    python bench/cli_add_baseline.py verify WORKDIR/visits.h5 FILE...
        Checks that each FILE (.h5 or .db) holds the same visits as visits.h5 (pandas equality,
        string columns compared as text). Prints one JSON object.

The string columns hold one Python str object per cell, as a DataFrame built from the scheduler's
numpy observation array holds them (so the pickle repeats only what Python itself shares: one-
character strings); tiling object arrays would share objects, and make the pickle unrealistically
small.
"""

import json
import os
import sqlite3
import sys
import time
import warnings

import numpy as np
import pandas as pd


def realistic_table(template: str, rows: int) -> pd.DataFrame:
    with sqlite3.connect(template) as con:
        base = pd.read_sql("SELECT * FROM observations", con)
    rng = np.random.default_rng(20261204)
    n = len(base)
    take = np.arange(rows) % n
    columns = {}
    # ~1000 visits a night (a 2.1-million-visit table spans about ten years of nights).
    night = np.arange(rows) // 1000
    for name in base.columns:
        values = base[name].to_numpy()
        if name in ("observationId", "target_id"):
            columns[name] = np.arange(rows, dtype=np.int64)
        elif name == "night":
            columns[name] = night.astype(np.int64)
        elif name == "observationStartMJD":
            columns[name] = 60981.0 + night + 0.1 + (np.arange(rows) % 1000) * 0.00035 + rng.normal(0, 1e-6, rows)
        elif values.dtype.kind == "f":
            tiled = values.astype(np.float64)[take]
            scale = np.nanstd(values) if np.nanstd(values) > 0 else 0.0
            columns[name] = tiled + rng.normal(0, 1, rows) * scale * 0.05 if scale else tiled
        elif values.dtype.kind in "iu":
            columns[name] = values.astype(np.int64)[take]
        else:
            text = np.asarray(values, dtype=str)[take]
            if name == "scheduler_note":
                # Notes carry the survey's state: vary them as the scheduler does (reason, a count).
                text = np.char.add(np.char.add(np.char.partition(text, ",")[:, 0], ", "), (rng.integers(0, 40, rows)).astype(str))
            elif name == "target_name":
                text = np.where(text == "", text, np.char.add("Rubin_SV_", (rng.integers(0, 400, rows)).astype(str)))
            # One str object per cell (numpy's U → object conversion makes each anew).
            columns[name] = text.astype(object)
    frame = pd.DataFrame(columns, columns=list(base.columns))
    # pandas 3 infers its `str` dtype for text; the upstream archive's files hold object columns
    # (pandas 2), which to_hdf consolidates into one pickled block.
    return frame.astype({name: object for name in base.columns if base[name].dtype.kind not in "fiub"})


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def repeated(action, times: int, before=lambda: None):
    """Median, min and max of `times` timed runs after an untimed warm-up (as bench/pandas_baseline.py); `before` runs untimed before each."""
    before()
    action()
    seconds = []
    for _ in range(times):
        before()
        seconds.append(timed(action))
    seconds.sort()
    return seconds[len(seconds) // 2], seconds[0], seconds[-1]


def make(template: str, workdir: str, rows: int, repeat: int) -> None:
    start = time.perf_counter()
    frame = realistic_table(template, rows)
    built = time.perf_counter() - start
    h5 = os.path.join(workdir, "visits.h5")
    scratch_h5 = os.path.join(workdir, "pandas-scratch.h5")
    scratch_db = os.path.join(workdir, "pandas-scratch.db")

    def remove(path):
        return lambda: os.path.exists(path) and os.remove(path)

    def to_hdf():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PerformanceWarning: object columns are pickled
            frame.to_hdf(scratch_h5, key="observations")

    def to_sql():
        with sqlite3.connect(scratch_db) as con:
            frame.to_sql("observations", con, index=False)
        con.close()

    hdf = repeated(to_hdf, repeat, remove(scratch_h5))
    os.replace(scratch_h5, h5)
    sql = repeated(to_sql, repeat, remove(scratch_db))
    db_bytes = os.path.getsize(scratch_db)
    os.remove(scratch_db)
    print(
        json.dumps(
            {
                "rows": len(frame),
                "columns": len(frame.columns),
                "object_columns": [c for c in frame.columns if frame[c].dtype == object],
                "build_s": built,
                "to_hdf": hdf,
                "to_sql": sql,
                "h5_bytes": os.path.getsize(h5),
                "db_bytes": db_bytes,
                "repeat": repeat,
                "pandas": pd.__version__,
            }
        )
    )


def read(path: str) -> pd.DataFrame:
    if path.endswith(".db"):
        with sqlite3.connect(path) as con:
            frame = pd.read_sql("SELECT * FROM observations", con)
        con.close()
        return frame
    return pd.read_hdf(path, key="observations")


def verify(reference: str, others: list) -> None:
    expected = read(reference)
    text = [c for c in expected.columns if expected[c].dtype == object or str(expected[c].dtype) in ("str", "string")]
    expected[text] = expected[text].astype(str)
    checked = {}
    for path in others:
        actual = read(path)
        actual[text] = actual[text].astype(str)
        pd.testing.assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False, check_exact=True)
        checked[os.path.basename(path)] = len(actual)
    print(json.dumps({"equal": checked}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)
