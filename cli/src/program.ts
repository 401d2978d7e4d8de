import { Command, Option } from 'commander';
import { DEFAULT_ADDRESSES } from '@visitsarch/config';
import { channelCredentialsOf, clientTlsFromEnv } from '@visitsarch/grpc-client';
import { registerAnnotationCommands } from './commands/annotations';
import { registerConsdbCommands } from './commands/consdb';
import { registerDemoCommand } from './commands/demo';
import { registerPrenightIndexCommand } from './commands/prenight-index';
import { registerProtoArchiveCommands } from './commands/proto-archive';
import { registerQueryCommands } from './commands/queries';
import { registerRetentionCommands } from './commands/retention';
import { registerStatsCommands } from './commands/stats';
import { statusCommand } from './commands/status';
import { registerTokenCommands } from './commands/tokens';
import { registerTransferCommands } from './commands/transfers';
import { registerUpstreamCompatCommands } from './commands/upstream-compat';
import { CliContext } from './context';
import { SERVER_LIMIT_S, withMargin } from './gateway';
import { positiveSeconds } from './options';
import { OUTPUT_FORMATS, type OutputFormat } from './output';

/** The variables the CLI presents itself with (clientCredentialsFromEnv, docs/configuration.md), after the root's --help. */
const CREDENTIALS_HELP = `
Environment:
  VISITSARCH_TOKEN        the bearer token calls carry (an archive token, vsa_…)
  VISITSARCH_TOKEN_FILE   else a file holding it (default: $VISITSARCH_HOME/token, which npm start writes)
  VISITSARCH_HOME         the archive's state directory (default: $XDG_DATA_HOME/visitsarch, ~/.local/share/visitsarch)
  VISITSARCH_TLS_CA_FILE  connect with TLS, verifying the gateway against this CA bundle (PEM)
  VISITSARCH_TLS=1        connect with TLS, verifying the gateway against the system's CAs`;

/** The `visitsarch` command line: a thin client of the gateway (VISITSARCH_GATEWAY, default 127.0.0.1:50051). */
export function buildProgram(): Command {
  const program = new Command('visitsarch')
    .description('The Rubin Observatory scheduler-simulation archive: add, tag, query and download visit sequences.')
    .version(require('../package.json').version as string)
    .addOption(new Option('--gateway <host:port>', 'address of the visitsarch gateway').env('VISITSARCH_GATEWAY').default(DEFAULT_ADDRESSES.gateway))
    .addOption(new Option('--format <format>', 'how tables are printed (default: table on a terminal, else tsv)').choices(OUTPUT_FORMATS))
    .addOption(
      new Option(
        '--timeout <seconds>',
        `how long to wait for the archive's answer (default: a little longer than the archive's own limits, ${withMargin(SERVER_LIMIT_S.short)} s for most calls, ${withMargin(SERVER_LIMIT_S.query)} s for query, ${withMargin(SERVER_LIMIT_S.transfer) / 60} min for uploads, downloads and ConsDB); for query, also its statement timeout`,
      ).argParser((value) => positiveSeconds(value, '--timeout')),
    )
    .showHelpAfterError('(run `visitsarch --help` for usage)')
    .addHelpText('after', CREDENTIALS_HELP)
    .exitOverride();
  program.configureOutput(oneLineErrors());
  const context = new CliContext(program);

  registerTransferCommands(program, context);
  registerAnnotationCommands(program, context);
  registerQueryCommands(program, context);
  registerConsdbCommands(program, context);
  registerStatsCommands(program, context);
  registerDemoCommand(program, context);
  registerPrenightIndexCommand(program, context);
  registerUpstreamCompatCommands(program, context);
  registerProtoArchiveCommands(program, context);
  registerRetentionCommands(program, context);
  registerTokenCommands(program, context);
  program
    .command('status')
    .description('report the health of the gateway and of each service behind it, and their metrics URLs as the gateway knows them (rows with --format); exits 1 unless all are SERVING')
    .action(async () => {
      process.exitCode = await statusCommand(context.address, program.opts().format as OutputFormat | undefined, channelCredentialsOf(clientTlsFromEnv()));
    });
  for (const command of program.commands) {
    command.exitOverride();
    command.showHelpAfterError(`(run \`visitsarch ${command.name()} --help\` for usage)`);
  }
  return program;
}

/**
 * Commander writes a usage error, then the hint of showHelpAfterError, as two lines: they become
 * one (`visitsarch: missing required argument 'uuid' (run \`visitsarch tag --help\` for usage)`),
 * as every other error of the CLI is. An error without a hint is written when the process exits.
 */
function oneLineErrors() {
  let held = '';
  const flush = () => {
    if (held) process.stderr.write(`${held}\n`);
    held = '';
  };
  return {
    outputError: (text: string) => {
      flush();
      held = text.replace(/^error: /, 'visitsarch: ').trimEnd().replace(/\s*\n\s*/g, ' '); // commander's "(Did you mean …?)" comes on a line of its own
      process.once('exit', flush); // only once an error is held: a program built (in tests, many) adds no listener
    },
    writeErr: (text: string) => {
      if (held && text.startsWith('(run `')) {
        process.stderr.write(`${held} ${text}`);
        held = '';
        return;
      }
      flush();
      process.stderr.write(text.replace(/^error: /, 'visitsarch: '));
    },
  };
}

/**
 * `visitsarch nosuch --help`: commander would print the main help and exit 0 (the root's --help is
 * handled before the command is looked up), as if `nosuch` existed. Without the help flags, the
 * command is reported unknown, with commander's "Did you mean" and a non-zero exit.
 */
export function withoutHelpOfUnknownCommand(program: Command, argv: string[]): string[] {
  const args = argv.slice(2);
  const takesValue = new Set(program.options.filter((option) => option.required || option.optional).flatMap((option) => [option.long, option.short].filter(Boolean) as string[]));
  let operand: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--') break;
    if (!arg.startsWith('-')) {
      operand = arg;
      break;
    }
    if (takesValue.has(arg)) index++; // `--gateway host:port`; `--gateway=host:port` is one argument
  }
  const known = operand === undefined || operand === 'help' || program.commands.some((command) => command.name() === operand || command.aliases().includes(operand));
  return known ? argv : argv.filter((arg, index) => index < 2 || (arg !== '--help' && arg !== '-h'));
}
