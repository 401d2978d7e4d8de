import { CONTRACTS, type gatewayV1, type metadataV1, type statsV1 } from '@visitsarch/contracts';
import { ServiceClient } from './service-client';
import type { ClientCredentials } from './client-credentials';

/**
 * The public services of the archive, all at the gateway's address: GatewayService, and MetadataService,
 * StatsService and TokenService, which the gateway forwards. Each names itself "GatewayService" when it cannot
 * connect, so an unreachable gateway reads the same whichever service was called. What the CLI and
 * the cross-service tests use; `credentials` (a bearer token, TLS; clientCredentialsFromEnv) go to each.
 */
export class GatewayClients {
  readonly gateway: ServiceClient<gatewayV1.GatewayServiceClient>;
  readonly metadata: ServiceClient<metadataV1.MetadataServiceClient>;
  readonly stats: ServiceClient<statsV1.StatsServiceClient>;
  readonly tokens: ServiceClient<metadataV1.TokenServiceClient>;

  constructor(address: string, credentials: ClientCredentials = {}) {
    this.gateway = new ServiceClient(CONTRACTS.gateway, address, credentials);
    this.metadata = new ServiceClient(CONTRACTS.metadataService, address, { ...credentials, unreachableName: 'GatewayService' });
    this.stats = new ServiceClient(CONTRACTS.stats, address, { ...credentials, unreachableName: 'GatewayService' });
    this.tokens = new ServiceClient(CONTRACTS.tokens, address, { ...credentials, unreachableName: 'GatewayService' });
  }

  close(): void {
    for (const client of [this.gateway, this.metadata, this.stats, this.tokens]) client.close();
  }
}
