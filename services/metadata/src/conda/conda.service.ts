import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { failedPrecondition, invalidArgument, notFound } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { decodePageToken, keysetPage } from '../common/page-token';
import { optionalUuid, pageSize, requireSha256, requireText, requireUuid } from '../common/validation';

interface PackageRow {
  package_name: string | null;
  channel: string | null;
  package_version: string | null;
  base_url: string | null;
  platform: string | null;
  dist_name: string | null;
  build_number: number | null;
  build_string: string | null;
}

function toPackage(row: PackageRow): metadataV1.CondaPackage {
  return {
    packageName: row.package_name ?? '',
    channel: row.channel ?? '',
    packageVersion: row.package_version ?? '',
    baseUrl: row.base_url ?? '',
    platform: row.platform ?? '',
    distName: row.dist_name ?? '',
    buildNumber: row.build_number ?? 0,
    buildString: row.build_string ?? '',
  };
}

/** Conda environments (`conda list --json`), content-addressed by the SHA-256 of their text. */
@Injectable()
export class CondaService {
  constructor(private readonly database: ArchiveDatabase) {}

  async record(request: metadataV1.RecordCondaEnvRequest): Promise<metadataV1.RecordCondaEnvResponse> {
    const text = requireText(request.condaEnvJson, 'conda_env_json');
    const packages = parsePackages(text);
    const hash = createHash('sha256').update(text, 'utf8').digest();
    const uuid = optionalUuid(request.visitseqUuid ?? undefined, 'visitseq_uuid');
    return this.database.transaction(async (tx) => {
      if (uuid) await requireSimulation(tx, uuid, 'visitseq_uuid');
      const inserted = await tx.rows('INSERT INTO condaenv (conda_env_hash, conda_env) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING RETURNING 1', [hash, text]);
      if (uuid) await tx.rows('UPDATE simulations SET conda_env_sha256 = $2 WHERE visitseq_uuid = $1', [uuid, hash]);
      return { condaEnvHash: hash, alreadyRecorded: inserted.length === 0, packageCount: packages.length };
    });
  }

  async get(request: metadataV1.GetCondaEnvRequest): Promise<metadataV1.GetCondaEnvResponse> {
    const hash = requireSha256(request.condaEnvHash, 'conda_env_hash');
    const row = (
      await this.database.rows<{ package_count: number; json: string | null }>(
        `SELECT jsonb_array_length(conda_env) AS package_count, CASE WHEN $2 THEN conda_env::text END AS json FROM condaenv WHERE conda_env_hash = $1`,
        [hash, request.includeJson === true],
      )
    )[0];
    if (!row) throw notFound('CondaEnv', hash.toString('hex'), `no conda environment has the hash ${hash.toString('hex')}`);
    return { condaEnv: { condaEnvHash: hash, packageCount: row.package_count, condaEnvJson: row.json ?? '' } };
  }

  async listPackages(request: metadataV1.ListCondaPackagesRequest): Promise<metadataV1.ListCondaPackagesResponse> {
    const size = pageSize(request.pageSize, 'page_size', 100, 1000);
    const after = decodePageToken(request.pageToken, request);
    return this.database.transaction(async (tx) => {
      let hash: Buffer;
      if (request.condaEnvHash && request.condaEnvHash.length > 0) {
        hash = requireSha256(request.condaEnvHash, 'conda_env_hash');
      } else if (request.visitseqUuid) {
        const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
        await requireSimulation(tx, uuid, 'visitseq_uuid');
        const row = await tx.one<{ conda_env_sha256: Buffer | null }>('SELECT conda_env_sha256 FROM simulations WHERE visitseq_uuid = $1', [uuid]);
        if (!row?.conda_env_sha256) throw failedPrecondition(`simulation ${uuid} has no conda_env_sha256`, 'NO_CONDA_ENV');
        hash = row.conda_env_sha256;
      } else {
        throw invalidArgument('set conda_env_hash or visitseq_uuid', 'selector');
      }
      if (!(await tx.one('SELECT 1 FROM condaenv WHERE conda_env_hash = $1', [hash]))) {
        throw notFound('CondaEnv', hash.toString('hex'), `no conda environment has the hash ${hash.toString('hex')}${request.visitseqUuid ? ' (the simulation names an environment that was never recorded)' : ''}`);
      }
      const names = request.packageNames ?? [];
      const rows = await tx.rows<PackageRow>(
        `SELECT package_name, channel, package_version, base_url, platform, dist_name, build_number, build_string
         FROM conda_packages WHERE conda_env_hash = $1 AND (cardinality($2::text[]) = 0 OR package_name = ANY($2::text[]))
           AND ($3::text IS NULL OR (package_name, coalesce(channel, '')) > ($3::text, $4::text))
         ORDER BY package_name, coalesce(channel, '') LIMIT ${size + 1}`,
        [hash, names, after ? String(after[0]) : null, after ? String(after[1]) : null],
      );
      const { page, nextPageToken } = keysetPage(rows, size, request, (last) => [last.package_name, last.channel ?? '']);
      return { condaEnvHash: hash, packages: page.map(toPackage), nextPageToken };
    });
  }
}

/** `conda list --json` is an array of package objects, each with a name; build_number must be an integer. */
function parsePackages(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`conda_env_json is not JSON: ${(error as Error).message}`, 'conda_env_json');
  }
  if (!Array.isArray(parsed)) throw invalidArgument('conda_env_json is not a JSON array (the output of `conda list --json`)', 'conda_env_json');
  parsed.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof (entry as { name?: unknown }).name !== 'string') {
      throw invalidArgument(`conda_env_json[${index}] is not a package object with a name`, 'conda_env_json');
    }
    const build = (entry as { build_number?: unknown }).build_number;
    if (build !== undefined && build !== null && !Number.isInteger(build)) {
      throw invalidArgument(`conda_env_json[${index}].build_number is not an integer`, 'conda_env_json');
    }
  });
  return parsed;
}

/** NOT_FOUND if no sequence has the UUID, FAILED_PRECONDITION if it is not a simulation. */
async function requireSimulation(tx: Tx, uuid: string, field: string): Promise<void> {
  const row = await tx.one<{ kind: string }>('SELECT kind FROM visitseq_registry WHERE visitseq_uuid = $1 FOR KEY SHARE', [uuid]);
  if (!row) throw notFound('VisitSequence', uuid, `${field}: visit sequence ${uuid} not found`);
  if (row.kind !== 'simulation') throw failedPrecondition(`${field}: visit sequence ${uuid} is a ${row.kind} sequence, not a simulation`, 'NOT_A_SIMULATION');
}
