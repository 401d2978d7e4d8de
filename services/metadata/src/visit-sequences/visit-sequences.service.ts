import type { Metadata } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { isPgError, rethrowConstraint, UNIQUE_VIOLATION } from '../common/database-errors';
import { idempotent, registryRequestIdentity } from '../common/idempotency';
import { sequenceNotFound } from '../common/sequence-hold';
import { decodePageToken, keysetPage } from '../common/page-token';
import {
  isoInstant,
  optionalDayObs,
  optionalSha256,
  optionalUuid,
  pageSize,
  requireDayObs,
  requireSha256,
  requireTelescope,
  requireText,
  requireUuid,
} from '../common/validation';
import { FilesService, VISITS_FILE_COLUMNS, VISITS_FILE_JOIN, VISITS_FILE_TYPE, visitsFileOf, type VisitsFileColumns } from '../files/files.service';
import { coversNights, KindName, KINDS, kindOfProto, SEQUENCE_COLUMNS, sequencesFrom, SequenceRow, toVisitSequence } from './visit-sequence-row';

/** Columns of the parent table a mask may name, with how to read each from a VisitSequence. */
const PARENT_FIELDS: Record<string, { required: boolean; value: (s: metadataV1.VisitSequence) => unknown }> = {
  visitseq_sha256: { required: true, value: (s) => optionalSha256(s.visitseqSha256, 'visit_sequence.visitseq_sha256') },
  visitseq_label: { required: true, value: (s) => s.visitseqLabel || undefined },
  visitseq_url: { required: false, value: (s) => s.visitseqUrl ?? undefined },
  telescope: { required: true, value: (s) => (s.telescope ? requireTelescope(s.telescope, 'visit_sequence.telescope') : undefined) },
  first_day_obs: { required: true, value: (s) => optionalDayObs(s.firstDayObs, 'visit_sequence.first_day_obs') },
  last_day_obs: { required: true, value: (s) => optionalDayObs(s.lastDayObs, 'visit_sequence.last_day_obs') },
  creation_time: { required: true, value: (s) => isoInstant(s.creationTime ?? undefined) },
};

/** Columns of each kind's table, with how to read them from its details message. */
const DETAIL_FIELDS: Record<'simulation' | 'completed' | 'mixed', Record<string, (details: any, field: string) => unknown>> = {
  simulation: {
    scheduler_version: (d) => d?.schedulerVersion ?? undefined,
    config_url: (d) => d?.configUrl ?? undefined,
    sim_runner_args: (d) => (d?.simRunnerArgs == null ? undefined : JSON.stringify(d.simRunnerArgs)),
    conda_env_sha256: (d, field) => optionalSha256(d?.condaEnvSha256 ?? undefined, field),
    parent_visitseq_uuid: (d, field) => optionalUuid(d?.parentVisitseqUuid ?? undefined, field),
    parent_last_day_obs: (d, field) => optionalDayObs(d?.parentLastDayObs ?? undefined, field),
  },
  completed: {
    query: (d) => d?.query ?? undefined,
  },
  mixed: {
    last_early_day_obs: (d, field) => optionalDayObs(d?.lastEarlyDayObs ?? undefined, field),
    first_late_day_obs: (d, field) => optionalDayObs(d?.firstLateDayObs ?? undefined, field),
    early_parent_uuid: (d, field) => optionalUuid(d?.earlyParentUuid ?? undefined, field),
    late_parent_uuid: (d, field) => optionalUuid(d?.lateParentUuid ?? undefined, field),
  },
};

/** Columns that name another sequence, by kind. */
const PARENT_REFERENCES: Record<string, string[]> = { simulation: ['parent_visitseq_uuid'], mixed: ['early_parent_uuid', 'late_parent_uuid'], completed: [] };

const ORDERABLE: Record<string, string> = {
  creation_time: 'v.creation_time',
  visitseq_label: 'v.visitseq_label',
  telescope: 'v.telescope',
  first_day_obs: 'v.first_day_obs',
  last_day_obs: 'v.last_day_obs',
  visitseq_uuid: 'v.visitseq_uuid',
};
const ORDER_CASTS: Record<string, string> = { creation_time: 'timestamptz', first_day_obs: 'date', last_day_obs: 'date', visitseq_uuid: 'uuid' };

@Injectable()
export class VisitSequencesService {
  constructor(
    private readonly database: ArchiveDatabase,
    private readonly files: FilesService,
  ) {}

  async create(request: metadataV1.CreateVisitSequenceRequest, metadata?: Metadata): Promise<metadataV1.CreateVisitSequenceResponse> {
    const sequence = request.visitSequence;
    if (!sequence) throw invalidArgument('visit_sequence is required', 'visit_sequence');
    const detailsSet = (['simulation', 'completed', 'mixed'] as const).filter((name) => sequence[name] != null);
    if (detailsSet.length !== 1) {
      throw invalidArgument(`exactly one of visit_sequence.simulation, .completed and .mixed must be set (got ${detailsSet.length})`, 'visit_sequence.details');
    }
    const kind = detailsSet[0];
    const uuid = optionalUuid(sequence.visitseqUuid, 'visit_sequence.visitseq_uuid');
    const values: Record<string, unknown> = {
      visitseq_sha256: requireSha256(sequence.visitseqSha256, 'visit_sequence.visitseq_sha256'),
      visitseq_label: requireText(sequence.visitseqLabel, 'visit_sequence.visitseq_label'),
      visitseq_url: sequence.visitseqUrl || undefined,
      telescope: requireTelescope(sequence.telescope, 'visit_sequence.telescope'),
      first_day_obs: requireDayObs(sequence.firstDayObs, 'visit_sequence.first_day_obs'),
      last_day_obs: requireDayObs(sequence.lastDayObs, 'visit_sequence.last_day_obs'),
      creation_time: isoInstant(sequence.creationTime ?? undefined),
    };
    if ((values.last_day_obs as string) < (values.first_day_obs as string)) {
      throw invalidArgument('visit_sequence.last_day_obs is earlier than first_day_obs', 'visit_sequence.last_day_obs');
    }
    for (const [column, read] of Object.entries(DETAIL_FIELDS[kind])) values[column] = read(sequence[kind], `visit_sequence.${kind}.${column}`);
    if (kind === 'mixed') {
      for (const column of Object.keys(DETAIL_FIELDS.mixed)) {
        if (values[column] === undefined) throw invalidArgument(`visit_sequence.mixed.${column} is required`, `visit_sequence.mixed.${column}`);
      }
      if ((values.last_early_day_obs as string) >= (values.first_late_day_obs as string)) {
        throw invalidArgument('visit_sequence.mixed.last_early_day_obs must be earlier than first_late_day_obs', 'visit_sequence.mixed.first_late_day_obs');
      }
    }
    const tags = [...new Set(request.tags ?? [])];
    tags.forEach((tag, index) => {
      if (!tag) throw invalidArgument(`tags[${index}] is empty`, `tags[${index}]`);
    });
    const files = this.files.validateNewFiles(request.files ?? [], uuid, values.visitseq_url as string | undefined);

    return idempotent(
      this.database,
      registryRequestIdentity(request, metadata),
      'CreateVisitSequence',
      async (tx) => {
        for (const column of PARENT_REFERENCES[kind]) {
          if (values[column] !== undefined) await this.requireExists(tx, values[column] as string, `visit_sequence.${kind}.${column}`);
        }
        const defined = Object.entries({ visitseq_uuid: uuid, ...values }).filter(([, value]) => value !== undefined);
        let created: { visitseq_uuid: string };
        try {
          created = (await tx.one<{ visitseq_uuid: string }>(
            `INSERT INTO ${KINDS[kind].table} (${defined.map(([column]) => column).join(', ')})
             VALUES (${defined.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING visitseq_uuid`,
            defined.map(([, value]) => value),
          ))!;
        } catch (error) {
          if (isPgError(error, UNIQUE_VIOLATION) && error.constraint === 'visitseq_registry_pkey') {
            throw alreadyExists('VisitSequence', uuid!, `visit sequence ${uuid} already exists`);
          }
          rethrowConstraint(error);
        }
        if (tags.length > 0) await tx.rows('INSERT INTO tags (visitseq_uuid, tag) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [created.visitseq_uuid, tags]);
        const recorded = [];
        for (const file of files) recorded.push(await this.files.insert(tx, { ...file, visitseqUuid: created.visitseq_uuid }));
        const visitSequence = await this.fetch(tx, created.visitseq_uuid);
        return { resource: { visitseqUuid: created.visitseq_uuid, fileTypes: files.map((file) => file.fileType) }, result: { visitSequence, files: recorded } };
      },
      async ({ visitseqUuid, fileTypes }: { visitseqUuid: string; fileTypes: string[] }) => {
        const visitSequence = await this.get(visitseqUuid);
        const current = await this.database.transaction((tx) => this.files.listAll(tx, visitseqUuid));
        return { visitSequence, files: fileTypes.map((type) => current.find((file) => file.fileType === type)).filter((file) => file !== undefined) };
      },
    );
  }

  async get(uuid: string): Promise<metadataV1.VisitSequence> {
    return (await this.getWithVisitsFile(uuid)).visitSequence;
  }

  /**
   * GetVisitSequence: the sequence with this UUID and the record of its stored visits (if any),
   * in one statement outside any transaction (one round trip; a statement sees one snapshot);
   * NOT_FOUND if there is none.
   */
  async getWithVisitsFile(uuid: string): Promise<{ visitSequence: metadataV1.VisitSequence; visitsFile?: metadataV1.VisitSequenceFile }> {
    const [row] = await this.database.rows<SequenceRow & VisitsFileColumns>(
      `SELECT ${SEQUENCE_COLUMNS}, ${VISITS_FILE_COLUMNS} FROM ${sequencesFrom()} ${VISITS_FILE_JOIN} WHERE v.visitseq_uuid = $1`,
      [uuid],
    );
    if (!row) throw sequenceNotFound(uuid);
    return { visitSequence: toVisitSequence(row), visitsFile: visitsFileOf(row.visitseq_uuid, row) };
  }

  /** The sequence with this UUID; NOT_FOUND if there is none. */
  async fetch(tx: Tx, uuid: string): Promise<metadataV1.VisitSequence> {
    const row = await tx.one<SequenceRow>(`SELECT ${SEQUENCE_COLUMNS} FROM ${sequencesFrom()} WHERE v.visitseq_uuid = $1`, [uuid]);
    if (!row) throw sequenceNotFound(uuid);
    return toVisitSequence(row);
  }

  /** NOT_FOUND naming `field` unless a sequence has this UUID; returns its kind. Locks it against deletion. */
  async requireExists(tx: Tx, uuid: string, field = 'visitseq_uuid'): Promise<KindName> {
    const row = await tx.one<{ kind: KindName }>('SELECT kind FROM visitseq_registry WHERE visitseq_uuid = $1 FOR KEY SHARE', [uuid]);
    if (!row) throw notFound('VisitSequence', uuid, `${field}: visit sequence ${uuid} not found`);
    return row.kind;
  }

  async list(request: metadataV1.ListVisitSequencesRequest): Promise<metadataV1.ListVisitSequencesResponse> {
    const { sql, params, order, size } = listStatement(request);
    const rows = await this.database.rows<SequenceRow & Record<string, string>>(sql, params);
    const { page, nextPageToken } = keysetPage(rows, size, request, (last) => order.map((_, index) => last[`key_${index}`]));
    return { visitSequences: page.map(toVisitSequence), nextPageToken };
  }

  async update(request: metadataV1.UpdateVisitSequenceRequest): Promise<metadataV1.UpdateVisitSequenceResponse> {
    const sequence = request.visitSequence;
    if (!sequence) throw invalidArgument('visit_sequence is required', 'visit_sequence');
    const uuid = requireUuid(sequence.visitseqUuid, 'visit_sequence.visitseq_uuid');
    const mask = request.updateMask as unknown;
    const paths: string[] = Array.isArray(mask) ? mask : ((mask as { paths?: string[] } | null)?.paths ?? []);
    if (paths.length === 0) throw invalidArgument('update_mask is empty; name the fields to update', 'update_mask');

    return this.database.transaction(async (tx) => {
      const kind = await this.lockForUpdate(tx, uuid);
      const parentSet: Record<string, unknown> = {};
      const childSet: Record<string, unknown> = {};
      for (const path of paths) {
        const [head, ...rest] = path.split('.');
        if (PARENT_FIELDS[head] && rest.length === 0) {
          const value = PARENT_FIELDS[head].value(sequence);
          if (value === undefined && PARENT_FIELDS[head].required) {
            throw invalidArgument(`update_mask names ${path}, a required field, but visit_sequence.${path} is unset; it cannot be cleared`, `visit_sequence.${path}`);
          }
          parentSet[head] = value ?? null;
          continue;
        }
        if (head === 'simulation' || head === 'completed' || head === 'mixed') {
          if (head !== kind) throw invalidArgument(`update_mask path ${path} names details of a ${head} sequence, but ${uuid} is a ${kind} sequence`, 'update_mask');
          const columns = rest.length === 0 ? Object.keys(DETAIL_FIELDS[head]) : [rest.join('.')];
          for (const column of columns) {
            const read = DETAIL_FIELDS[head][column];
            if (!read) throw invalidArgument(`update_mask names an unknown field: ${path}`, 'update_mask');
            childSet[column] = read(sequence[head], `visit_sequence.${head}.${column}`) ?? null;
          }
          continue;
        }
        if (['visitseq_uuid', 'kind', 'tags'].includes(path)) {
          throw invalidArgument(`update_mask names ${path}, which cannot be updated${path === 'tags' ? ' (use AddTags and RemoveTags)' : ''}`, 'update_mask');
        }
        throw invalidArgument(`update_mask names an unknown field: ${path}`, 'update_mask');
      }
      for (const column of PARENT_REFERENCES[kind] ?? []) {
        if (childSet[column]) await this.requireExists(tx, childSet[column] as string, `visit_sequence.${kind}.${column}`);
      }
      if (kind === 'mixed') {
        for (const column of Object.keys(childSet)) {
          if (childSet[column] === null) throw invalidArgument(`visit_sequence.mixed.${column} is required`, `visit_sequence.mixed.${column}`);
        }
      }
      const assignments = Object.entries({ ...parentSet, ...childSet });
      try {
        await tx.rows(
          `UPDATE ONLY ${KINDS[kind].table} SET ${assignments.map(([column], index) => `${column} = $${index + 2}`).join(', ')} WHERE visitseq_uuid = $1`,
          [uuid, ...assignments.map(([, value]) => value)],
        );
      } catch (error) {
        rethrowConstraint(error);
      }
      // The `visits` file record and visitseq_url describe the same blob: keep them equal.
      if ('visitseq_url' in parentSet) {
        await tx.rows('UPDATE files SET file_url = $2 WHERE visitseq_uuid = $1 AND file_type = $3', [uuid, parentSet.visitseq_url, VISITS_FILE_TYPE]);
      }
      return { visitSequence: await this.fetch(tx, uuid) };
    });
  }

  async delete(request: metadataV1.DeleteVisitSequenceRequest): Promise<metadataV1.DeleteVisitSequenceResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    return this.database.transaction(async (tx) => {
      const found = await tx.one('SELECT 1 FROM visitseq_registry WHERE visitseq_uuid = $1 FOR UPDATE', [uuid]);
      if (!found) {
        if (request.allowMissing) return { blobUrls: [] };
        throw sequenceNotFound(uuid);
      }
      const visitSequence = await this.fetch(tx, uuid);
      const children = await tx.rows<{ visitseq_uuid: string }>(
        `SELECT visitseq_uuid FROM simulations WHERE parent_visitseq_uuid = $1
         UNION SELECT visitseq_uuid FROM mixedvisitseqs WHERE $1 IN (early_parent_uuid, late_parent_uuid)`,
        [uuid],
      );
      if (children.length > 0 && !request.force) {
        throw failedPrecondition(
          `visit sequence ${uuid} is the parent of ${children.map((child) => child.visitseq_uuid).join(', ')}; delete with force to leave them a dangling parent UUID`,
          'VISIT_SEQUENCE_HAS_CHILDREN',
        );
      }
      const urls = await tx.rows<{ url: string }>(
        `SELECT DISTINCT url FROM (SELECT visitseq_url AS url FROM visitseq WHERE visitseq_uuid = $1
                                   UNION ALL SELECT file_url FROM files WHERE visitseq_uuid = $1) u WHERE url IS NOT NULL ORDER BY url`,
        [uuid],
      );
      // Deleting the row fires the registry trigger, whose cascade removes tags, comments, files, statistics and MAF values.
      await tx.rows('DELETE FROM visitseq WHERE visitseq_uuid = $1', [uuid]);
      return { visitSequence, blobUrls: urls.map((row) => row.url) };
    });
  }

  /** Locks the sequence's registry row for the rest of the transaction and returns its kind. */
  private async lockForUpdate(tx: Tx, uuid: string): Promise<KindName> {
    const row = await tx.one<{ kind: KindName }>('SELECT kind FROM visitseq_registry WHERE visitseq_uuid = $1 FOR NO KEY UPDATE', [uuid]);
    if (!row) throw sequenceNotFound(uuid);
    return row.kind;
  }
}

/**
 * The statement ListVisitSequences runs for one page: the filters, the keyset of the page token, the
 * order (which the `_newest` and `_label_order` indexes serve) and one row more than the page, to
 * know whether another follows. Exported for the test of its plan (queries/query-plans.spec.ts).
 */
export function listStatement(request: metadataV1.ListVisitSequencesRequest): { sql: string; params: unknown[]; order: OrderKey[]; size: number } {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [];
  // A kind is a table: its rows are read from it alone (sequencesFrom).
  const kind = request.kind ? kindOfProto(request.kind) : undefined;
  if (request.kind && !kind) throw invalidArgument(`kind ${request.kind} is not a visit sequence kind`, 'kind');
  if (request.telescope) where.push(`v.telescope = ${param(request.telescope)}`);
  // A condition per tag, which the planner estimates from the tag's statistics: a rare tag's few
  // sequences are found through tags_tag, a common tag is checked on the page's candidates. (One
  // condition over the array of tags, which it cannot estimate, once took seconds: issue #19.)
  for (const tag of new Set(request.tagsAll ?? [])) where.push(`EXISTS (SELECT 1 FROM tags t WHERE t.visitseq_uuid = v.visitseq_uuid AND t.tag = ${param(tag)})`);
  const tagsAny = request.tagsAny ?? [];
  if (tagsAny.length > 0) where.push(`EXISTS (SELECT 1 FROM tags t WHERE t.visitseq_uuid = v.visitseq_uuid AND t.tag = ANY(${param(tagsAny)}::text[]))`);
  if (request.labelContains) where.push(`strpos(lower(v.visitseq_label), lower(${param(request.labelContains)})) > 0`);
  const first = optionalDayObs(request.covers?.firstDayObs, 'covers.first_day_obs');
  const last = optionalDayObs(request.covers?.lastDayObs, 'covers.last_day_obs');
  if (first && last && last < first) throw invalidArgument('covers.last_day_obs is earlier than covers.first_day_obs', 'covers.last_day_obs');
  if (first && last) where.push(coversNights(`${param(first)}::date`, `${param(last)}::date`));
  else if (first) where.push(`v.first_day_obs <= ${param(first)}::date`);
  else if (last) where.push(`v.last_day_obs >= ${param(last)}::date`);
  if (request.creationTimeStart) where.push(`v.creation_time >= ${param(isoInstant(request.creationTimeStart))}::timestamptz`);
  if (request.creationTimeEnd) where.push(`v.creation_time < ${param(isoInstant(request.creationTimeEnd))}::timestamptz`);

  const order = parseOrderBy(request.orderBy);
  const after = decodePageToken(request.pageToken, request);
  if (after) {
    if (after.length !== order.length) throw invalidArgument('page_token does not match order_by', 'page_token');
    where.push(keysetCondition(order, after, param));
  }
  const size = pageSize(request.pageSize, 'page_size', 100, 1000);
  const keys = order.map(({ field }, index) => `${ORDERABLE[field]}::text AS key_${index}`).join(', ');
  const sql = `SELECT ${SEQUENCE_COLUMNS}, ${keys} FROM ${sequencesFrom(kind)}
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${order.map(({ field, desc }) => `${ORDERABLE[field]} ${desc ? 'DESC' : 'ASC'}`).join(', ')}
     LIMIT ${size + 1}`;
  return { sql, params, order, size };
}

interface OrderKey {
  field: string;
  desc: boolean;
}

/** AIP-132 order_by over the orderable fields; visitseq_uuid always ends it so the order is total. */
function parseOrderBy(orderBy: string | undefined): OrderKey[] {
  const keys: OrderKey[] = [];
  const text = (orderBy ?? '').trim();
  for (const part of text ? text.split(',') : ['creation_time desc']) {
    const words = part.trim().split(/\s+/);
    const [field, direction] = words;
    if (!ORDERABLE[field] || words.length > 2 || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) {
      throw invalidArgument(`order_by: cannot order by ${JSON.stringify(part.trim())}; use fields of ${Object.keys(ORDERABLE).join(', ')}, each optionally followed by " desc"`, 'order_by');
    }
    if (keys.some((key) => key.field === field)) throw invalidArgument(`order_by names ${field} twice`, 'order_by');
    keys.push({ field, desc: direction?.toLowerCase() === 'desc' });
  }
  if (!keys.some((key) => key.field === 'visitseq_uuid')) keys.push({ field: 'visitseq_uuid', desc: false });
  return keys;
}

/** The rows after `after` in the order: (k1 after a1) OR (k1 = a1 AND k2 after a2) OR … */
function keysetCondition(order: OrderKey[], after: unknown[], param: (value: unknown) => string): string {
  const refs = after.map((value, index) => {
    if (typeof value !== 'string') throw invalidArgument('page_token is not a token this service issued', 'page_token');
    const cast = ORDER_CASTS[order[index].field];
    return `${param(value)}${cast ? `::${cast}` : ''}`;
  });
  const clauses = order.map((key, index) => {
    const equal = order.slice(0, index).map((previous, j) => `${ORDERABLE[previous.field]} = ${refs[j]}`);
    return [...equal, `${ORDERABLE[key.field]} ${key.desc ? '<' : '>'} ${refs[index]}`].join(' AND ');
  });
  // The bound on the first key (implied by the clauses) lets the page start where the index reaches it, not at its start.
  return `${ORDERABLE[order[0].field]} ${order[0].desc ? '<=' : '>='} ${refs[0]} AND (${clauses.map((clause) => `(${clause})`).join(' OR ')})`;
}

