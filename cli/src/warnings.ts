/**
 * Keeps Node's DEP0123 off the CLI's stderr: grpc-js names the server in the TLS handshake (SNI) by
 * the gateway's host, an IP address included, which Node warns about once per process ("Setting
 * the TLS ServerName to an IP address is not permitted by RFC 6066"). The certificate is still
 * verified against the IP address; the warning is noise on a command's one line of output. Every
 * other warning is emitted as before.
 */
export function silenceIpServernameWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    const [warning, second, third] = args;
    const code = typeof second === 'object' && second !== null ? (second as { code?: string }).code : third;
    if (code === 'DEP0123' || (typeof warning === 'string' && warning.startsWith('Setting the TLS ServerName to an IP address'))) return;
    emitWarning(...args);
  }) as typeof process.emitWarning;
}
