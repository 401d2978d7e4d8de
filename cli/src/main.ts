#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { configureTracing, contextOfTraceparent, endSpan, flushTracing, startSpan, withContext } from '@visitsarch/tracing';
import { buildProgram, withoutHelpOfUnknownCommand } from './program';
import { CliError } from './cli-error';
import { silenceIpServernameWarning } from './warnings';

/**
 * Entry point: one line on stderr and a non-zero exit code for any failure, never a stack trace.
 * Each command is a trace of its own, or continues the caller's (VISITSARCH_TRACEPARENT): its root
 * span is current while it runs, so every call it makes carries a `traceparent` naming it, and it
 * is exported (silently: the output stays the same) when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  configureTracing({ serviceName: process.env.OTEL_SERVICE_NAME || 'visitsarch-cli', endpoint: otlpEndpoint(process.env.OTEL_EXPORTER_OTLP_ENDPOINT) });
  const command = startSpan('visitsarch', { parent: contextOfTraceparent(process.env.VISITSARCH_TRACEPARENT?.trim()) });
  program.hook('preAction', (_program, action) => {
    command.span.updateName(commandPath(action));
  });
  const code = await withContext(command.context, () => run(program, argv));
  endSpan(command.span, code === 0 ? undefined : { message: `exit code ${code}` });
  await flushTracing(2000);
  return code;
}

async function run(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(withoutHelpOfUnknownCommand(program, argv));
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`visitsarch: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`visitsarch: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** `visitsarch add_simulation`: the name of the root span. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/** OTEL_EXPORTER_OTLP_ENDPOINT if it is an http(s) URL; anything else exports nothing (the CLI says nothing of its tracing). */
function otlpEndpoint(value: string | undefined): string | undefined {
  try {
    return value && /^https?:$/.test(new URL(value).protocol) ? value : undefined;
  } catch {
    return undefined;
  }
}

silenceIpServernameWarning();

// A reader that stops early (`visitsarch list | head`) closes the pipe: the command ends quietly,
// with the status of a Unix tool killed by SIGPIPE (128 + 13), not on an unhandled EPIPE with a
// stack trace; `set -o pipefail` scripts still see that it did not finish.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(141);
  throw error;
});

// If every connection closes while a command still awaits an answer, Node would exit 0 in
// silence; a command that did not finish has failed.
let finished = false;
process.once('beforeExit', () => {
  if (!finished) {
    process.stderr.write('visitsarch: the connection to the archive ended before the command finished\n');
    process.exit(1);
  }
});
main(process.argv).then((code) => {
  finished = true;
  // Exit once what was written has gone out: into a pipe (`visitsarch query … | awk`) stdout is
  // asynchronous, and exiting at once cut large outputs short, silently, with status 0.
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
