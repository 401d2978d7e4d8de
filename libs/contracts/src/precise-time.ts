import { wrappers } from 'protobufjs';

/**
 * Instants to the nanosecond in the contracts (issue 16: "microseconds kept end to end").
 * ts-proto maps google.protobuf.Timestamp to a JS Date, which holds milliseconds; PostgreSQL keeps
 * microseconds. A PreciseDate is a Date that also carries the nanoseconds below its millisecond, so
 * code that treats it as a Date keeps working, and its ISO form (toISOString, JSON) shows every digit.
 */
export class PreciseDate extends Date {
  /** Nanoseconds after the Date's millisecond, 0 to 999,999. */
  readonly subMillisecondNanos: number;

  constructor(milliseconds: number, subMillisecondNanos = 0) {
    super(milliseconds);
    this.subMillisecondNanos = subMillisecondNanos;
  }

  /** The ISO 8601 form with 6 fraction digits (9 if the nanoseconds need them), e.g. `…T15:00:00.654321Z`. */
  override toISOString(): string {
    const iso = super.toISOString(); // …SS.mmmZ
    if (this.subMillisecondNanos === 0) return iso;
    const below = String(this.subMillisecondNanos).padStart(6, '0');
    return `${iso.slice(0, -1)}${below.endsWith('000') ? below.slice(0, 3) : below}Z`;
  }
}

/** The nanoseconds below the millisecond of a Date (0 unless it is a PreciseDate). */
export function subMillisecondNanos(date: Date): number {
  return date instanceof PreciseDate ? date.subMillisecondNanos : 0;
}

/**
 * An instant in ISO 8601 or PostgreSQL's text form (`2025-11-01 15:00:00.654321+00`) as a Date,
 * a PreciseDate when it has digits below the millisecond; undefined if it is not one.
 */
export function parsePreciseInstant(text: string): Date | undefined {
  const match = /^(.*?[T ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [, wholeSeconds, fraction = '', zone = 'Z'] = match;
  const digits = fraction.padEnd(9, '0');
  const offset = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.replace(/^([+-]\d{2}):?(\d{2}).*$/, '$1:$2');
  const milliseconds = Date.parse(`${wholeSeconds.replace(' ', 'T')}.${digits.slice(0, 3)}${offset}`);
  if (Number.isNaN(milliseconds)) return undefined;
  const below = Number(digits.slice(3));
  // Offsets with seconds (historic zones) are not in ISO 8601: PostgreSQL prints them only outside UTC sessions.
  if (/^[+-]\d{2}:?\d{2}:?\d{2}$/.test(zone)) return undefined;
  return below ? new PreciseDate(milliseconds, below) : new Date(milliseconds);
}

/**
 * Makes protobufjs (and so @grpc/proto-loader, which NestJS and our clients use) carry a Date's
 * nanoseconds through google.protobuf.Timestamp both ways. The generated modules register a
 * millisecond wrapper each time one of them loads; this runs after all of them (index.ts).
 */
export function installPreciseTimestamps(): void {
  wrappers['.google.protobuf.Timestamp'] = {
    fromObject(this: unknown, value: Date | { seconds?: number; nanos?: number }) {
      if (!(value instanceof Date)) return value as never;
      const milliseconds = value.getTime();
      const seconds = Math.floor(milliseconds / 1000);
      return { seconds, nanos: (milliseconds - seconds * 1000) * 1_000_000 + subMillisecondNanos(value) } as never;
    },
    toObject(message: { seconds?: number | { toString(): string }; nanos?: number }) {
      const seconds = Number(String(message.seconds ?? 0)); // a number, or a Long
      const nanos = message.nanos ?? 0;
      const milliseconds = seconds * 1000 + Math.floor(nanos / 1_000_000);
      const below = nanos % 1_000_000;
      return (below ? new PreciseDate(milliseconds, below) : new Date(milliseconds)) as never;
    },
  } as never;
}
