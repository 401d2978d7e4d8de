import type * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { from, Observable } from 'rxjs';
import { consdbIngestV1 } from '@visitsarch/contracts';
import { defaultConsdbQuery } from '@visitsarch/consdb';
import { arrowChunks } from './arrow-chunks';
import { ConsdbVisits } from './consdb-visits';
import { GATEWAY_CLIENT, GatewayClient, ingestConsdbVisits } from './ingest';

type StreamCall = grpc.ServerWritableStream<unknown, unknown>;

/** The ConsdbIngestService RPCs. */
@Controller()
export class ConsdbIngestController {
  constructor(
    private readonly consdb: ConsdbVisits,
    @Inject(GATEWAY_CLIENT) private readonly gateway: GatewayClient,
  ) {}

  @GrpcMethod('ConsdbIngestService', 'GetDefaultConsdbQuery')
  getDefaultConsdbQuery(request: consdbIngestV1.GetDefaultConsdbQueryRequest): consdbIngestV1.GetDefaultConsdbQueryResponse {
    return { query: defaultConsdbQuery(this.consdb.requireTelescope(request.telescope)) };
  }

  @GrpcMethod('ConsdbIngestService', 'QueryConsdb')
  queryConsdb(request: consdbIngestV1.QueryConsdbRequest, _metadata: grpc.Metadata, call: StreamCall): Observable<consdbIngestV1.QueryConsdbResponse> {
    const consdb = this.consdb;
    return from(
      (async function* () {
        const visits = await consdb.query({ ...request, firstDayObs: request.firstDayobs, lastDayObs: request.lastDayobs }, cancellationOf(call));
        for await (const chunk of arrowChunks(visits.table)) yield { chunk };
      })(),
    );
  }

  @GrpcMethod('ConsdbIngestService', 'IngestConsdbVisits')
  ingestConsdbVisits(request: consdbIngestV1.IngestConsdbVisitsRequest, _metadata: grpc.Metadata, call: StreamCall): Observable<consdbIngestV1.IngestConsdbVisitsResponse> {
    const { consdb, gateway } = this;
    return from(
      (async function* () {
        const { first, chunks } = await ingestConsdbVisits(consdb, gateway, request, call, cancellationOf(call));
        yield first;
        if (request.returnVisits) for await (const chunk of chunks) yield { visitseqUuid: '', visitseqSha256: new Uint8Array(), rowCount: 0, firstDayObs: '', lastDayObs: '', chunk };
      })(),
    );
  }
}

/** Aborts ConsDB work when the caller cancels or its deadline passes. */
function cancellationOf(call: StreamCall): AbortSignal {
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort());
  return controller.signal;
}
