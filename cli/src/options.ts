import * as fs from 'node:fs';
import { CliError } from './cli-error';

/**
 * The specification's bash examples end some values with a comma (`--telescope="simonyi",`,
 * `completed_visits.h5,`), a slip carried over from its Python examples: accept them.
 */
export function withoutTrailingComma(value: string): string {
  return value.endsWith(',') ? value.slice(0, -1) : value;
}

/** Collects a repeatable option (`--tag a --tag b`) or several values after one option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((item) => item.trim()).filter(Boolean)];
}

/** A JSON object given inline, as `@file`, or as the name of a file holding it. */
export function jsonObjectArgument(value: string, option: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith('@') || (!value.trimStart().startsWith('{') && fs.existsSync(value))) {
    const file = value.startsWith('@') ? value.slice(1) : value;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`${option}: cannot read ${file}: ${(error as Error).message}`, 2);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${option}: not JSON (${(error as Error).message}); give a JSON object, @file or a file name`, 2);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`${option}: expected a JSON object, got ${text.slice(0, 40)}`, 2);
  return parsed as Record<string, unknown>;
}

/** An ISO 8601 instant for --creation_time and friends. */
export function instantArgument(value: string, option: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new CliError(`${option}: not a date and time: ${JSON.stringify(value)} (expected ISO 8601, e.g. 2025-08-14T18:00:00Z)`, 2);
  return date;
}

/** A positive number of seconds (`--timeout 30`, `--timeout 2.5`). */
export function positiveSeconds(value: string, option: string): number {
  const seconds = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new CliError(`${option} must be a positive number of seconds, got ${JSON.stringify(value)}`, 2);
  return seconds;
}
