import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { gatewayV1, typeV1 } from '@visitsarch/contracts';
import { dayObsOfInstant, mjdAtDayObsStart } from '@visitsarch/day-obs';
import { syntheticOpsimTable } from '@visitsarch/visit-tables';
import { toIpcChunks } from '../arrow-ipc';
import { CliContext } from '../context';
import { renderRows } from '../output';
import { withDemoRewards } from './demo-rewards';
import { addFileMessages } from './transfers';

const CONFIG_URL = 'https://raw.githubusercontent.com/lsst-ts/ts_config_ocs/8ed1ab/Scheduler/feature_scheduler/maintel/fbs_config_sv_survey.py';

/** A request id that is the same for the same demo item on the same day, so running `demo` twice adds nothing new. */
function demoRequestId(name: string, day: string): string {
  const hex = createHash('sha256').update(`visitsarch demo ${day} ${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function addDays(dayObs: string, days: number): string {
  const date = new Date(`${dayObs}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** `visitsarch demo`: a realistic sample (completed visits, pre-night simulations, a mixed sequence), so every command has something to show. */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('fill the archive with a realistic sample: completed visits of the last nights, pre-night simulations of tonight, a mixed sequence; tagged and commented (running it again adds nothing)')
    .action(() =>
      context.run(async () => {
        const tonight = dayObsOfInstant(new Date());
        const gateway = context.gateway;
        const transfer = context.deadline('transfer');
        const rows: Record<string, unknown>[] = [];

        const completedVisits = syntheticOpsimTable({ rows: 1400, seed: 7, startMjd: mjdAtDayObsStart(addDays(tonight, -4)) });
        const completed = await gateway.clientStream(
          'addCompleted',
          messages<gatewayV1.AddCompletedHeader>(
            {
              label: `Completed visits of the nights before ${tonight} (synthetic)`,
              telescope: 'simonyi',
              query: 'SELECT * FROM cdb_lsstcam.visit1 LEFT JOIN cdb_lsstcam.visit1_quicklook USING (visit_id) -- synthetic demo data',
              tags: ['demo', 'completed'],
              requestId: demoRequestId('completed', tonight),
              format: 0,
            },
            completedVisits,
          ),
          transfer,
        );
        rows.push({ kind: 'completed', visitseq_uuid: completed.visitseqUuid, label: completed.visitSequence?.visitseqLabel, visits: completed.rowCount });

        const variants = [
          { name: 'nominal', tags: ['demo', 'prenight', 'nominal', 'ideal'], seed: 11, delay: 0 },
          { name: 'delayed start', tags: ['demo', 'prenight', 'delay'], seed: 12, delay: 60 },
          { name: 'bad seeing', tags: ['demo', 'prenight', 'seeing'], seed: 13, delay: 0 },
        ];
        for (const variant of variants) {
          const visits = syntheticOpsimTable({ rows: 1400, seed: variant.seed, startMjd: mjdAtDayObsStart(tonight) + variant.delay / 1440 });
          const added = await gateway.clientStream(
            'addSimulation',
            messages<gatewayV1.AddSimulationHeader>(
              {
                label: `Prenight ${tonight}: ${variant.name} (synthetic)`,
                telescope: 'simonyi',
                firstDayObs: tonight,
                schedulerVersion: '3.10.0',
                configUrl: CONFIG_URL,
                simRunnerArgs: { sim_start_mjd: mjdAtDayObsStart(tonight), sim_duration: 3, keep_rewards: true, delay_minutes: variant.delay },
                parentVisitseqUuid: completed.visitseqUuid,
                parentLastDayObs: addDays(tonight, -1),
                tags: variant.tags,
                requestId: demoRequestId(variant.name, tonight),
                format: 0,
              },
              visits,
            ),
            transfer,
          );
          rows.push({ kind: 'simulation', visitseq_uuid: added.visitseqUuid, label: added.visitSequence?.visitseqLabel, visits: added.rowCount });
          if (variant.name === 'nominal') {
            await addDemoRewards(context, added.visitseqUuid, visits, demoRequestId('rewards', tonight));
            const comments = await context.metadata.unary('listComments', { visitseqUuid: added.visitseqUuid, pageSize: 1, pageToken: '' }, context.deadline());
            if (comments.comments.length === 0) {
              await context.metadata.unary('addComment', { visitseqUuid: added.visitseqUuid, comment: 'Nominal conditions; use this one for the briefing.', requestId: '' }, context.deadline());
            }
            const mixed = await gateway.unary(
              'addMixed',
              {
                label: `Completed through ${addDays(tonight, -1)}, then the nominal prenight simulation (synthetic)`,
                telescope: '',
                earlyParentUuid: completed.visitseqUuid,
                lateParentUuid: added.visitseqUuid,
                lastEarlyDayObs: addDays(tonight, -1),
                firstLateDayObs: tonight,
                materialize: false,
                tags: ['demo'],
                requestId: demoRequestId('mixed', tonight),
                format: 0,
              },
              transfer,
            );
            rows.push({ kind: 'mixed', visitseq_uuid: mixed.visitseqUuid, label: mixed.visitSequence?.visitseqLabel, visits: mixed.rowCount || null });
          }
        }
        process.stdout.write(renderRows(['kind', 'visitseq_uuid', 'label', 'visits'], rows, context.format()));
        process.stderr.write(`Try: visitsarch list; visitsarch prenight_sims ${tonight}; visitsarch query_night ${tonight} simonyi\n`);
      }),
    );
}

/** The nominal simulation keeps its rewards, as `sim_runner(record_rewards=True)` would have. */
async function addDemoRewards(context: CliContext, visitseqUuid: string, visits: ReturnType<typeof syntheticOpsimTable>, requestId: string): Promise<void> {
  const { files } = await context.metadata.unary('listFiles', { visitseqUuid, pageSize: 1000, pageToken: '' }, context.deadline());
  if (files.some((file) => file.fileType === 'rewards')) return;
  await withDemoRewards(visits, async (file) => {
    const header = { visitseqUuid, fileType: 'rewards', replace: false, fileName: 'rewards.h5', requestId };
    await context.gateway.clientStream('addFile', addFileMessages(header, file), context.deadline('transfer'));
  });
}

async function* messages<H>(header: H, visits: ReturnType<typeof syntheticOpsimTable>): AsyncGenerator<{ header?: H; chunk?: typeV1.ArrowIpcChunk }> {
  yield { header };
  for await (const chunk of toIpcChunks(visits)) yield { chunk };
}
