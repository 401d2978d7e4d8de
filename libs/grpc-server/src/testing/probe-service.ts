import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { CONTRACTS, PROTO_LOADER_OPTIONS, PROTO_ROOT } from '@visitsarch/contracts';
import { notFound } from '../errors';

/*
 * For this library's tests: the smallest service behind startGrpcService. Its MetadataService
 * answers GetVisitSequence with NOT_FOUND (the call reached the service); every other RPC is
 * UNIMPLEMENTED.
 */

@Controller()
class ProbeController {
  @GrpcMethod('MetadataService', 'GetVisitSequence')
  getVisitSequence(request: { visitseqUuid: string }): never {
    throw notFound('VisitSequence', request.visitseqUuid);
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}

/** A raw MetadataService client of `address` (plain gRPC unless `credentials` say otherwise). */
export function metadataClient(address: string, credentials = grpc.credentials.createInsecure()): grpc.Client & Record<string, Function> {
  const definition = protoLoader.loadSync(CONTRACTS.metadata.protoFiles, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  return new loaded.visitsarch.metadata.v1.MetadataService(address, credentials) as grpc.Client & Record<string, Function>;
}
