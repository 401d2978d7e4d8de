/**
 * Bounds on what one log line may hold: a request echoed into a log (a 4 MB label, 10,000 tags, a
 * database error carrying its query parameters) must not make lines of megabytes. Every string is
 * cut to MAX_LOGGED_STRING_CHARS, every list to MAX_LOGGED_LIST_ITEMS, objects to
 * MAX_LOGGED_KEYS keys and MAX_LOGGED_DEPTH levels, each cut saying how much there was.
 */

/** Characters of one logged string. */
export const MAX_LOGGED_STRING_CHARS = 1000;
/** Items of one logged list. */
export const MAX_LOGGED_LIST_ITEMS = 20;
/** Keys of one logged object. */
export const MAX_LOGGED_KEYS = 50;
/** Characters of a logged stack trace. */
export const MAX_LOGGED_STACK_CHARS = 8000;
/** Nesting of logged objects. */
export const MAX_LOGGED_DEPTH = 6;

/** `text` cut to `max` characters, saying how long it was. */
export function boundText(text: string, max = MAX_LOGGED_STRING_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * A copy of `value` within the bounds, for a log record. Errors become plain objects (type,
 * message, stack, their own fields, cause), as pino's error serializer would write them.
 */
export function boundForLog(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return boundText(value);
  if (value instanceof LongText) return boundText(value.text, MAX_LOGGED_STACK_CHARS);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `<${value.constructor.name} of ${value.byteLength} bytes>`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_LOGGED_DEPTH) return Array.isArray(value) ? `[list of ${value.length} items]` : '[object]';
  seen.add(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_LOGGED_LIST_ITEMS).map((item) => boundForLog(item, depth + 1, seen));
    if (value.length > MAX_LOGGED_LIST_ITEMS) items.push(`… (${value.length} items)`);
    return items;
  }
  const source: Record<string, unknown> = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
  const keys = Object.keys(source);
  const bounded: Record<string, unknown> = {};
  for (const key of keys.slice(0, MAX_LOGGED_KEYS)) bounded[boundText(key, 100)] = boundForLog(source[key], depth + 1, seen);
  if (keys.length > MAX_LOGGED_KEYS) bounded['…'] = `${keys.length} keys`;
  return bounded;
}

function errorFields(error: Error): Record<string, unknown> {
  // A stack starts with the message: that copy is cut like the message, the frames are kept.
  const head = `${error.name}: ${error.message}`;
  const stack = error.stack?.startsWith(head) ? `${error.name}: ${boundText(error.message)}${error.stack.slice(head.length)}` : error.stack;
  const fields: Record<string, unknown> = { type: error.constructor?.name ?? 'Error', message: error.message, stack: stack === undefined ? undefined : new LongText(stack) };
  for (const [key, item] of Object.entries(error)) if (!(key in fields)) fields[key] = item;
  if (error.cause !== undefined) fields.cause = error.cause;
  return fields;
}

/** A stack trace: bounded by MAX_LOGGED_STACK_CHARS rather than MAX_LOGGED_STRING_CHARS. */
class LongText {
  constructor(readonly text: string) {}
}
