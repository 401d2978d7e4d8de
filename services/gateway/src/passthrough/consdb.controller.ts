import type * as grpc from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { gatewayV1 } from '@visitsarch/contracts';
import { Downstream } from '../support/downstream';
import { mapAsync, streamOf } from '../support/streams';
import { GATEWAY_CONFIG, GatewayConfig } from '../support/tokens';

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/** ConsDB operations belong to the consdb-ingest service; the gateway forwards them (errors, UNIMPLEMENTED included, unchanged). */
@Controller()
export class ConsdbController {
  constructor(
    private readonly downstream: Downstream,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @GrpcMethod('GatewayService', 'GetDefaultConsdbQuery')
  getDefaultConsdbQuery(request: gatewayV1.GetDefaultConsdbQueryRequest, _m: grpc.Metadata, call: Call) {
    return this.downstream.consdbIngest.unary('getDefaultConsdbQuery', request, { parent: call });
  }

  @GrpcMethod('GatewayService', 'QueryConsdb')
  queryConsdb(request: gatewayV1.QueryConsdbRequest, _m: grpc.Metadata, call: Call): Observable<gatewayV1.QueryConsdbResponse> {
    const archiveUrl = request.archiveUrl ?? this.config.VISITSARCH_ARCHIVE_URL;
    const ingested = this.downstream.consdbIngest.serverStream('ingestConsdbVisits', { ...request, archiveUrl, returnVisits: true }, { parent: call });
    return streamOf(() =>
      mapAsync(ingested, (message) => ({
        visitseqUuid: message.visitseqUuid,
        visitseqUrl: message.visitseqUrl,
        mixedVisitseqUuid: message.mixedVisitseqUuid,
        rowCount: message.rowCount,
        chunk: message.chunk,
      })),
    );
  }
}
