import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/**
 * The HTTP/2 receive window a visitsarch service grants each connection and each stream.
 *
 * Node's default (64 KiB) lets a client send one ~1 MiB Arrow chunk in sixteen round trips of
 * WINDOW_UPDATEs: uploads through grpc-js measured ~550 MB/s on loopback with it and ~1 GB/s
 * with 16 MiB (docs/decisions/0011-streaming-throughput.md). Memory stays bounded: a
 * connection buffers at most this much of what a handler has not read yet.
 */
export const RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * Widens the receive windows of every connection a grpc-js server accepts from now on.
 * grpc-js (1.14) has no server option for it, so this reaches for the HTTP/2 servers it keeps;
 * returns how many it found (0: the grpc-js internals changed, nothing was widened).
 */
export function widenReceiveWindows(server: grpc.Server, bytes = RECEIVE_WINDOW_BYTES): number {
  const servers = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map)) return 0;
  for (const http2Server of servers.keys()) {
    // Per stream: in the SETTINGS every new connection starts with; per connection: a WINDOW_UPDATE.
    http2Server.updateSettings({ initialWindowSize: bytes });
    http2Server.on('session', (session: http2.ServerHttp2Session) => session.setLocalWindowSize(bytes));
  }
  return servers.size;
}
