import { CONTRACTS, type gatewayV1, type metadataV1, type statsV1 } from '@visitsarch/contracts';
import { ServiceClient } from './service-client';

/**
 * The public services of the archive, all at the gateway's address: GatewayService, and MetadataService
 * and StatsService, which the gateway forwards. Each names itself "GatewayService" when it cannot
 * connect, so an unreachable gateway reads the same whichever service was called. What the CLI and
 * the cross-service tests use.
 */
export class GatewayClients {
  readonly gateway: ServiceClient<gatewayV1.GatewayServiceClient>;
  readonly metadata: ServiceClient<metadataV1.MetadataServiceClient>;
  readonly stats: ServiceClient<statsV1.StatsServiceClient>;

  constructor(address: string) {
    this.gateway = new ServiceClient(CONTRACTS.gateway, address);
    this.metadata = new ServiceClient(CONTRACTS.metadataService, address, { unreachableName: 'GatewayService' });
    this.stats = new ServiceClient(CONTRACTS.stats, address, { unreachableName: 'GatewayService' });
  }

  close(): void {
    for (const client of [this.gateway, this.metadata, this.stats]) client.close();
  }
}
