/** A one-line progress display on stderr, only when stderr is a terminal (never in pipes, logs or CI). */
export class Progress {
  private readonly enabled = Boolean(process.stderr.isTTY);
  private last = 0;

  constructor(private readonly what: string) {}

  update(bytes: number, rows?: number): void {
    if (!this.enabled || Date.now() - this.last < 100) return;
    this.last = Date.now();
    const size = bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
    process.stderr.write(`\r${this.what}: ${size}${rows === undefined ? '' : `, ${rows.toLocaleString('en-US')} visits`}   `);
  }

  done(): void {
    if (this.enabled && this.last) process.stderr.write('\r\x1b[K');
  }
}
