import { ConfigError } from './errors';
import type { Parser } from './parsers';

/** How one environment variable is read: its parser, and its default when unset or empty. */
export interface Setting<T> {
  parse: Parser<T>;
  /** The default; a function is called only when the variable is unset. Omit for a required variable. */
  default?: T | (() => T);
  /** A sentence for the error message and the docs. */
  description: string;
}

export type Schema = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Schema> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/**
 * Reads and validates every variable of the schema from `env` at once.
 * Throws ConfigError for the first bad or missing variable, naming it.
 */
export function loadConfig<S extends Schema>(schema: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  for (const [variable, setting] of Object.entries(schema)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') {
      if (!('default' in setting)) {
        throw new ConfigError(variable, `is required (${setting.description})`);
      }
      const fallback = setting.default;
      config[variable] = typeof fallback === 'function' ? (fallback as () => unknown)() : fallback;
    } else {
      config[variable] = setting.parse(raw, variable);
    }
  }
  return config as ConfigOf<S>;
}
