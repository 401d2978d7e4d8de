/** A failure to report as one line with a chosen exit code (2 for usage errors, 1 otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
