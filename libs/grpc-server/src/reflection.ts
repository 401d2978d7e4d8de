import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { fileDescriptorsOfServices } from '@visitsarch/contracts';

/** The health service every server has (grpc-health-check). */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

/**
 * gRPC server reflection (v1 and v1alpha) listing `services` and the health service, describing
 * them (and only them: their files and imports) with the descriptors buf compiled (@visitsarch/contracts' DESCRIPTOR_SET_FILES). The
 * package definitions proto-loader makes would do for `grpcurl list` only: their descriptors are
 * protobufjs's rebuilds (camelCased field names, type names grpcurl cannot resolve, map entries
 * misnamed), and `grpcurl describe`, or any call through reflection, fails on them.
 */
export function serverReflection(services: readonly string[]): ReflectionService {
  const listed = [...services, HEALTH_SERVICE];
  // @grpc/reflection reads only `fileDescriptorProtos` of each entry of a package definition. Only
  // the files of the services served (and their imports): no other service can be described here.
  const definition = { compiled: { fileDescriptorProtos: fileDescriptorsOfServices(listed) } } as unknown as PackageDefinition;
  return new ReflectionService(definition, { services: listed });
}
