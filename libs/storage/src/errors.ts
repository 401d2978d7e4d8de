/**
 * Why a storage operation failed, independent of the backend. The blob-archive service maps each
 * class to one gRPC status code; anything else thrown by a backend is a defect or an outage.
 */
export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A URL or path component is malformed (INVALID_ARGUMENT). */
export class InvalidLocationError extends StorageError {
  constructor(
    message: string,
    /** The request field or component at fault, e.g. `file_name`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A URL lies outside every archive root this process may use (PERMISSION_DENIED). */
export class OutsideArchiveError extends StorageError {
  constructor(readonly url: string) {
    super(`${url} lies outside the archives this service is configured to use`);
  }
}

/** No object exists at the URL (NOT_FOUND). */
export class ObjectNotFoundError extends StorageError {
  constructor(readonly url: string) {
    super(`no object at ${url}`);
  }
}

/** An object already exists where a write that may not overwrite was going (ALREADY_EXISTS). */
export class ObjectExistsError extends StorageError {
  constructor(readonly url: string) {
    super(`an object already exists at ${url} and overwriting was not requested`);
  }
}

/** Bytes hash differently from what was recorded or expected (DATA_LOSS). */
export class ChecksumMismatchError extends StorageError {
  constructor(
    readonly url: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`the bytes of ${url} have SHA-256 ${actualSha256}, expected ${expectedSha256}`);
  }
}

/** The backend cannot be reached or answered with a transient failure (UNAVAILABLE). */
export class StorageUnavailableError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
