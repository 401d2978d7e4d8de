"""The canonical visit-table hash (``visitseq_sha256``), computed with numpy alone.

It is the SHA-256 of ``str(recs.dtype)`` followed by the packed bytes of the record array
``recs`` holding the table's columns in order (no index): ints, uints, floats and bools as
their own little-endian numpy dtypes; text as ``<U{w}`` with ``w`` the longest value (at
least 1); datetimes as ``<M8[unit]``. Nulls are '' for text, NaN for floats, NaT for times;
an int or bool column with nulls is hashed as ``<f8``. The archive's services compute the
same bytes from Arrow (see docs/visit-tables.md), so a table hashes the same in both places.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def _canonical_column(values: pd.Series) -> np.ndarray:
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        if values.isna().any():
            return values.astype("float64").to_numpy(dtype="<f8", na_value=np.nan)
        return values.to_numpy(dtype=np.dtype(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype).newbyteorder("<"))
    if pd.api.types.is_float_dtype(dtype):
        array = values.to_numpy(dtype=np.dtype(getattr(dtype, "numpy_dtype", dtype)).newbyteorder("<"), na_value=np.nan).copy()
        array[np.isnan(array)] = np.nan  # one NaN bit pattern
        return array
    if pd.api.types.is_datetime64_dtype(dtype):
        return values.to_numpy()
    # Text (object or string dtype); a column mixing bools and missing values is a bool column with nulls.
    present = values.dropna()
    if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
        return values.map(lambda v: np.nan if pd.isna(v) else float(v)).to_numpy(dtype="<f8")
    text = ["" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v) for v in values]
    width = max([1, *map(len, text)])
    return np.array(text, dtype=f"<U{width}")


def visits_sha256(visits: pd.DataFrame | np.ndarray) -> str:
    """The canonical visit-table hash of a table of visits, as 64 hexadecimal digits.

    Parameters
    ----------
    visits : pandas.DataFrame or numpy structured array
        The visits; a DataFrame's index is ignored.

    Returns
    -------
    str
        The lowercase hex SHA-256, equal to the ``visitseq_sha256`` the archive records.
    """
    frame = visits if isinstance(visits, pd.DataFrame) else pd.DataFrame.from_records(visits)
    columns = [_canonical_column(frame[name]) for name in frame.columns]
    dtype = np.dtype([(str(name), column.dtype) for name, column in zip(frame.columns, columns)])
    recs = np.empty(len(frame), dtype=dtype)
    for name, column in zip(frame.columns, columns):
        recs[str(name)] = column
    digest = hashlib.sha256(str(recs.dtype).encode())
    digest.update(np.ascontiguousarray(recs).data.tobytes())
    return digest.hexdigest()
