import { Command, Option } from 'commander';
import { DEFAULT_ADDRESSES } from '@visitsarch/config';
import { statusCommand } from './commands/status';

/** The `visitsarch` command line: a thin client of the gateway (VISITSARCH_GATEWAY, default 127.0.0.1:50051). */
export function buildProgram(): Command {
  const program = new Command('visitsarch')
    .description('The Rubin Observatory scheduler-simulation archive: add, tag, query and download visit sequences.')
    .version(require('../package.json').version as string)
    .addOption(new Option('--gateway <host:port>', 'address of the visitsarch gateway').env('VISITSARCH_GATEWAY').default(DEFAULT_ADDRESSES.gateway))
    .showHelpAfterError('(run `visitsarch --help` for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text.replace(/^error: /, 'visitsarch: ')) });

  program
    .command('status')
    .description("report the health of the gateway and of each service behind it; exits 1 unless all are SERVING")
    .action(async () => {
      process.exitCode = await statusCommand(program.opts().gateway as string);
    });
  for (const command of program.commands) command.exitOverride();
  return program;
}
