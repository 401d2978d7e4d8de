import type { Provider } from '@nestjs/common';
import { ArchiveStorage } from '@visitsarch/storage';

/** The injection token of the process's ArchiveStorage (its archive roots and backends). */
export const ARCHIVE_STORAGE = Symbol('ARCHIVE_STORAGE');

export function archiveStorageProvider(storage: ArchiveStorage): Provider {
  return { provide: ARCHIVE_STORAGE, useValue: storage };
}
