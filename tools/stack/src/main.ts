#!/usr/bin/env node
import * as path from 'node:path';
import { archiveUrl, CONFIGURATION_ERROR_EXIT, ConfigError, DEFAULT_ADDRESSES, hostPort, httpUrl, loadConfig, oneOf, postgresUrl, visitsarchHome } from '@visitsarch/config';
import { createLogger, LOG_LEVELS } from '@visitsarch/logging';
import { ServiceConfigurationError, startStack } from './stack';

/**
 * `npm start`: the whole archive in the foreground on embedded defaults (or on the production
 * backends named by DATABASE_URL / VISITSARCH_ARCHIVE_URL); Ctrl-C stops everything cleanly.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({
      // Made absolute here: the services, the CLI and the Python client read it from other working directories.
      VISITSARCH_HOME: { parse: (raw: string) => path.resolve(raw), default: () => visitsarchHome(), description: 'state directory of the embedded archive' },
      LOG_LEVEL: { parse: oneOf(...LOG_LEVELS), default: 'info', description: 'log level of the launcher and the services' },
      VISITSARCH_GATEWAY: { parse: hostPort, default: '127.0.0.1:50051', description: 'where the gateway listens' },
      DATABASE_URL: { parse: postgresUrl, default: '', description: 'production PostgreSQL (unset: embedded)' },
      VISITSARCH_ARCHIVE_URL: { parse: archiveUrl, default: '', description: 'production archive (unset: <home>/archive)' },
      S3_ENDPOINT_URL: { parse: httpUrl, default: '', description: 'S3 endpoint for s3:// archives' },
      METADATA_SERVICE_ADDRESS: { parse: hostPort, default: DEFAULT_ADDRESSES.metadata, description: 'where the metadata service listens' },
      BLOB_ARCHIVE_SERVICE_ADDRESS: { parse: hostPort, default: DEFAULT_ADDRESSES.blobArchive, description: 'where the blob-archive service listens' },
      CONSDB_INGEST_SERVICE_ADDRESS: { parse: hostPort, default: DEFAULT_ADDRESSES.consdbIngest, description: 'where the consdb-ingest service listens' },
      STATS_SERVICE_ADDRESS: { parse: hostPort, default: DEFAULT_ADDRESSES.stats, description: 'where the stats service listens' },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`visitsarch: configuration error: ${error.message}\n`);
      process.exit(CONFIGURATION_ERROR_EXIT);
    }
    throw error;
  }
  const logger = createLogger('visitsarch-stack', config.LOG_LEVEL);
  const home = config.VISITSARCH_HOME;
  const starting = startStack({
    home,
    addresses: {
      gateway: config.VISITSARCH_GATEWAY,
      metadata: config.METADATA_SERVICE_ADDRESS,
      'blob-archive': config.BLOB_ARCHIVE_SERVICE_ADDRESS,
      'consdb-ingest': config.CONSDB_INGEST_SERVICE_ADDRESS,
      stats: config.STATS_SERVICE_ADDRESS,
    },
    databaseUrl: config.DATABASE_URL || undefined,
    archiveUrl: config.VISITSARCH_ARCHIVE_URL || undefined,
    logger,
  });
  // Listening while the archive starts (PostgreSQL and the five services take seconds): a signal
  // then stops what started once it has, rather than end this process and orphan them.
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping visitsarch');
    const started = await starting.catch(() => undefined); // a failed start is reported below, and stopped what it had started
    if (!started) return;
    await started.stop();
    logger.info('visitsarch stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const stack = await starting;
  if (stopping) return; // asked while starting: the shutdown waiting for the start stops it
  logger.info({ gateway: stack.gateway, home, archive: stack.archiveUrl }, 'visitsarch is running');
  process.stderr.write(
    `\nvisitsarch is running: gateway at ${stack.gateway} (VISITSARCH_GATEWAY), data in ${home}\n` +
      `Try \`npx visitsarch status\` in another terminal. Ctrl-C stops everything.\n\n`,
  );
  for (const [name, service] of Object.entries(stack.services)) {
    const stopped = (code: number | null, signal: NodeJS.Signals | null) => {
      // On Ctrl-C the terminal signals every process of the group at once: give our own
      // SIGINT handler a moment to claim the shutdown before calling this exit unexpected.
      setTimeout(() => {
        if (stopping) return;
        logger.error({ service: name, code, signal }, 'a service stopped unexpectedly: stopping the archive');
        void shutdown(1);
      }, 250);
    };
    // One may have stopped while the others were starting, after it had answered SERVING.
    if (service.process.exitCode !== null || service.process.signalCode !== null) stopped(service.process.exitCode, service.process.signalCode);
    else service.process.once('exit', stopped);
  }
}

main().catch((error: unknown) => {
  // A service refused its configuration and said so in one line on stderr, naming the variable.
  if (error instanceof ServiceConfigurationError) process.exit(CONFIGURATION_ERROR_EXIT);
  process.stderr.write(`visitsarch: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
