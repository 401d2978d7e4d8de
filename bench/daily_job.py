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


class Step:
    """One step of the job on one side: `action` is what a run does (given `setup()`'s result, if
    there is a setup, made untimed before each run); `warm` what the untimed runs between the two
    phases do instead; `keep=False`: only the last run's result is kept (a step that reads tables:
    hundreds of them kept would make every later run allocate fresh memory, which a job does not)."""

    def __init__(self, name, action, setup=None, warm=None, keep=True, size=None):
        self.name, self.action, self.setup, self.warm, self.keep, self.size = name, action, setup, warm, keep, size
        self.results = []

    def run(self, action=None):
        """One run (`action` instead of the step's own, if given); the seconds it took, setup not counted."""
        given = [self.setup()] if self.setup else []
        start = time.perf_counter()
        result = (action or self.action)(*given)
        seconds = time.perf_counter() - start
        if not self.keep:
            self.results.clear()
        self.results.append(result)
        return seconds

    def timed(self, repeat):
        seconds = [self.run() for _ in range(repeat)]
        timing = {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds), "runs": len(seconds)}
        if self.size:
            timing["rows"] = self.size(self.results[-1])
        return timing


def run_job(steps, repeat, steady, out):
    """The first runs: each step once untimed, then `repeat` times timed, step after step, as a
    freshly started archive meets them. Then, with `steady`, every step `steady` times untimed
    (its `warm`), and every step `repeat` times timed again: the steady state of a long-running
    archive, whose services have run their code often enough for V8 to optimize it. Timings go to
    out[name] and out[name]["steady"]."""
    for step in steps:
        step.run()
        out[step.name] = step.timed(repeat)
    if not steady:
        return
    for step in steps:
        for _ in range(steady):
            step.run(step.warm)
    for step in steps:
        out[step.name]["steady"] = step.timed(repeat)


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
    parts = {}  # the time of each part of the add step, run by run (the medians below take the last timed runs')

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

    # The adds' uuids in order, for the tag step: a run tags the oldest untagged one. The untimed
    # runs between the phases tag theirs `warmup`, so the finds see as `prenight` only the
    # simulations of the timed phases' adds (and of the first warm-up add).
    pending, last = [], {}

    def upstream_add_and_remember(vsarch, sim=now):
        uuid, url, rows = upstream_add(vsarch, sim)
        pending.append(uuid)
        last.update(url=url)
        return rows

    steps = [
        Step("upstream_add", upstream_add_and_remember, setup=fresh_instance, warm=lambda vsarch: upstream_add_and_remember(vsarch, later)),
        Step("upstream_tag", lambda: vsarch.tag(pending.pop(0), "prenight", "nominal"), warm=lambda: vsarch.tag(pending.pop(0), "warmup")),
        Step("upstream_find_with_stats", lambda: vsarch.sims_on_night_with_stats(night, tags=("prenight",), telescope="simonyi"), keep=False, size=len),
        Step("upstream_find", lambda: vsarch.sims_on_nights(night, night, tags=("prenight",), telescope="simonyi"), keep=False, size=len),
        Step("upstream_read", lambda: get_visits(last["url"]), keep=False, size=len),
    ]
    run_job(steps, repeat, steady, out)
    instances[-1].pg_pool.closeall()
    out["upstream_stats_rows"] = steps[0].results[-1]

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

        pending, last = [], {}

        def visitsarch_add_and_remember(sim=now):
            uuid, rows = visitsarch_add(sim=sim)
            pending.append(uuid)
            last.update(uuid=uuid)
            return rows

        steps = [
            Step("visitsarch_add", visitsarch_add_and_remember, warm=lambda: visitsarch_add_and_remember(later)),
            Step("visitsarch_tag", lambda: archive.tag(pending.pop(0), ["prenight", "nominal"]), warm=lambda: archive.tag(pending.pop(0), ["warmup"])),
            Step("visitsarch_find_with_stats", lambda: archive.prenight_sims(night, telescope="simonyi"), keep=False, size=len),
            Step("visitsarch_find", lambda: archive.query_night(night, telescope="simonyi", tags=["prenight"]), keep=False, size=len),
            Step("visitsarch_read", lambda: archive.download(last["uuid"], "visits"), keep=False, size=len),
        ]
        run_job(steps, repeat, steady, out)
        out["visitsarch_stats_rows"] = steps[0].results[-1]
        read = steps[-1].results[-1]
        out["visitsarch_read_equal"] = bool(read.reset_index(drop=True).astype(str).equals(visits.reset_index(drop=True).astype(str)))
        del read
        # For information, after the steps above: with visitsarch's default statistics (per night and
        # accumulated). Untagged: the finds are done.
        accumulated = Step("visitsarch_add_accumulated", lambda: visitsarch_add(accumulated=True)[1])
        accumulated.run()
        out["visitsarch_add_accumulated"] = accumulated.timed(repeat)
        out["visitsarch_stats_rows_accumulated"] = accumulated.results[-1]

    # The parts of the last `repeat` runs of each add (the steady state's; the accumulated add's only runs).
    out["parts"] = {name: statistics.median(times[-repeat:]) for name, times in parts.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
