/** The injection token of the service's own settings. */
export const BLOB_ARCHIVE_SETTINGS = Symbol('BLOB_ARCHIVE_SETTINGS');

export interface BlobArchiveSettings {
  /** Where uploads are spooled for their second pass and S3 objects are downloaded to be read (a disk, not tmpfs). */
  spoolDirectory: string;
  /** The deployment's service credential: what a peer's DoGet presents, and the root of the Flight ticket key (decision 0020). */
  serviceCredential: string;
}
