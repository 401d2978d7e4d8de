import type { Metadata } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { registryRequestIdentity } from '../common/idempotency';
import { decodePageToken, keysetPage } from '../common/page-token';
import { idempotentOnSequence, onSequence, SequenceHold } from '../common/sequence-hold';
import { pageSize, requireSha256, requireText, requireUuid } from '../common/validation';

/** The file type reserved for a sequence's own visit table; its URL is always the sequence's visitseq_url. */
export const VISITS_FILE_TYPE = 'visits';

interface FileRow {
  visitseq_uuid: string;
  file_type: string;
  file_sha256: Buffer;
  file_size: number | null;
  file_url: string | null;
  create_time: Date;
}

const FILE_COLUMNS = 'visitseq_uuid, file_type, file_sha256, file_size, file_url, create_time';

/** The record of a sequence's file of a type, if it has one. */
async function fileRow(tx: Tx, uuid: string, fileType: string): Promise<FileRow | undefined> {
  return tx.one<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE visitseq_uuid = $1 AND file_type = $2`, [uuid, fileType]);
}

/**
 * The `visits` file record of the sequence aliased `v`, joined as `vf`, its columns prefixed
 * `visits_file_`: GetVisitSequence reads a sequence and the record of its stored visits in one
 * statement, which saves whoever reads the visits next a GetFile call.
 */
export const VISITS_FILE_JOIN = `LEFT JOIN files vf ON vf.visitseq_uuid = v.visitseq_uuid AND vf.file_type = '${VISITS_FILE_TYPE}'`;
export const VISITS_FILE_COLUMNS = 'vf.file_sha256 AS visits_file_sha256, vf.file_size AS visits_file_size, vf.file_url AS visits_file_url, vf.create_time AS visits_file_create_time';

/** The columns VISITS_FILE_COLUMNS names (all null when the sequence has no `visits` file). */
export interface VisitsFileColumns {
  visits_file_sha256: Buffer | null;
  visits_file_size: number | null;
  visits_file_url: string | null;
  visits_file_create_time: Date | null;
}

/** The `visits` file record in a row read with VISITS_FILE_COLUMNS, if the sequence has one. */
export function visitsFileOf(visitseqUuid: string, row: VisitsFileColumns): metadataV1.VisitSequenceFile | undefined {
  if (!row.visits_file_sha256 || !row.visits_file_create_time) return undefined;
  return toFile({
    visitseq_uuid: visitseqUuid,
    file_type: VISITS_FILE_TYPE,
    file_sha256: row.visits_file_sha256,
    file_size: row.visits_file_size,
    file_url: row.visits_file_url,
    create_time: row.visits_file_create_time,
  });
}

function toFile(row: FileRow): metadataV1.VisitSequenceFile {
  return {
    visitseqUuid: row.visitseq_uuid,
    fileType: row.file_type,
    fileSha256: row.file_sha256,
    fileSize: row.file_size ?? 0,
    fileUrl: row.file_url ?? undefined,
    createTime: row.create_time,
  };
}

/** A validated file record to write. */
export interface NewFile {
  visitseqUuid: string;
  fileType: string;
  fileSha256: Buffer;
  fileSize: number;
  fileUrl: string | undefined;
}

@Injectable()
export class FilesService {
  constructor(private readonly database: ArchiveDatabase) {}

  /** Validates the files of a CreateVisitSequence request against the new sequence's UUID and URL. */
  validateNewFiles(files: metadataV1.VisitSequenceFile[], uuid: string | undefined, visitseqUrl: string | undefined): NewFile[] {
    const seen = new Set<string>();
    const validated = files.map((file, index) => {
      const field = `files[${index}]`;
      if (file.visitseqUuid && file.visitseqUuid.toLowerCase() !== uuid) {
        throw invalidArgument(`${field}.visitseq_uuid differs from the new sequence's visitseq_uuid`, `${field}.visitseq_uuid`);
      }
      const checked = this.validate(file, field, '');
      if (seen.has(checked.fileType)) throw invalidArgument(`${field}.file_type ${checked.fileType} is listed twice`, `${field}.file_type`);
      seen.add(checked.fileType);
      return checked;
    });
    const visits = validated.find((file) => file.fileType === VISITS_FILE_TYPE);
    if (visitseqUrl !== undefined && visits?.fileUrl !== visitseqUrl) {
      throw invalidArgument('visit_sequence.visitseq_url is set, so files must hold a `visits` entry with the same file_url', 'files');
    }
    if (visits && visits.fileUrl !== visitseqUrl) {
      throw invalidArgument('the `visits` entry of files must have file_url equal to visit_sequence.visitseq_url', 'files');
    }
    return validated;
  }

  private validate(file: metadataV1.VisitSequenceFile, field: string, uuid: string): NewFile {
    const size = Number(file.fileSize ?? 0);
    if (!Number.isInteger(size) || size < 0) throw invalidArgument(`${field}.file_size must not be negative`, `${field}.file_size`);
    return {
      visitseqUuid: uuid,
      fileType: requireText(file.fileType, `${field}.file_type`),
      fileSha256: requireSha256(file.fileSha256, `${field}.file_sha256`),
      fileSize: size,
      fileUrl: file.fileUrl || undefined,
    };
  }

  /** Writes a new record (the caller holds the sequence); registering `visits` also sets visitseq_url. */
  async insert(tx: Tx, file: NewFile): Promise<metadataV1.VisitSequenceFile> {
    const row = await tx.one<FileRow>(
      `INSERT INTO files (visitseq_uuid, file_type, file_sha256, file_size, file_url) VALUES ($1, $2, $3, $4, $5) RETURNING ${FILE_COLUMNS}`,
      [file.visitseqUuid, file.fileType, file.fileSha256, file.fileSize, file.fileUrl ?? null],
    );
    if (file.fileType === VISITS_FILE_TYPE) await this.setVisitseqUrl(tx, file.visitseqUuid, file.fileUrl ?? null);
    return toFile(row!);
  }

  async register(request: metadataV1.RegisterFileRequest, metadata?: Metadata): Promise<metadataV1.RegisterFileResponse> {
    if (!request.file) throw invalidArgument('file is required', 'file');
    const uuid = requireUuid(request.file.visitseqUuid, 'file.visitseq_uuid');
    const file = this.validate(request.file, 'file', uuid);
    const adoptedHash = request.visitseqSha256 === undefined ? undefined : requireSha256(request.visitseqSha256, 'visitseq_sha256');
    if (adoptedHash && file.fileType !== VISITS_FILE_TYPE) throw invalidArgument('visitseq_sha256 may be set only when registering the `visits` file', 'visitseq_sha256');
    return idempotentOnSequence<{ visitseqUuid: string; fileType: string }, metadataV1.RegisterFileResponse>(
      this.database,
      registryRequestIdentity(request, metadata),
      'RegisterFile',
      uuid,
      'write',
      async (tx) => {
        const existing = await fileRow(tx, uuid, file.fileType);
        const resource = { visitseqUuid: uuid, fileType: file.fileType };
        if (adoptedHash && file.fileUrl) await this.requireUnshared(tx, uuid, file.fileUrl);
        // Adopting visits: the sequence's hash becomes theirs, in this transaction.
        const previousVisitseqSha256 = adoptedHash ? await this.setVisitseqSha256(tx, uuid, adoptedHash) : Buffer.alloc(0);
        if (!existing) return { resource, result: { file: await this.insert(tx, file), previousVisitseqSha256 } };
        const same = existing.file_sha256.equals(file.fileSha256) && (existing.file_size ?? 0) === file.fileSize && existing.file_url === (file.fileUrl ?? null);
        if (same) return { resource, result: { file: toFile(existing), previousVisitseqSha256 } };
        if (!request.replace) {
          throw alreadyExists(
            'VisitSequenceFile',
            `${uuid}/${file.fileType}`,
            `visit sequence ${uuid} already has a different ${file.fileType} file (at ${existing.file_url ?? 'no URL'}); register with replace to replace it`,
          );
        }
        const row = await tx.one<FileRow>(
          `UPDATE files SET file_sha256 = $3, file_size = $4, file_url = $5, create_time = now()
           WHERE visitseq_uuid = $1 AND file_type = $2 RETURNING ${FILE_COLUMNS}`,
          [uuid, file.fileType, file.fileSha256, file.fileSize, file.fileUrl ?? null],
        );
        if (file.fileType === VISITS_FILE_TYPE) await this.setVisitseqUrl(tx, uuid, file.fileUrl ?? null);
        return { resource, result: { file: toFile(row!), replacedFile: toFile(existing), previousVisitseqSha256 } };
      },
      async ({ visitseqUuid, fileType }) => ({ file: (await this.get({ visitseqUuid, fileType })).file, previousVisitseqSha256: Buffer.alloc(0) }),
    );
  }

  async get(request: metadataV1.GetFileRequest): Promise<metadataV1.GetFileResponse> {
    return this.onFile(request, 'read', async (_tx, row) => ({ file: toFile(row) }));
  }

  async list(request: metadataV1.ListFilesRequest): Promise<metadataV1.ListFilesResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const size = pageSize(request.pageSize, 'page_size', 100, 1000);
    const after = decodePageToken(request.pageToken, request);
    return onSequence(this.database, uuid, 'read', async (tx) => {
      const rows = await tx.rows<FileRow>(
        `SELECT ${FILE_COLUMNS} FROM files WHERE visitseq_uuid = $1 AND ($2::text IS NULL OR file_type > $2) ORDER BY file_type LIMIT ${size + 1}`,
        [uuid, after ? String(after[0]) : null],
      );
      const { page, nextPageToken } = keysetPage(rows, size, request, (last) => [last.file_type]);
      return { files: page.map(toFile), nextPageToken };
    });
  }

  /** Every file record of a sequence, by file_type. */
  async listAll(tx: Tx, uuid: string): Promise<metadataV1.VisitSequenceFile[]> {
    return (await tx.rows<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE visitseq_uuid = $1 ORDER BY file_type`, [uuid])).map(toFile);
  }

  async delete(request: metadataV1.DeleteFileRequest): Promise<metadataV1.DeleteFileResponse> {
    return this.onFile(request, 'write', async (tx, row) => {
      const { visitseq_uuid: uuid, file_type: fileType } = row;
      if (request.keepRecord) await tx.rows('UPDATE files SET file_url = NULL WHERE visitseq_uuid = $1 AND file_type = $2', [uuid, fileType]);
      else await tx.rows('DELETE FROM files WHERE visitseq_uuid = $1 AND file_type = $2', [uuid, fileType]);
      if (fileType === VISITS_FILE_TYPE) await this.setVisitseqUrl(tx, uuid, null);
      return { file: toFile(row) };
    });
  }

  /**
   * Runs `work` on the file record a request names (visitseq_uuid and file_type), in a transaction
   * holding its sequence: NOT_FOUND if the sequence does not exist or has no file of the type.
   */
  private onFile<T>(request: { visitseqUuid: string; fileType: string }, hold: SequenceHold, work: (tx: Tx, row: FileRow) => Promise<T>): Promise<T> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const fileType = requireText(request.fileType, 'file_type');
    return onSequence(this.database, uuid, hold, async (tx) => {
      const row = await fileRow(tx, uuid, fileType);
      if (!row) throw notFound('VisitSequenceFile', `${uuid}/${fileType}`, `visit sequence ${uuid} has no ${fileType} file`);
      return work(tx, row);
    });
  }

  /**
   * Adopting visits where they already are (AdoptStoredVisits): FAILED_PRECONDITION when another
   * sequence's record names the object too, since the archive deletes a sequence's visits object
   * with its visits. Adoptions of one URL are serialised (a transaction-scoped advisory lock), so
   * two cannot both pass.
   */
  private async requireUnshared(tx: Tx, uuid: string, url: string): Promise<void> {
    await tx.rows('SELECT pg_advisory_xact_lock(hashtext($1))', [url]);
    const other = await tx.one<{ visitseq_uuid: string }>(
      `SELECT visitseq_uuid FROM files WHERE file_url = $1 AND visitseq_uuid <> $2
       UNION ALL SELECT visitseq_uuid FROM visitseq WHERE visitseq_url = $1 AND visitseq_uuid <> $2 LIMIT 1`,
      [url, uuid],
    );
    if (other) throw failedPrecondition(`${url} is also the object of visit sequence ${other.visitseq_uuid}: an object the archive keeps belongs to one sequence`, 'OBJECT_ALREADY_RECORDED');
  }

  /** Sets a sequence's visitseq_sha256; returns the hash it replaced, or an empty buffer if it was the same. */
  private async setVisitseqSha256(tx: Tx, uuid: string, sha256: Buffer): Promise<Buffer> {
    const before = await tx.one<{ visitseq_sha256: Buffer }>('SELECT visitseq_sha256 FROM visitseq WHERE visitseq_uuid = $1 FOR UPDATE', [uuid]);
    if (!before || before.visitseq_sha256.equals(sha256)) return Buffer.alloc(0);
    await tx.rows('UPDATE visitseq SET visitseq_sha256 = $2 WHERE visitseq_uuid = $1', [uuid, sha256]);
    return before.visitseq_sha256;
  }

  private async setVisitseqUrl(tx: Tx, uuid: string, url: string | null): Promise<void> {
    await tx.rows('UPDATE visitseq SET visitseq_url = $2 WHERE visitseq_uuid = $1', [uuid, url]);
  }
}
