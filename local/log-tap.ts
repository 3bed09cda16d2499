/**
 * Captures what the process writes to stdout/stderr, where Powertools Logger and Metrics write
 * in Lambda, so the local runner and the tests can read the JSON lines (and check them for
 * leaks) while a human-facing progress display keeps the real terminal.
 */
export class LogTap {
  readonly raw: string[] = [];
  private restore: (() => void) | undefined;
  private partial = '';
  /** Whether written text is kept for text()/json(); switch off for a process that runs for hours. */
  retain: boolean;
  /** The terminal's own write, for progress output while the tap is on. */
  readonly print: (s: string) => boolean;

  /**
   * `onLine` sees every complete line as it is written (a chunk may hold several, or half of
   * one); `retain: false` keeps nothing in memory.
   */
  constructor(
    private readonly onLine?: (line: string) => void,
    opts: { retain?: boolean } = {},
  ) {
    this.retain = opts.retain ?? true;
    const out = process.stdout.write.bind(process.stdout);
    this.print = (s: string) => out(s);
  }

  start(): this {
    const out = process.stdout.write;
    const err = process.stderr.write;
    const grab = (chunk: unknown): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      if (this.retain) this.raw.push(text);
      if (this.onLine) {
        const lines = (this.partial + text).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (line) this.onLine(line);
      }
      return true;
    };
    process.stdout.write = grab as typeof process.stdout.write;
    process.stderr.write = grab as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
    return this;
  }

  stop(): void {
    if (this.partial && this.onLine) this.onLine(this.partial);
    this.partial = '';
    this.restore?.();
    this.restore = undefined;
  }

  get text(): string {
    return this.raw.join('');
  }

  /** Every JSON object written, one per line. */
  json(): Record<string, unknown>[] {
    const lines: Record<string, unknown>[] = [];
    for (const l of this.text.split('\n')) {
      if (!l.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // a partial line: not ours to judge
      }
    }
    return lines;
  }

  /** The consumer's outcome lines. */
  outcomes(): Record<string, unknown>[] {
    return this.json().filter((l) => l.message === 'outcome');
  }

  /** Sum of an EMF metric over every flushed metrics blob. */
  metric(name: string): number {
    return this.json()
      .filter((l) => '_aws' in l && name in l)
      .reduce((s, l) => s + Number(l[name]), 0);
  }
}

/** A JWT is three base64url parts; ours start with the HS256 header `eyJ`. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
