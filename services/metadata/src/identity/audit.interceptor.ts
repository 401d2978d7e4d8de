import type { Metadata } from '@grpc/grpc-js';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Logger } from '@visitsarch/logging';
import { concatMap, Observable } from 'rxjs';
import { METADATA_LOGGER } from '../common/service-logger';
import { ArchiveDatabase } from '../database/archive-database';
import { AUDITED_WRITES, AuditedObject } from './audited-writes';
import { actorOf } from './caller';

/** The RPC a controller method serves: `addComment` serves AddComment. */
export function rpcNameOf(handler: string): string {
  return handler.charAt(0).toUpperCase() + handler.slice(1);
}

/**
 * Appends one `audit_log` row per successful write (the RPCs of AUDITED_WRITES): the caller's
 * identity as actor (`unknown` without identity headers), the RPC as action, and what it wrote.
 * The row is written once the handler has succeeded, after its transaction committed: a write that
 * failed leaves no row. Should the row itself fail, the write stands (its client is not told it
 * failed, which would invite a repeat) and the entry goes to the log at error level instead.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly database: ArchiveDatabase,
    @Inject(METADATA_LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = rpcNameOf(context.getHandler().name);
    const describe = AUDITED_WRITES[action];
    if (!describe) return next.handle();
    const [request, metadata] = context.getArgs() as [object, Metadata | undefined];
    const actor = actorOf(metadata);
    return next.handle().pipe(
      concatMap(async (response: unknown) => {
        await this.append(actor, action, () => describe(request, response));
        return response;
      }),
    );
  }

  private async append(actor: string, action: string, describe: () => AuditedObject | undefined): Promise<void> {
    let entry: { actor: string; action: string } & Partial<AuditedObject> = { actor, action };
    try {
      const object = describe();
      if (!object) return;
      entry = { ...entry, ...object };
      await this.database.rows('INSERT INTO audit_log (actor, action, visitseq_uuid, detail) VALUES ($1, $2, $3::uuid, $4::jsonb)', [
        actor,
        action,
        entry.visitseqUuid ?? null,
        JSON.stringify(entry.detail ?? {}),
      ]);
    } catch (error) {
      this.logger.error({ err: error, audit: entry }, `the audit row of a successful ${action} could not be written: ${(error as Error).message}`);
    }
  }
}
