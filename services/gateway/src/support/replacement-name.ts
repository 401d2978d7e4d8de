import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/**
 * A fresh object name for a replacement ("rewards.h5" → "rewards-3f9a1c2e.h5"): the new
 * content is stored beside the old one and the old one is deleted only after the metadata
 * points to the new one, so a failure at any step leaves the recorded file intact.
 */
export function replacementName(currentUrl: string): string {
  const base = path.posix.basename(currentUrl);
  const ext = path.posix.extname(base);
  const stem = base.slice(0, base.length - ext.length).replace(/-[0-9a-f]{8}$/, '');
  return `${stem}-${randomBytes(4).toString('hex')}${ext}`;
}
