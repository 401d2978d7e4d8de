import { Command } from 'commander';
import type { metadataV1 } from '@visitsarch/contracts';
import { CliError } from './cli-error';
import { clientCredentialsFromEnv, GatewayClients } from '@visitsarch/grpc-client';
import { describeGrpcError, SERVER_LIMIT_S, withMargin, withoutTransportDetails } from './gateway';
import { outputFormat, OutputFormat, renderRows, Row } from './output';

/** What every command needs: the gateway's services (dialled lazily, so --help never connects) and the output format. */
export class CliContext {
  private clients?: GatewayClients;
  /** The length of the last deadline handed out, to say how long a timed-out call waited. */
  private lastDeadlineSeconds?: number;

  constructor(private readonly program: Command) {}

  get address(): string {
    return this.program.opts().gateway as string;
  }

  /** Dialled with the environment's token and TLS settings (clientCredentialsFromEnv); an unreadable token or CA file fails the command here, in one line. */
  private get connected(): GatewayClients {
    this.clients ??= new GatewayClients(this.address, clientCredentialsFromEnv());
    return this.clients;
  }

  /** GatewayService: adds, downloads, deletes, ConsDB. */
  get gateway(): GatewayClients['gateway'] {
    return this.connected.gateway;
  }

  /** MetadataService through the gateway: records, tags, comments, queries. */
  get metadata(): GatewayClients['metadata'] {
    return this.connected.metadata;
  }

  /** StatsService through the gateway: nightly statistics, plots, MAF results. */
  get stats(): GatewayClients['stats'] {
    return this.connected.stats;
  }

  /** TokenService through the gateway: the archive's bearer tokens (admin). */
  get tokens(): GatewayClients['tokens'] {
    return this.connected.tokens;
  }

  /** `--timeout` in seconds, if given (validated by its parser). */
  get timeoutSeconds(): number | undefined {
    return this.program.opts().timeout as number | undefined;
  }

  format(): OutputFormat {
    return outputFormat(this.program.opts().format as string | undefined);
  }

  print(columns: string[], rows: Row[]): void {
    process.stdout.write(renderRows(columns, rows, this.format()));
  }

  /** Runs a command's work, turning gRPC failures into one readable line. */
  async run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const described = describeGrpcError(error, this.address, this.lastDeadlineSeconds);
      if (described) throw described;
      if (error instanceof CliError) throw new CliError(withoutTransportDetails(error.message), error.exitCode);
      throw new CliError(withoutTransportDetails(error instanceof Error ? error.message : String(error)));
    } finally {
      this.clients?.close();
      this.clients = undefined;
    }
  }

  /**
   * The deadline of a call: `--timeout` if given, else one that outlasts the server's own limit
   * for such calls (SERVER_LIMIT_S), so that the server's answer, even a timeout, arrives first.
   */
  deadline(kind: 'short' | 'transfer' = 'short'): { deadline: number } {
    return this.deadlineIn(this.timeoutSeconds ?? withMargin(SERVER_LIMIT_S[kind]));
  }

  /**
   * For Query, which has a timeout of its own: `--timeout` becomes the statement timeout asked
   * for, and the call's deadline outlasts it, so a query that runs too long ends with the server's
   * message rather than gRPC's deadline. Unset, the server applies its deployment's default
   * (QUERY_DEFAULT_TIMEOUT_S, 10 s unless configured), which the CLI cannot know: the deadline
   * then outlasts the longest default a deployment can set without raising QUERY_MAX_TIMEOUT_S
   * (SERVER_LIMIT_S.query, 300 s), so the server's answer still arrives first. A query ends as
   * soon as the server's timeout fires: only an archive that does not answer at all is waited for.
   */
  queryTimeout(): { timeout: metadataV1.QueryRequest['timeout']; options: { deadline: number } } {
    const requested = this.timeoutSeconds;
    return {
      timeout: requested === undefined ? undefined : { seconds: Math.floor(requested), nanos: Math.round((requested % 1) * 1e9) },
      options: this.deadlineIn(withMargin(requested ?? SERVER_LIMIT_S.query)),
    };
  }

  private deadlineIn(seconds: number): { deadline: number } {
    this.lastDeadlineSeconds = seconds;
    return { deadline: Date.now() + seconds * 1000 };
  }
}
