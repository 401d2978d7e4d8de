import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { PEER_HEADER } from '@visitsarch/auth';

/**
 * The admin token of each stack the tests started, by gateway address: what `npm start` writes to
 * `<home>/token` (decision 0020), so that `cli(args, gateway)` and the clients of a test present
 * the token of the stack they call, as a user of that stack would (the CLI finds it by itself in
 * `$VISITSARCH_HOME/token`; tests give it explicitly, every stack having its own home).
 */
const tokens = new Map<string, string>();

/** Reads the token a stack wrote to `tokenFile` (its `<home>/token`) and remembers it for its gateway; undefined if it wrote none. */
export function rememberStackToken(gateway: string, tokenFile: string): string | undefined {
  const file = tokenFile;
  if (!fs.existsSync(file)) return undefined;
  const token = fs.readFileSync(file, 'utf8').trim();
  tokens.set(gateway, token);
  return token;
}

/** The token of the stack whose gateway is `gateway`, if a test started it. */
export function stackToken(gateway: string): string | undefined {
  return tokens.get(gateway);
}

/**
 * The environment a client of `gateway` runs with (a CLI, a bash script, Python): its address, plain
 * gRPC whatever the developer's shell says (the stacks of the tests serve no TLS unless a test
 * says so), and, if known, its stack's token.
 */
export function clientEnv(gateway: string): NodeJS.ProcessEnv {
  const token = tokens.get(gateway);
  return { VISITSARCH_GATEWAY: gateway, VISITSARCH_TLS_CA_FILE: '', VISITSARCH_TLS: '', ...(token ? { VISITSARCH_TOKEN: token } : {}) };
}

/**
 * The service credential of a stack (`<home>/service-credential`, which the stack made): what a
 * test calling an internal service directly presents, as the archive's own services do. With
 * ServiceClients, `setPeerCredential` makes every one of the process present it.
 */
export function stackServiceCredential(stack: { serviceCredentialFile?: string }): string | undefined {
  return stack.serviceCredentialFile && fs.existsSync(stack.serviceCredentialFile) ? fs.readFileSync(stack.serviceCredentialFile, 'utf8').trim() : undefined;
}

/** A client interceptor presenting the service credential (`x-visitsarch-peer`) on every call: for raw clients of an internal service. */
export function peerInterceptor(credential: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(PEER_HEADER, credential);
        next(metadata, listener);
      },
    });
}
