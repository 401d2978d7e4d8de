import { metadataV1, typeV1 } from '@visitsarch/contracts';
import type { Row } from './output';

const KIND_NAMES: Record<number, string> = {
  [typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_SIMULATION]: 'simulation',
  [typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED]: 'completed',
  [typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_MIXED]: 'mixed',
};

export const KINDS: Record<string, typeV1.VisitSequenceKind> = {
  simulation: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_SIMULATION,
  completed: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_COMPLETED,
  mixed: typeV1.VisitSequenceKind.VISIT_SEQUENCE_KIND_MIXED,
};

export const SEQUENCE_COLUMNS = ['visitseq_uuid', 'kind', 'visitseq_label', 'telescope', 'first_day_obs', 'last_day_obs', 'creation_time', 'tags', 'visitseq_url'];

const hex = (bytes?: Uint8Array) => (bytes && bytes.length ? Buffer.from(bytes).toString('hex') : null);

/** A visit sequence as a row with the specification's column names (hashes as hex, times as ISO). */
export function visitSequenceRow(sequence: metadataV1.VisitSequence): Row {
  const row: Row = {
    visitseq_uuid: sequence.visitseqUuid,
    kind: KIND_NAMES[sequence.kind] ?? 'visitseq',
    visitseq_label: sequence.visitseqLabel,
    telescope: sequence.telescope,
    first_day_obs: sequence.firstDayObs,
    last_day_obs: sequence.lastDayObs,
    creation_time: sequence.creationTime?.toISOString() ?? null,
    tags: sequence.tags,
    visitseq_url: sequence.visitseqUrl ?? null,
    visitseq_sha256: hex(sequence.visitseqSha256),
  };
  const simulation = sequence.simulation;
  if (simulation) {
    Object.assign(row, {
      scheduler_version: simulation.schedulerVersion ?? null,
      config_url: simulation.configUrl ?? null,
      sim_runner_args: simulation.simRunnerArgs ?? null,
      conda_env_sha256: hex(simulation.condaEnvSha256),
      parent_visitseq_uuid: simulation.parentVisitseqUuid ?? null,
      parent_last_day_obs: simulation.parentLastDayObs ?? null,
    });
  }
  if (sequence.completed) row.query = sequence.completed.query ?? null;
  const mixed = sequence.mixed;
  if (mixed) {
    Object.assign(row, {
      last_early_day_obs: mixed.lastEarlyDayObs ?? null,
      first_late_day_obs: mixed.firstLateDayObs ?? null,
      early_parent_uuid: mixed.earlyParentUuid ?? null,
      late_parent_uuid: mixed.lateParentUuid ?? null,
    });
  }
  return row;
}
