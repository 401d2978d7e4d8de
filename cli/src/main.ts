#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from './program';
import { CliError } from './cli-error';

/** Entry point: one line on stderr and a non-zero exit code for any failure, never a stack trace. */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
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
  process.exit(code);
});
