/**
 * Captures what the process writes to stdout/stderr (where Powertools Logger and Metrics
 * write in Lambda), as parsed JSON lines plus the raw text for leak checks.
 */
export class OutputCapture {
  readonly raw: string[] = [];
  private restore: (() => void) | undefined;

  start(): this {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const grab =
      () =>
      (chunk: unknown): boolean => {
        this.raw.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return true;
      };
    process.stdout.write = grab() as typeof process.stdout.write;
    process.stderr.write = grab() as typeof process.stderr.write;
    this.restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
    return this;
  }

  stop(): void {
    this.restore?.();
    this.restore = undefined;
  }

  get text(): string {
    return this.raw.join('');
  }

  /** Every JSON object written, one per line. */
  json(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
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
