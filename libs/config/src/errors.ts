/** The exit code of a program that refuses its configuration (sysexits' EX_CONFIG). */
export const CONFIGURATION_ERROR_EXIT = 78;

/** A configuration value that cannot be used. The message always names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}
