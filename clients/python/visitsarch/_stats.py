"""Nightly statistics of visit sequences and their box-and-whisker plots.

``nightly_stats`` asks the archive to compute (and store) the statistics of the
specification's ``nightly_stats`` table and returns them as a DataFrame shaped like the
specification's pandas example; ``plot_nightly`` draws the stored statistics of one or more
sequences as box-and-whisker plots (matplotlib, optional).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._arguments import message as _message
from ._arguments import strings as _strings
from ._errors import FailedPreconditionError
from .metadata.v1 import metadata_service_pb2 as md
from .stats.v1 import stats_service_pb2 as st

#: The specification's default value names.
SPEC_COLUMNS = ("s_ra", "s_dec", "sky_rotation", "azimuth", "altitude", "eff_time_median", "sky_bg_median", "psf_area_median")

_STAT_FIELDS = ("count", "mean", "std", "min", "p05", "q1", "median", "q3", "p95", "max")
_COLUMNS = ("day_obs", "value_name", *_STAT_FIELDS, "accumulated")


def nightly_stats(
    archive: Any,
    uuid: str,
    columns: Sequence[str] | None = None,
    accumulated: bool = True,
    store: bool = True,
    *,
    _stacklevel: int = 2,
) -> pd.DataFrame:
    """Computes the nightly statistics of visit columns of a sequence.

    Parameters
    ----------
    archive : `visitsarch.VisitSequenceArchive`
        The archive to ask.
    uuid : `str`
        The visit sequence.
    columns : sequence of `str`, optional
        Value names; default the specification's eight. Opsim and ConsDB names of the same
        value (``fieldRA``/``s_ra``, …) are interchangeable; names the visits have no column
        for are skipped with a warning (``UserWarning``, as the CLI's "the visits have no column
        for: …") and listed in ``DataFrame.attrs["missing_columns"]`` (those of the default
        columns only listed: a simulation never has the ConsDB-only ones).
    accumulated : `bool`
        Also the statistics of all visits through each night.
    store : `bool`
        Store them in the archive (replacing earlier ones).

    Returns
    -------
    stats : `pandas.DataFrame`
        Columns day_obs (``datetime.date``), value_name, count, mean, std, min, p05, q1,
        median, q3, p95, max, accumulated (upstream's ``compute_nightly_stats`` order).
    """
    request = _message(st.ComputeNightlyStatsRequest,
        visitseq_uuid=str(uuid),
        columns=_strings(columns, "columns") if columns is not None else list(SPEC_COLUMNS),
        store=store,
        include_accumulated=accumulated,
    )
    response = archive._call("ComputeNightlyStats", request, timeout=archive.transfer_timeout)
    rows = [
        {"day_obs": pd.Timestamp(s.day_obs).date(), "value_name": s.value_name, **{f: getattr(s, f) for f in _STAT_FIELDS}, "accumulated": s.accumulated}
        for s in response.stats
    ]
    frame = pd.DataFrame(rows, columns=list(_COLUMNS))
    frame["count"] = frame["count"].astype("int64")
    frame.attrs["missing_columns"] = list(response.missing_columns)
    if response.missing_columns and columns is not None:
        # As the CLI's nightly_stats: the call succeeds for the columns the visits have, and says which they lack.
        # Not for the default columns: the specification's eight mix opsim and ConsDB-only values
        # (eff_time_median…), so a simulation always lacks some (attrs["missing_columns"] lists them).
        warnings.warn(
            f"the visits have no column for: {', '.join(response.missing_columns)} (no statistics of "
            f"{'them' if len(response.missing_columns) > 1 else 'it'} were computed{' or stored' if store else ''})",
            stacklevel=_stacklevel,
        )
    return frame


def plot_nightly(archive: Any, uuids: str | Sequence[str], value: str, accumulated: bool = False) -> Any:
    """Box-and-whisker plots of stored nightly statistics, one box per night and sequence.

    Whiskers span the 5 % to 95 % quantiles, boxes the quartiles, a bar marks the median;
    several sequences are drawn side by side, with a legend of their labels.

    Returns
    -------
    figure : `matplotlib.figure.Figure`

    Raises
    ------
    ImportError
        If matplotlib is not installed: ``pip install 'visitsarch[plot]'`` (the archive's
        ``PlotNightlyStats`` draws the same plot as SVG or PNG without it).
    FailedPreconditionError
        If none of the sequences has stored statistics of ``value`` (``accumulated`` or not).
    """
    try:
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError as error:
        raise ImportError(
            f"plot_nightly needs matplotlib ({error}): pip install 'visitsarch[plot]' (or pip install matplotlib)", name=error.name
        ) from error

    uuids = _strings(uuids, "uuids")
    series = {uuid: _stored_stats(archive, uuid, value, accumulated) for uuid in uuids}
    if not any(series.values()):
        # As the archive's PlotNightlyStats (NO_NIGHTLY_STATS): an empty figure would look like a plot of nothing.
        raise FailedPreconditionError(
            f"none of the sequences has stored {'accumulated' if accumulated else 'single-night'} statistics of {value}; "
            "compute them with nightly_stats(uuid, store=True)"
        )
    figure, axes = plt.subplots(figsize=(10, 5.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    handles = []
    for index, uuid in enumerate(uuids):
        stats = series[uuid]
        label = archive._call("GetVisitSequence", _message(md.GetVisitSequenceRequest, visitseq_uuid=uuid)).visit_sequence.visitseq_label or uuid
        colour = colours[index % len(colours)]
        width = 0.8 / len(uuids)
        offset = (index - (len(uuids) - 1) / 2) * width
        boxes = [
            {"med": s.median, "q1": s.q1, "q3": s.q3, "whislo": s.p05, "whishi": s.p95, "fliers": []}
            for s in stats
        ]
        positions = [mdates.date2num(pd.Timestamp(s.day_obs)) + offset for s in stats]
        if boxes:
            axes.bxp(
                boxes,
                positions=positions,
                widths=width * 0.9,
                patch_artist=True,
                manage_ticks=False,
                boxprops={"facecolor": colour, "alpha": 0.5, "edgecolor": colour},
                whiskerprops={"color": colour},
                capprops={"color": colour},
                medianprops={"color": "black"},
            )
        handles.append(Patch(facecolor=colour, alpha=0.5, edgecolor=colour, label=label))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    axes.xaxis_date()
    figure.autofmt_xdate()
    axes.set_xlabel("day_obs (night, UTC−12h)")
    unit = _UNITS.get(value)
    axes.set_ylabel(f"{value} ({unit})" if unit else value)
    axes.set_title(f"{value}: {'all visits through each night' if accumulated else 'visits of each night'}")
    axes.legend(handles=handles)
    axes.grid(axis="y", color="#e3e3e3")
    return figure


def _stored_stats(archive: Any, uuid: str, value: str, accumulated: bool) -> list[Any]:
    """The stored statistics of one value of one sequence, through the gateway's ListNightlyStats."""
    stats: list[Any] = []
    page_token = ""
    while True:
        page = archive._call(
            "ListNightlyStats",
            _message(md.ListNightlyStatsRequest, visitseq_uuids=[uuid], value_names=[value], accumulated=accumulated, page_size=10000, page_token=page_token),
        )
        stats.extend(s for s in page.stats if s.count > 0)
        page_token = page.next_page_token
        if not page_token:
            return stats


_UNITS = {
    "altitude": "deg", "azimuth": "deg", "s_ra": "deg", "s_dec": "deg", "fieldRA": "deg", "fieldDec": "deg",
    "sky_rotation": "deg", "rotSkyPos": "deg", "airmass": "dimensionless", "skyBrightness": "mag/arcsec²",
    "fiveSigmaDepth": "mag", "seeingFwhmEff": "arcsec", "eff_time_median": "s", "psf_area_median": "pixel²",
    "sky_bg_median": "electron/pixel",
}
