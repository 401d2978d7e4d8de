import { Command } from 'commander';
import { CliError } from './cli-error';
import { describeGrpcError, GatewayClient, gatewayClient } from './gateway';
import { outputFormat, OutputFormat, renderRows, Row } from './output';

/** What every command needs: the gateway (dialled lazily, so --help never connects) and the output format. */
export class CliContext {
  private client?: GatewayClient;

  constructor(private readonly program: Command) {}

  get address(): string {
    return this.program.opts().gateway as string;
  }

  get gateway(): GatewayClient {
    this.client ??= gatewayClient(this.address);
    return this.client;
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
      throw describeGrpcError(error, this.address) ?? (error instanceof CliError ? error : new CliError(error instanceof Error ? error.message : String(error)));
    } finally {
      this.client?.close();
      this.client = undefined;
    }
  }

  deadline(kind: 'short' | 'transfer' = 'short'): { deadline: number } {
    return { deadline: Date.now() + (kind === 'short' ? 60_000 : 3_600_000) };
  }
}
