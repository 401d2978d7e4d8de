import { Injectable } from '@nestjs/common';
import { metadataV1 } from '@visitsarch/contracts';
import { invalidArgument, notFound } from '@visitsarch/grpc-server';
import { ArchiveDatabase, Tx } from '../database/archive-database';
import { requestIdentity } from '../common/idempotency';
import { decodePageToken, keysetPage } from '../common/page-token';
import { idempotentOnSequence, onSequence, sequenceNotFound } from '../common/sequence-hold';
import { pageSize, requireText, requireUuid } from '../common/validation';

interface CommentRow {
  comment_id: number;
  visitseq_uuid: string;
  comment_time: Date;
  comment_time_key: string;
  author: string | null;
  comment: string;
}

const COMMENT_COLUMNS = 'comment_id, visitseq_uuid, comment_time, comment_time::text AS comment_time_key, author, comment';

function toComment(row: CommentRow): metadataV1.Comment {
  return { visitseqUuid: row.visitseq_uuid, commentTime: row.comment_time, author: row.author ?? undefined, comment: row.comment };
}

function requireTags(tags: string[] | undefined): string[] {
  if (!tags || tags.length === 0) throw invalidArgument('tags is empty', 'tags');
  tags.forEach((tag, index) => {
    if (!tag) throw invalidArgument(`tags[${index}] is empty`, `tags[${index}]`);
  });
  return [...new Set(tags)];
}

/** Tags and comments: the free annotations of a visit sequence. */
@Injectable()
export class AnnotationsService {
  constructor(private readonly database: ArchiveDatabase) {}

  async addTags(request: metadataV1.AddTagsRequest): Promise<metadataV1.AddTagsResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const tags = requireTags(request.tags);
    // Two statements outside a transaction, not five in one (the daily job tags every simulation it
    // adds). The first holds the sequence (FOR KEY SHARE, as onSequence would) while the tags go in:
    // the primary key (visitseq_uuid, tag) makes concurrent taggers converge on one row per tag, and
    // the sorted order makes two of them wait for each other's rows in the same order, never in a
    // cycle. The second reads the tags with a snapshot of its own, taken after the insert: the
    // sequence's tags as they are after this call, including what concurrent calls did before it.
    const [held] = await this.database.rows<{ found: boolean }>(
      `WITH sequence AS (SELECT visitseq_uuid FROM visitseq_registry WHERE visitseq_uuid = $1 FOR KEY SHARE),
            added AS (INSERT INTO tags (visitseq_uuid, tag) SELECT s.visitseq_uuid, t.tag FROM sequence s CROSS JOIN unnest($2::text[]) AS t(tag) ON CONFLICT DO NOTHING)
       SELECT EXISTS (SELECT 1 FROM sequence) AS found`,
      [uuid, [...tags].sort()],
    );
    if (!held.found) throw sequenceNotFound(uuid);
    return { tags: await this.tagsOf(this.database, uuid) };
  }

  async removeTags(request: metadataV1.RemoveTagsRequest): Promise<metadataV1.RemoveTagsResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const tags = requireTags(request.tags);
    return onSequence(this.database, uuid, 'write', async (tx) => {
      const removed = await tx.rows<{ tag: string }>('DELETE FROM tags WHERE visitseq_uuid = $1 AND tag = ANY($2::text[]) RETURNING tag', [uuid, tags]);
      const missing = tags.filter((tag) => !removed.some((row) => row.tag === tag));
      if (missing.length > 0 && !request.allowMissing) {
        // Throwing rolls the deletions back: all or nothing.
        throw notFound('Tag', `${uuid}/${missing[0]}`, `visit sequence ${uuid} is not tagged with ${missing.map((tag) => JSON.stringify(tag)).join(', ')}`);
      }
      return { tags: await this.tagsOf(tx, uuid) };
    });
  }

  async checkTag(request: metadataV1.CheckTagRequest): Promise<metadataV1.CheckTagResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const tag = requireText(request.tag, 'tag');
    return onSequence(this.database, uuid, 'read', async (tx) => ({ tagged: (await tx.one('SELECT 1 FROM tags WHERE visitseq_uuid = $1 AND tag = $2', [uuid, tag])) !== undefined }));
  }

  async addComment(request: metadataV1.AddCommentRequest): Promise<metadataV1.AddCommentResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const text = requireText(request.comment, 'comment');
    return idempotentOnSequence(
      this.database,
      requestIdentity(request),
      'AddComment',
      uuid,
      'read',
      async (tx) => {
        // comment_time is the server's clock (clock_timestamp(), a timestamptz): never the client's, never local time.
        const row = await tx.one<CommentRow>(`INSERT INTO comments (visitseq_uuid, author, comment) VALUES ($1, $2, $3) RETURNING ${COMMENT_COLUMNS}`, [
          uuid,
          request.author ?? null,
          text,
        ]);
        return { resource: { commentId: row!.comment_id }, result: { comment: toComment(row!) } };
      },
      async ({ commentId }: { commentId: number }) => {
        const row = (await this.database.rows<CommentRow>(`SELECT ${COMMENT_COLUMNS} FROM comments WHERE comment_id = $1`, [commentId]))[0];
        if (!row) throw notFound('Comment', String(commentId), `the comment added by this request_id no longer exists (its sequence was deleted)`);
        return { comment: toComment(row) };
      },
    );
  }

  async listComments(request: metadataV1.ListCommentsRequest): Promise<metadataV1.ListCommentsResponse> {
    const uuid = requireUuid(request.visitseqUuid, 'visitseq_uuid');
    const size = pageSize(request.pageSize, 'page_size', 100, 1000);
    const after = decodePageToken(request.pageToken, request);
    if (after && (after.length !== 2 || typeof after[0] !== 'string' || typeof after[1] !== 'number')) {
      throw invalidArgument('page_token is not a token this service issued', 'page_token');
    }
    return onSequence(this.database, uuid, 'read', async (tx) => {
      const rows = await tx.rows<CommentRow>(
        `SELECT ${COMMENT_COLUMNS} FROM comments WHERE visitseq_uuid = $1
           AND ($2::timestamptz IS NULL OR (comment_time, comment_id) > ($2::timestamptz, $3::bigint))
         ORDER BY comment_time, comment_id LIMIT ${size + 1}`,
        [uuid, after?.[0] ?? null, after?.[1] ?? null],
      );
      const { page, nextPageToken } = keysetPage(rows, size, request, (last) => [last.comment_time_key, last.comment_id]);
      return { comments: page.map(toComment), nextPageToken };
    });
  }

  /** The sequence's tags, sorted: in a transaction, or (the database itself) in a statement of their own. */
  private async tagsOf(tx: Pick<Tx, 'rows'>, uuid: string): Promise<string[]> {
    return (await tx.rows<{ tag: string }>('SELECT tag FROM tags WHERE visitseq_uuid = $1 ORDER BY tag', [uuid])).map((row) => row.tag);
  }
}
