/**
 * Reads getAllListDetails' reply (`{status, message, data: [list, …]}`, one unpaged document:
 * docs/kore-api.md, "Paging of the listings") as it streams, and keeps only the lists whose JSON text contains
 * one of a few needles (the list ids a batch names, or the campaign id a fan-out looks for),
 * each parsed with `JSON.parse`. Memory is one list's bytes plus the matches, whatever the
 * account's size: the whole reply is 48 MB at 100,000 lists, about four times that as objects,
 * which a 256 MB consumer cannot hold.
 *
 * Hand-written on purpose: the streaming JSON libraries on the registry (stream-json, clarinet)
 * turn every token of every list into JavaScript values, which is what costs the CPU; here the
 * only work per byte is this loop, and only a matching list is parsed (docs/design.md, "Evidence").
 * A needle match is a pre-filter, never the answer: callers check the parsed list's fields.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Top-level values other than `data` (status, message) are kept up to this size; a bigger one is not Kore's envelope. */
const MAX_TOP_VALUE_BYTES = 8 * 1024;

export interface ListScanResult {
  /** The lists whose text contained a needle, parsed (each a JSON object). */
  matches: Record<string, unknown>[];
  /** Top-level fields other than `data` (Kore's `status` and `message`), parsed. */
  envelope: Record<string, unknown>;
  /** Elements of `data` seen. */
  seen: number;
  /** Bytes read. */
  bytes: number;
}

/** The reply grew past the byte limit the caller set: the scan stops there (and the stream is cancelled). */
export class ListScanTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the listing is larger than ${maxBytes} bytes`);
    this.name = 'ListScanTooLargeError';
  }
}

export class ListScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListScanError';
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** A push parser: `write()` each chunk as it arrives, then `end()`. */
export class ListScanner {
  private readonly needles: Buffer[];
  private depth = 0;
  private inString = false;
  private escape = false;
  /** At depth 1, the next string is a key. */
  private expectKey = false;
  private key: Buffer[] | undefined;
  private currentKey: string | undefined;
  /** Inside `data`'s array (its elements are at depth 2). */
  private inData = false;
  private sawData = false;
  /** The element being read: its parts across chunks. */
  private element: Buffer[] | undefined;
  private elementStart = -1;
  /** A top-level value other than data being read. */
  private top: Buffer[] | undefined;
  private topStart = -1;
  private topBytes = 0;
  private readonly result: ListScanResult = { matches: [], envelope: {}, seen: 0, bytes: 0 };

  constructor(
    needles: readonly string[],
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.needles = [...new Set(needles)].filter((n) => n.length > 0).map((n) => Buffer.from(n, 'utf8'));
  }

  write(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.result.bytes += buf.length;
    if (this.result.bytes > this.maxBytes) throw new ListScanTooLargeError(this.maxBytes);
    if (this.element) this.elementStart = 0;
    if (this.top) this.topStart = 0;
    const keyStart = this.key ? 0 : -1;
    let keyFrom = keyStart;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.key) {
            this.key.push(buf.subarray(keyFrom, i));
            this.currentKey = Buffer.concat(this.key).toString('utf8');
            this.key = undefined;
            keyFrom = -1;
          }
        }
        continue;
      }
      switch (b) {
        case QUOTE:
          if (this.depth === 2 && this.inData) throw new ListScanError('an element of data is not an object');
          this.inString = true;
          if (this.depth === 1 && this.expectKey) {
            this.key = [];
            keyFrom = i + 1;
          } else this.startTopValue(buf, i);
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (this.depth === 0) {
            if (b !== OPEN_OBJECT) throw new ListScanError('the reply is not a JSON object');
            this.expectKey = true;
          } else if (this.depth === 1) {
            if (this.currentKey === 'data') {
              if (b !== OPEN_ARRAY) throw new ListScanError('data is not an array');
              this.inData = true;
              this.sawData = true;
            } else this.startTopValue(buf, i);
          } else if (this.depth === 2 && this.inData) {
            if (b !== OPEN_OBJECT) throw new ListScanError('an element of data is not an object');
            this.element = [];
            this.elementStart = i;
          }
          this.depth++;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.depth--;
          if (this.depth === 2 && this.element) this.finishElement(buf, i + 1);
          else if (this.depth === 1 && this.inData && b === CLOSE_ARRAY) this.inData = false;
          else if (this.depth === 0) this.finishTopValue(buf, i);
          if (this.depth < 0) throw new ListScanError('unbalanced JSON');
          break;
        case COLON:
          if (this.depth === 1) this.expectKey = false;
          break;
        case COMMA:
          if (this.depth === 1) {
            this.finishTopValue(buf, i);
            this.expectKey = true;
            this.currentKey = undefined;
          }
          break;
        default:
          if (this.depth === 2 && this.inData && !isSpace(b)) throw new ListScanError('an element of data is not an object');
          if (this.depth === 1 && !this.expectKey && !isSpace(b)) this.startTopValue(buf, i);
      }
    }
    // Carry the unfinished parts over to the next chunk.
    if (this.key && keyFrom >= 0) this.key.push(Buffer.from(buf.subarray(keyFrom)));
    if (this.element && this.elementStart >= 0) this.element.push(Buffer.from(buf.subarray(this.elementStart)));
    if (this.top && this.topStart >= 0) this.keepTop(buf.subarray(this.topStart));
  }

  end(): ListScanResult {
    if (this.depth !== 0 || this.inString) throw new ListScanError('the reply ended inside its JSON');
    if (!this.sawData) throw new ListScanError('the reply has no data array');
    return this.result;
  }

  /** A top-level value (not data) starts at `i`, at depth 1: keep its bytes to parse at its end. */
  private startTopValue(buf: Buffer, i: number): void {
    if (this.depth !== 1 || this.top || this.currentKey === undefined || this.currentKey === 'data') return;
    this.top = [];
    this.topStart = i;
    this.topBytes = 0;
  }

  private keepTop(part: Buffer): void {
    this.topBytes += part.length;
    if (this.topBytes > MAX_TOP_VALUE_BYTES) throw new ListScanError(`the reply's ${this.currentKey} field is over ${MAX_TOP_VALUE_BYTES} bytes`);
    this.top!.push(Buffer.from(part));
  }

  /** The top-level value ends before `end` (a comma or the closing brace at depth 1). */
  private finishTopValue(buf: Buffer, end: number): void {
    if (!this.top || this.currentKey === undefined) return;
    if (this.topStart >= 0) this.keepTop(buf.subarray(this.topStart, end));
    const text = Buffer.concat(this.top).toString('utf8').trim();
    this.top = undefined;
    this.topStart = -1;
    try {
      this.result.envelope[this.currentKey] = JSON.parse(text) as unknown;
    } catch {
      throw new ListScanError(`the reply's ${this.currentKey} field is not JSON`);
    }
  }

  private finishElement(buf: Buffer, end: number): void {
    const parts = this.element!;
    parts.push(buf.subarray(Math.max(0, this.elementStart), end));
    this.element = undefined;
    this.elementStart = -1;
    this.result.seen++;
    if (this.needles.length === 0) return;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (!this.needles.some((n) => bytes.includes(n))) return;
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ListScanError('an element of data is not an object');
    this.result.matches.push(value as Record<string, unknown>);
  }
}

/** Scans a whole reply body stream. */
export async function scanListStream(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  needles: readonly string[],
  maxBytes?: number,
): Promise<ListScanResult> {
  const scanner = new ListScanner(needles, maxBytes);
  for await (const chunk of body as AsyncIterable<Uint8Array>) scanner.write(chunk);
  return scanner.end();
}
