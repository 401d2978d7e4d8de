/**
 * NestJS's gRPC method decorators, loaded on first use. The generated contracts import them for
 * the services' controllers (`…ControllerMethods`, tools/generate.sh points the import here);
 * every other user of the contracts, the CLI first, would otherwise load NestJS at start-up
 * (~140 ms of every `visitsarch` command).
 */
import type * as NestMicroservices from '@nestjs/microservices';

function nestMicroservices(): typeof NestMicroservices {
  return require('@nestjs/microservices') as typeof NestMicroservices;
}

export function GrpcMethod(service: string, method?: string): MethodDecorator {
  return nestMicroservices().GrpcMethod(service, method);
}

export function GrpcStreamMethod(service: string, method?: string): MethodDecorator {
  return nestMicroservices().GrpcStreamMethod(service, method);
}
