import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArchiveStorage } from './archive-storage';
import { putObject } from './object-store';

describe('ArchiveStorage.sweepIncoming', () => {
  let home: string;
  beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-sweep-'))));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const HOUR_MS = 3600_000;
  const age = (file: string, ms: number) => {
    const then = new Date(Date.now() - ms);
    fs.utimesSync(file, then, then);
  };
  const incomingFiles = (directory: string) =>
    (fs.readdirSync(directory, { recursive: true }) as string[]).filter((name) => name.endsWith('.incoming')).map((name) => path.join(directory, name));

  it('removes the temporary files of writes older than the grace period, in every file archive, and nothing else', async () => {
    const storage = new ArchiveStorage({ archiveUrls: [`file://${home}/archive/`, `file://${home}/extra/`, `file://${home}/never-written/`] });
    const url = (root: string, name: string) => `file://${home}/${root}/lsstcam/2026-01-01/5b7c3f2e-1111-4222-8333-444455556666/${name}`;

    // Writes as the store makes them: one a crashed process left 2 hours ago (300 bytes), one in
    // flight now (another replica's upload), one in the extra archive left an hour and a minute ago.
    const crashed = await storage.resolve(url('archive', 'visits.arrows')).store.beginWrite(url('archive', 'visits.arrows'), { overwrite: false });
    await crashed.write(Buffer.alloc(300, 1));
    await crashed.prepare();
    const inFlight = await storage.resolve(url('archive', 'rewards.h5')).store.beginWrite(url('archive', 'rewards.h5'), { overwrite: false });
    await inFlight.write(Buffer.alloc(50, 2));
    const extra = await storage.resolve(url('extra', 'scheduler.p')).store.beginWrite(url('extra', 'scheduler.p'), { overwrite: false });
    await extra.write(Buffer.alloc(20, 3));
    await extra.prepare();
    const [crashedFile] = incomingFiles(path.join(home, 'archive')).filter((file) => file.includes('visits.arrows'));
    const [inFlightFile] = incomingFiles(path.join(home, 'archive')).filter((file) => file.includes('rewards.h5'));
    const [extraFile] = incomingFiles(path.join(home, 'extra'));
    age(crashedFile, 2 * HOUR_MS);
    age(extraFile, HOUR_MS + 60_000);

    // Old files that are not temporaries of writes stay: a stored object, and other hidden names.
    await putObject(storage.resolve(url('archive', 'old.arrows')).store, url('archive', 'old.arrows'), [Buffer.from('kept')], { overwrite: false });
    const stored = path.join(home, 'archive', 'lsstcam', '2026-01-01', '5b7c3f2e-1111-4222-8333-444455556666', 'old.arrows');
    const notOurs = path.join(home, 'archive', '.notes.incoming');
    fs.writeFileSync(notOurs, 'someone else');
    for (const file of [stored, notOurs]) age(file, 10 * HOUR_MS);

    expect(await storage.sweepIncoming(HOUR_MS)).toEqual({ files: 2, bytes: 320 });
    expect([crashedFile, extraFile].filter((file) => fs.existsSync(file))).toEqual([]);
    expect([inFlightFile, stored, notOurs].filter((file) => !fs.existsSync(file))).toEqual([]);

    // The upload in flight is unharmed; a second sweep finds nothing more.
    await inFlight.write(Buffer.alloc(50, 2));
    expect((await inFlight.commit()).size).toBe(100);
    expect(await storage.sweepIncoming(HOUR_MS)).toEqual({ files: 0, bytes: 0 });
    await crashed.abort(); // its file is already gone: abort tolerates that
    await extra.abort();
  });
});
