"""The measuring side of bench/daily-job.bench.ts: the daily pre-night job, step by step, done
with the visitsarch Python client and with rubin_sim's own archive code, on the same machine,
the same PostgreSQL server and the same visits.

    python bench/daily_job.py DSN_JSON SCHEMA ARCHIVE_BASE GATEWAY TEMPLATE.db WORKDIR ROWS REPEAT STEADY

DSN_JSON: psycopg2 keywords of the stack's database, where the upstream gets a schema of its own
(SCHEMA, made by its own ``create_schema_in_database``). ARCHIVE_BASE: the upstream's ``file://``
archive base (directory-like). GATEWAY: the stack's gateway; the token comes from
``$VISITSARCH_HOME/token``. The visits: ROWS opsim visits (47 columns, ~1000 a night) built from
TEMPLATE.db as bench/cli_add_baseline.py builds them.

Steps, each with one untimed warm-up run then REPEAT timed runs (median and range: the first
runs), then STEADY more untimed runs and REPEAT more timed ones (the steady state: a long-running
archive, whose services have run their code often enough for V8 to optimize it):

1. add: the visits (a DataFrame in memory) archived and recorded as a simulation, with its
   nightly statistics computed and stored. Upstream: ``record_simulation_metadata`` (hashes the
   visits), ``to_hdf`` (the ``visits.h5`` its ``add_file`` archives from a file), ``add_file(...,
   "visits", archive_base)``, ``compute_nightly_stats`` and ``insert_nightly_stats``.
   visitsarch: ``add_simulation(visits, ...)`` and ``nightly_stats(uuid, columns,
   accumulated=False)`` (the same statistics; the upstream computes none accumulated).
2. tag: each simulation just added tagged ``prenight`` and ``nominal``.
3. find: the pre-night simulations of the night with that night's statistics
   (``sims_on_night_with_stats`` / ``prenight_sims``), and the simulations covering the night
   (``sims_on_nights`` / ``query_night``).
4. read back: the visits of one of them into a DataFrame (``get_visits(url)`` / ``download``).

Then, for information, visitsarch's add with its default statistics (per night and accumulated).
Prints one JSON object on stdout.
"""

import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cli_add_baseline import realistic_table  # noqa: E402

warnings.filterwarnings("ignore")

# The opsim columns both sides compute nightly statistics of (those of bench/nightly-stats).
COLUMNS = ["fieldRA", "fieldDec", "rotSkyPos", "azimuth", "altitude", "airmass", "skyBrightness", "seeingFwhmEff"]


def measured(action, repeat, setup=None, steady=0, warm=None, keep=True):
    """One untimed warm-up run, then `repeat` timed runs: their results, median and range. With
    `steady`, then that many more untimed runs and `repeat` more timed ones, whose median and range
    go under "steady": a long-running archive's services have run their code often enough to have
    it optimized, which the first runs of a freshly started stack have not.
    `warm`, if given, is what the untimed runs before the steady state do instead of `action`.
    `setup`, if given, is called untimed before each run and its result passed to `action`.
    `keep=False`: only the last run's result is kept (a step that reads tables: hundreds of them
    kept would make every later run allocate fresh memory, which a daily job does not)."""
    results = []

    def record(result):
        if not keep:
            results.clear()
        results.append(result)

    record(action(*([setup()] if setup else [])))

    def timed():
        seconds = []
        for _ in range(repeat):
            given = [setup()] if setup else []
            start = time.perf_counter()
            record(action(*given))
            seconds.append(time.perf_counter() - start)
        return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds), "runs": len(seconds)}

    timing = timed()
    if steady:
        for _ in range(steady):
            record((warm or action)(*([setup()] if setup else [])))
        timing["steady"] = timed()
    return results, timing


def day_obs_of(mjd):
    from astropy.time import Time

    return Time(int(mjd - 0.5), format="mjd").datetime.date().isoformat()


def main() -> None:
    dsn, schema, archive_base, gateway, template, workdir = json.loads(sys.argv[1]), *sys.argv[2:7]
    rows, repeat, steady = int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])

    import rubin_sim
    from rubin_sim.sim_archive.vseqarchive import add_file, compute_nightly_stats, get_visits
    from rubin_sim.sim_archive.vseqmetadata import VisitSequenceArchiveMetadata

    import visitsarch

    visits = realistic_table(template, rows)
    first_day_obs = day_obs_of(visits["observationStartMJD"].min())
    last_day_obs = day_obs_of(visits["observationStartMJD"].max())
    night = first_day_obs  # the night the job looks for: the simulation's first
    # What the untimed adds between the first runs and the steady state archive: the same visits 100
    # nights later, so that the finds see only the simulations of the timed runs (as many as a night
    # has) and the night's statistics only theirs, as in the first runs.
    later = {"visits": visits.assign(observationStartMJD=visits["observationStartMJD"] + 100)}
    later["first_day_obs"] = day_obs_of(later["visits"]["observationStartMJD"].min())
    later["last_day_obs"] = day_obs_of(later["visits"]["observationStartMJD"].max())
    now = {"visits": visits, "first_day_obs": first_day_obs, "last_day_obs": last_day_obs}
    out = {"rows": len(visits), "columns": visits.shape[1], "first_day_obs": first_day_obs, "last_day_obs": last_day_obs, "repeat": repeat, "steady": steady, "rubin_sim": rubin_sim.__version__, "pandas": pd.__version__}

    # -- upstream ------------------------------------------------------------------------
    vsarch = VisitSequenceArchiveMetadata(dsn, schema)
    vsarch.create_schema_in_database()
    counter = iter(range(10_000))
    parts = {}  # the time of each part of the add step, run by run (the warm-up's dropped below)

    def part(name, start):
        parts.setdefault(name, []).append(time.perf_counter() - start)
        return time.perf_counter()

    # Each add gets a VisitSequenceArchiveMetadata of its own, made untimed, as each day's job (a
    # process of its own) has: insert_nightly_stats takes a connection of the instance's 5-connection
    # pool for a new SQLAlchemy engine each call and never gives it back, so one instance fails
    # ("connection pool exhausted") on the 4th or 5th add.
    instances = []

    def fresh_instance():
        if instances:  # the previous add's, done with: its connections closed, not left to pile up
            instances[-1].pg_pool.closeall()
        instances.append(VisitSequenceArchiveMetadata(dsn, schema))
        return instances[-1]

    def upstream_add(vsarch, sim=now):
        visits, first_day_obs, last_day_obs = sim["visits"], sim["first_day_obs"], sim["last_day_obs"]
        label = f"daily job benchmark, upstream, run {next(counter)}"
        start = time.perf_counter()
        uuid = vsarch.record_simulation_metadata(visits, label, telescope="simonyi", first_day_obs=first_day_obs, last_day_obs=last_day_obs, scheduler_version="3.18.1")
        start = part("upstream_record", start)
        with tempfile.TemporaryDirectory(dir=workdir) as scratch:
            h5 = os.path.join(scratch, "visits.h5")
            visits.to_hdf(h5, key="observations")
            url = add_file(vsarch, uuid, h5, "visits", archive_base).geturl()
        start = part("upstream_store", start)
        stats = compute_nightly_stats(visits, columns=COLUMNS)
        vsarch.insert_nightly_stats(uuid, stats)
        part("upstream_stats", start)
        return uuid, url, len(stats)

    added, out["upstream_add"] = measured(upstream_add, repeat, setup=fresh_instance, steady=steady, warm=lambda vsarch: upstream_add(vsarch, later))
    instances[-1].pg_pool.closeall()
    out["upstream_stats_rows"] = added[-1][2]
    pending = [uuid for uuid, _, _ in added]
    # The runs between the first runs and the steady state tag theirs `warmup`: the finds then see the
    # simulations of the timed runs alone as `prenight`, as many as a night has (2 × REPEAT + 1).
    _, out["upstream_tag"] = measured(lambda: vsarch.tag(pending.pop(0), "prenight", "nominal"), repeat, steady=steady, warm=lambda: vsarch.tag(pending.pop(0), "warmup"))
    found, out["upstream_find_with_stats"] = measured(lambda: vsarch.sims_on_night_with_stats(night, tags=("prenight",), telescope="simonyi"), repeat, steady=steady, keep=False)
    out["upstream_found_with_stats"] = len(found[-1])
    found, out["upstream_find"] = measured(lambda: vsarch.sims_on_nights(night, night, tags=("prenight",), telescope="simonyi"), repeat, steady=steady, keep=False)
    out["upstream_found"] = len(found[-1])
    url = added[-1][1]
    read, out["upstream_read"] = measured(lambda: get_visits(url), repeat, steady=steady, keep=False)
    out["upstream_read_rows"] = len(read[-1])
    del read

    # -- visitsarch ------------------------------------------------------------------------
    with visitsarch.VisitSequenceArchive(gateway) as archive:

        def visitsarch_add(accumulated=False, sim=now):
            visits, first_day_obs, last_day_obs = sim["visits"], sim["first_day_obs"], sim["last_day_obs"]
            label = f"daily job benchmark, visitsarch, run {next(counter)}"
            start = time.perf_counter()
            uuid = archive.add_simulation(visits, label, telescope="simonyi", first_day_obs=first_day_obs, last_day_obs=last_day_obs, scheduler_version="3.18.1")
            start = part("visitsarch_add_simulation" + ("_acc" if accumulated else ""), start)
            stats = archive.nightly_stats(uuid, columns=COLUMNS, accumulated=accumulated)
            part("visitsarch_nightly_stats" + ("_acc" if accumulated else ""), start)
            return uuid, len(stats)

        added, out["visitsarch_add"] = measured(visitsarch_add, repeat, steady=steady, warm=lambda: visitsarch_add(sim=later))
        out["visitsarch_stats_rows"] = added[-1][1]
        pending = [uuid for uuid, _ in added]
        _, out["visitsarch_tag"] = measured(lambda: archive.tag(pending.pop(0), ["prenight", "nominal"]), repeat, steady=steady, warm=lambda: archive.tag(pending.pop(0), ["warmup"]))
        found, out["visitsarch_find_with_stats"] = measured(lambda: archive.prenight_sims(night, telescope="simonyi"), repeat, steady=steady, keep=False)
        out["visitsarch_found_with_stats"] = len(found[-1])
        found, out["visitsarch_find"] = measured(lambda: archive.query_night(night, telescope="simonyi", tags=["prenight"]), repeat, steady=steady, keep=False)
        out["visitsarch_found"] = len(found[-1])
        uuid = added[-1][0]
        read, out["visitsarch_read"] = measured(lambda: archive.download(uuid, "visits"), repeat, steady=steady, keep=False)
        out["visitsarch_read_rows"] = len(read[-1])
        out["visitsarch_read_equal"] = bool(read[-1].reset_index(drop=True).astype(str).equals(visits.reset_index(drop=True).astype(str)))
        del read
        # For information: with visitsarch's default statistics (per night and accumulated). Untagged: the finds above are done.
        added, out["visitsarch_add_accumulated"] = measured(lambda: visitsarch_add(accumulated=True), repeat)
        out["visitsarch_stats_rows_accumulated"] = added[-1][1]

    # The parts of the last `repeat` runs of each add (the steady state's; the accumulated add's only runs).
    out["parts"] = {name: statistics.median(times[-repeat:]) for name, times in parts.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
