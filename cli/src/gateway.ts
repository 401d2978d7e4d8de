import * as grpc from '@grpc/grpc-js';
import { CliError } from './cli-error';

/**
 * The longest the archive itself lets a call run before it answers with its own error, in seconds:
 * `short`, the statement timeout of the metadata service's own reads (`query_night`,
 * `prenight_sims`, …; see docs/data-model.md); `query`, the longest statement timeout a `query`
 * without --timeout can get: the deployment's QUERY_DEFAULT_TIMEOUT_S (10 s by default), which
 * the CLI cannot know but which the server keeps at most QUERY_MAX_TIMEOUT_S, itself 300 s by
 * default; `transfer`, the longest of the transfer-like calls' own limits (ConsDB queries:
 * CONSDB_TIMEOUT_MS, at most one hour; statistics: 600 s).
 * A client deadline must outlast these, or the user sees gRPC's deadline instead of the server's
 * message; `withMargin` says by how much.
 */
export const SERVER_LIMIT_S = { short: 60, query: 300, transfer: 3600 };

/** A client deadline that outlasts a server limit of `seconds`: 10 % more, and at least 5 s. */
export function withMargin(seconds: number): number {
  return seconds + Math.max(5, seconds / 10);
}

/** `12 s`, `1.5 s`, `66 s`, `0.001 s`: how long the CLI waited, for messages (never `0 s`). */
export function formatSeconds(seconds: number): string {
  if (seconds > 0 && seconds < 0.1) return `${Number(seconds.toPrecision(1))} s`;
  return `${Number(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
}

/**
 * grpc-js appends its own diagnostics to some statuses: `Deadline exceeded after 60.003s,name
 * resolution: 0.009s,metadata filters: 0.000s,LB pick: 0.008s,remote_addr=127.0.0.1:50051`, and
 * `… Resolution note: ` to failed connections. They mean nothing to a user: drop them, wherever
 * they occur (a service relays its downstream calls' messages unchanged).
 */
export function withoutTransportDetails(message: string): string {
  return message
    .replace(/,(?:(?:name resolution|metadata filters|LB pick|time to current attempt start): [\d.]+s|previous attempts: \d+|waiting for (?:name resolution|metadata filters)|Waiting for LB pick|wait_for_ready|remote_addr=[^,\s]*)/g, '')
    .replace(/\.? Resolution note: *(?=$|\))/g, '')
    .trim();
}

/** A DEADLINE_EXCEEDED raised by grpc-js (ours or a service's outgoing call), not by the server's own logic. */
function isTransportDeadline(details: string): boolean {
  return details === '' || /^Deadline exceeded(?: after [\d.]+s)?$/.test(details);
}

/**
 * What failed in a TLS handshake with the gateway, said for the user, if that is why it could not
 * be reached: a certificate not trusted (no or another CA bundle), or a gateway that does not
 * serve TLS. (A plain client of a TLS gateway just sees the connection close: see describeGrpcError.)
 */
function tlsProblem(message: string): string | undefined {
  const reason = /Last error: (?:Error: )?(.*?)(?:\.? Resolution note:.*)?$/s.exec(message)?.[1]?.trim() ?? message;
  if (/certificate|self[- ]signed|altnames|unable to get local issuer/i.test(reason)) {
    return `${reason} (set VISITSARCH_TLS_CA_FILE to the CA bundle that signed its certificate)`;
  }
  if (/wrong version number|packet length too long|http request/i.test(reason)) {
    return 'it does not serve TLS (check the address, or unset VISITSARCH_TLS_CA_FILE and VISITSARCH_TLS)';
  }
  return undefined;
}

/**
 * Turns a gRPC failure into the one line the user sees: the server's own message, prefixed by
 * what kind of failure it is when that helps. Bad input exits 2 (like usage errors), the rest 1.
 * `waitedSeconds` is the deadline the call had, for a call that gRPC itself cut off.
 */
export function describeGrpcError(error: unknown, gateway: string, waitedSeconds?: number): CliError | undefined {
  const failure = error as Partial<grpc.ServiceError>;
  if (typeof failure.code !== 'number' || !(failure.code in grpc.status)) return undefined;
  const message = withoutTransportDetails(failure.details || failure.message || grpc.status[failure.code]);
  switch (failure.code) {
    case grpc.status.UNAVAILABLE:
      if (message.startsWith('GatewayService is unavailable')) {
        const insecure = tlsProblem(message);
        if (insecure) return new CliError(`cannot connect securely to the gateway at ${gateway}: ${insecure}`);
        if (/Last error: Failed to connect\b/.test(message)) {
          // What a plain client of a TLS server sees: the connection closed during the HTTP/2 handshake.
          return new CliError(`cannot reach the gateway at ${gateway}: it closed the connection (if it serves TLS, set VISITSARCH_TLS_CA_FILE, or VISITSARCH_TLS=1)`);
        }
        return new CliError(`cannot reach the gateway at ${gateway}: is the archive running (npm start)? Set VISITSARCH_GATEWAY to use another address.`);
      }
      return new CliError(`the archive cannot answer right now (retry later): ${message}`);
    case grpc.status.INVALID_ARGUMENT:
      return new CliError(message, 2);
    case grpc.status.NOT_FOUND:
      return new CliError(`not found: ${message}`);
    case grpc.status.ALREADY_EXISTS:
      return new CliError(`already exists: ${message}`);
    case grpc.status.DEADLINE_EXCEEDED:
      if (isTransportDeadline(withoutTransportDetails(failure.details ?? ''))) {
        const within = waitedSeconds === undefined ? 'in time' : `within ${formatSeconds(waitedSeconds)}`;
        return new CliError(`the archive did not answer ${within} (use --timeout to wait longer)`);
      }
      return new CliError(message); // the server's own verdict, e.g. "the query ran longer than its timeout of 10 s and was cancelled"
    case grpc.status.UNIMPLEMENTED:
      return new CliError(`not available yet on this archive: ${message}`);
    case grpc.status.DATA_LOSS:
      return new CliError(`data integrity check failed: ${message}`);
    default:
      return new CliError(`${grpc.status[failure.code].toLowerCase().replaceAll('_', ' ')}: ${message}`);
  }
}
