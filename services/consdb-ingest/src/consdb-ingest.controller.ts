import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { from, Observable } from 'rxjs';
import { consdbIngestV1 } from '@visitsarch/contracts';
import { defaultConsdbQuery } from '@visitsarch/consdb';
import { GrpcError } from '@visitsarch/grpc-server';
import { arrowChunks } from './arrow-chunks';
import { ConsdbVisits } from './consdb-visits';

type StreamCall = grpc.ServerWritableStream<unknown, unknown>;

/** The ConsdbIngestService RPCs: ConsDB's visits, converted. Recording them is the gateway's (its QueryConsdb). */
@Controller()
export class ConsdbIngestController {
  constructor(private readonly consdb: ConsdbVisits) {}

  @GrpcMethod('ConsdbIngestService', 'GetDefaultConsdbQuery')
  getDefaultConsdbQuery(request: consdbIngestV1.GetDefaultConsdbQueryRequest): consdbIngestV1.GetDefaultConsdbQueryResponse {
    return { query: defaultConsdbQuery(this.consdb.requireTelescope(request.telescope)) };
  }

  /** The converted visits; the first message also says what was asked (query, day_obs range) and how many visits follow. */
  @GrpcMethod('ConsdbIngestService', 'QueryConsdb')
  queryConsdb(request: consdbIngestV1.QueryConsdbRequest, _metadata: grpc.Metadata, call: StreamCall): Observable<consdbIngestV1.QueryConsdbResponse> {
    const consdb = this.consdb;
    return from(
      (async function* (): AsyncGenerator<consdbIngestV1.QueryConsdbResponse> {
        const visits = await consdb.query({ ...request, firstDayObs: request.firstDayobs, lastDayObs: request.lastDayobs }, cancellationOf(call));
        let first = true;
        for await (const chunk of arrowChunks(visits.table)) {
          yield first
            ? { chunk, query: visits.query, firstDayObs: visits.firstDayObs ?? '', lastDayObs: visits.lastDayObs, rowCount: visits.table.numRows }
            : { chunk, query: '', firstDayObs: '', lastDayObs: '', rowCount: 0 };
          first = false;
        }
      })(),
    );
  }

  /** Deprecated (see the contract): the gateway's QueryConsdb ingests, so this service never calls back into the archive. */
  @GrpcMethod('ConsdbIngestService', 'IngestConsdbVisits')
  ingestConsdbVisits(): never {
    throw new GrpcError(status.UNIMPLEMENTED, "IngestConsdbVisits is deprecated: ingest with the gateway's QueryConsdb", { reason: 'USE_GATEWAY_QUERY_CONSDB' });
  }
}

/** Aborts ConsDB work when the caller cancels or its deadline passes. */
function cancellationOf(call: StreamCall): AbortSignal {
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort());
  return controller.signal;
}
