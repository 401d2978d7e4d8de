/**
 * The rules themselves, as predicates without any transport: what the data-access libraries
 * (storage's archive paths) and the services' field checks (./fields) share.
 */

/**
 * An RFC 4122 UUID (RFC 9562's versions 1–8 included) in its canonical 8-4-4-4-12 text, any case:
 * the version nibble 1–8 and the variant bits 10. Every UUID the archive meets has them: Python's
 * uuid4 and Node's randomUUID (version 4), the sequence UUIDs derived from request ids and the
 * demo's (version 5), PostgreSQL's gen_random_uuid (version 4). Hex strings of that shape that
 * are not UUIDs (a nil UUID, a hash cut to 32 digits) are refused.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/** Text that says nothing: unset, empty or only white space. Required text fields refuse it. */
export function isBlank(value: string | undefined | null): boolean {
  return !value || value.trim() === '';
}

/** The telescopes visit sequences are recorded for (the archive layout's first level). */
export const TELESCOPES = ['simonyi', 'auxtel'] as const;
export type Telescope = (typeof TELESCOPES)[number];

export function isTelescope(name: string): name is Telescope {
  return (TELESCOPES as readonly string[]).includes(name);
}

/** A raw SHA-256 digest has this many bytes. */
export const SHA256_BYTES = 32;

/** Rows a batch call (nightly statistics, MAF results…) accepts at most, unless it says otherwise. */
export const MAX_BATCH_ROWS = 10_000;
