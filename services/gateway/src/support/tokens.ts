/** Dependency-injection tokens of the gateway module. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');

export interface GatewayConfig {
  METADATA_SERVICE_ADDRESS: string;
  BLOB_ARCHIVE_SERVICE_ADDRESS: string;
  /** The Flight location GetVisitsFlightEndpoint hands out; '' derives it from BLOB_ARCHIVE_SERVICE_ADDRESS, 'none' offers none. */
  BLOB_ARCHIVE_FLIGHT_LOCATION: string;
  CONSDB_INGEST_SERVICE_ADDRESS: string;
  STATS_SERVICE_ADDRESS: string;
  /** Compute and store nightly statistics of every sequence added with stored visits. */
  COMPUTE_NIGHTLY_STATS_ON_ADD: boolean;
  /** The archive new visits and files go to when a request names none. */
  VISITSARCH_ARCHIVE_URL: string;
  /** The deployment's service credential: the key of the Flight tickets the gateway signs derives from it. */
  SERVICE_CREDENTIAL: string;
  /** How long a signed Flight ticket may be used, in seconds. */
  FLIGHT_TICKET_TTL_S: number;
}
