import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileInto, readWholeSmallFile, sha256OfFile, sha256OfFileInBackground, sha256OfLocalFile } from './hashing';

describe('sha256OfFileInBackground', () => {
  let directory: string;
  beforeAll(() => (directory = fs.mkdtempSync(path.join(os.tmpdir(), 'visitsarch-hashing-'))));
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  it.each([0, 1, 4 * 1024 * 1024, 9 * 1024 * 1024 + 17])('hashes a file of %d bytes as node:crypto does', async (size) => {
    const file = path.join(directory, `bytes-${size}`);
    const bytes = randomBytes(size);
    fs.writeFileSync(file, bytes);
    const expected = createHash('sha256').update(bytes).digest();
    expect(await sha256OfFileInBackground(file).digest).toEqual(expected);
    expect((await sha256OfFile(file)).sha256).toEqual(expected);
    expect(await sha256OfLocalFile(file, size).digest).toEqual(expected);
  });

  it('hashes small files concurrently, each with a read buffer of its own', async () => {
    const files = [3 * 1024 * 1024 + 5, 2 * 1024 * 1024, 1024 * 1024 + 1, 7, 5 * 1024 * 1024].map((size, i) => {
      const file = path.join(directory, `concurrent-${i}`);
      const bytes = randomBytes(size);
      fs.writeFileSync(file, bytes);
      return { file, size, expected: createHash('sha256').update(bytes).digest() };
    });
    for (let round = 0; round < 2; round++) {
      const digests = await Promise.all(files.map(({ file, size }) => sha256OfLocalFile(file, size).digest));
      expect(digests).toEqual(files.map(({ expected }) => expected));
    }
  });

  it('reads a file in chunks of the one buffer it is given (readFileInto)', async () => {
    const file = path.join(directory, 'chunked');
    const bytes = randomBytes(2500);
    fs.writeFileSync(file, bytes);
    const buffer = Buffer.alloc(1000);
    const chunks: Buffer[] = [];
    for await (const chunk of readFileInto(file, buffer)) {
      expect(chunk.buffer).toBe(buffer.buffer);
      chunks.push(Buffer.from(chunk));
    }
    expect(chunks.map((chunk) => chunk.length)).toEqual([1000, 1000, 500]);
    expect(Buffer.concat(chunks)).toEqual(bytes);
  });

  it('reads through a /proc/self/fd link (what snapshots hand out)', async () => {
    const file = path.join(directory, 'linked');
    fs.writeFileSync(file, 'visits');
    const fd = fs.openSync(file, 'r');
    try {
      fs.unlinkSync(file); // only the descriptor pins it now
      expect((await sha256OfFileInBackground(`/proc/self/fd/${fd}`).digest).toString('hex')).toBe(createHash('sha256').update('visits').digest('hex'));
    } finally {
      fs.closeSync(fd);
    }
  });

  it('rejects for a missing file, and when cancelled', async () => {
    await expect(sha256OfFileInBackground(path.join(directory, 'missing')).digest).rejects.toThrow(/ENOENT/);
    const file = path.join(directory, 'large');
    fs.writeFileSync(file, Buffer.alloc(256 * 1024 * 1024));
    const hashing = sha256OfFileInBackground(file);
    hashing.cancel();
    await expect(hashing.digest).rejects.toThrow(/stopped/);
  });

  it('reads a small file whole into reused buffers, concurrently, and no file above 8 MiB (readWholeSmallFile)', async () => {
    const files = [0, 7, 1024 * 1024 + 3, 8 * 1024 * 1024].map((size, i) => {
      const file = path.join(directory, `whole-${i}`);
      const bytes = randomBytes(size);
      fs.writeFileSync(file, Buffer.concat([bytes, Buffer.from('written after the snapshot was taken')]));
      return { file, size, bytes };
    });
    for (let round = 0; round < 2; round++) {
      const read = await Promise.all(files.map(({ file, size }) => readWholeSmallFile(file, size)));
      read.forEach((whole, i) => expect(whole?.bytes.equals(files[i].bytes)).toBe(true)); // each its own buffer, only its size
      for (const whole of read) whole?.release();
    }
    expect(await readWholeSmallFile(files[3].file, 8 * 1024 * 1024 + 1)).toBeUndefined();
    await expect(readWholeSmallFile(files[1].file, 1000)).rejects.toThrow('ended after 43 of its 1000 bytes');
    await expect(readWholeSmallFile(path.join(directory, 'missing'), 10)).rejects.toThrow(/ENOENT/);
  });
});
