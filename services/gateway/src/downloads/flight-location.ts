import { ConfigError } from '@visitsarch/config';

/**
 * The Arrow Flight location GetVisitsFlightEndpoint hands out (docs/configuration.md, gateway):
 * BLOB_ARCHIVE_FLIGHT_LOCATION as set (`none`: none), else the blob archive's own address,
 * `grpc://BLOB_ARCHIVE_SERVICE_ADDRESS`. A client calls it with its bearer token, so a gateway that
 * serves TLS must hand out a TLS location: there the variable is required, as a `grpc+tls://`
 * location (the blob archive's TLS listener, TLS_ADDRESS, as clients reach it) or `none`.
 */
export function flightLocationOf(config: { BLOB_ARCHIVE_FLIGHT_LOCATION: string; BLOB_ARCHIVE_SERVICE_ADDRESS: string; TLS_CERT_FILE: string }): string {
  const location = config.BLOB_ARCHIVE_FLIGHT_LOCATION;
  const fallback = `grpc://${config.BLOB_ARCHIVE_SERVICE_ADDRESS.replace(/^dns:\/{0,3}/, '')}`;
  if (config.TLS_CERT_FILE && location !== 'none' && !location.startsWith('grpc+tls://')) {
    throw new ConfigError(
      'BLOB_ARCHIVE_FLIGHT_LOCATION',
      `the gateway serves TLS, so the Flight location it hands out must be TLS too (its clients send their tokens there): set grpc+tls://host:port, the blob archive's TLS_ADDRESS as clients reach it, or none; got ${JSON.stringify(location || `(unset: ${fallback})`)}`,
    );
  }
  return location || fallback;
}
