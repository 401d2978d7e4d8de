import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './cli-error';

/**
 * Refuses, before the archive is asked for anything, a file the command could not create: one that
 * exists (`exists` says what to do instead), or one `checkFolderOf` refuses.
 */
export function checkNewFile(file: string, exists: string): void {
  if (fs.existsSync(file)) throw new CliError(`${file} exists: ${exists}`, 2);
  checkFolderOf(file);
}

/** Refuses a file whose folder is missing, not a folder or not writable (one line, exit code 2). */
export function checkFolderOf(file: string): void {
  const folder = path.dirname(path.resolve(file));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    throw new CliError(`cannot write ${file}: the folder ${folder} does not exist`, 2);
  }
  if (!stat.isDirectory()) throw new CliError(`cannot write ${file}: ${folder} is not a folder`, 2);
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new CliError(`cannot write ${file}: the folder ${folder} is not writable`, 2);
  }
}

/** The partial files of this process: removed if it is interrupted (Ctrl-C, SIGTERM) before it renames them. */
const PARTIAL_FILES = new Set<string>();

/**
 * Where a file is written before it is renamed into place: beside it, hidden, named for this
 * process. Interrupted, the process removes it, and ends with the status of the signal (130 for
 * Ctrl-C), as it would have without the handler.
 */
export function partialFileOf(file: string): string {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.partial-${process.pid}`);
  if (PARTIAL_FILES.size === 0) for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => removePartialFilesAndExit(signal));
  PARTIAL_FILES.add(partial);
  return partial;
}

function removePartialFilesAndExit(signal: NodeJS.Signals): void {
  for (const file of PARTIAL_FILES) fs.rmSync(file, { force: true });
  process.exit(128 + os.constants.signals[signal]);
}

/**
 * A new file (never an existing one) written piece by piece: each write is awaited, so an error
 * (disk full, the folder removed) rejects the command's promise, never an unhandled stream event.
 */
export async function newFileWriter(file: string): Promise<{ write(data: Uint8Array): Promise<void>; close(): Promise<void> }> {
  const handle = await fs.promises.open(file, 'wx');
  let closed = false;
  return {
    async write(data: Uint8Array) {
      for (let offset = 0; offset < data.byteLength; ) offset += (await handle.write(data, offset, data.byteLength - offset)).bytesWritten;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
