/**
 * What the benchmarks produce: table rows (goal, value, met), raw figures per section, side
 * tables (the consumers side by side, the sweep at two sizes, the bundles' dependencies), how
 * each section is measured and why a goal is not met. `bench/results.json` holds all of it, and
 * docs/performance.md is rendered from it (bench/readme.ts).
 */
import { cpus, loadavg } from 'node:os';

export interface Row {
  section: string;
  metric: string;
  /** Empty for a figure that only explains the row above it. */
  goal: string;
  value: string;
  /** undefined: no goal, a figure reported for comparison. */
  met?: boolean;
  /** Why the goal is not met (the "Goals not met" list of docs/performance.md). */
  why?: string;
}

/** A small table: a header and rows of cells, rendered as Markdown. */
export interface SideTable {
  /** The page's heading the table goes under (tables of one benchmark share one). */
  section?: string;
  title: string;
  header: string[];
  rows: string[][];
  /** Sentences under the table. */
  notes?: string[];
}

export interface Results {
  scale: number;
  /** Every section at scale 1: only such a run is written to bench/results.json and docs/performance.md. */
  full: boolean;
  node: string;
  cpus: number;
  at: string;
  /** 1-minute load average when the run started and ended (the machine is shared). */
  load: { start: number; end: number; max: number };
  durationSeconds: number;
  warnings: string[];
  table: Row[];
  tables: SideTable[];
  /** How each section is measured, in the order they ran. */
  how: Record<string, string[]>;
  /** Raw figures per section. */
  sections: Record<string, unknown>;
}

export class Bench {
  readonly rows: Row[] = [];
  readonly tables: SideTable[] = [];
  readonly how: Record<string, string[]> = {};
  readonly sections: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  private loadMax = loadavg()[0]!;
  private readonly loadStart = loadavg()[0]!;
  private readonly started = Date.now();
  private readonly sampler = setInterval(() => (this.loadMax = Math.max(this.loadMax, loadavg()[0]!)), 5_000).unref();

  constructor(
    /** 1 is full scale; sizes are multiplied by it. */
    readonly scale: number,
    /** Scratch directory for bundles and children (git-ignored). */
    readonly outDir: string,
  ) {}

  row(r: Row): void {
    this.rows.push(r);
  }

  table(t: SideTable): void {
    this.tables.push(t);
  }

  /** How a section is measured: one or more sentences, each a bullet of docs/performance.md. */
  describe(section: string, ...sentences: string[]): void {
    (this.how[section] ??= []).push(...sentences);
  }

  record(section: string, value: unknown): void {
    this.sections[section] = value;
  }

  /** A size below which a comparison means nothing at this scale. */
  warn(text: string): void {
    this.warnings.push(text);
    this.log(`warning: ${text}`);
  }

  log(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /** `n × scale`, rounded, never below `min`. */
  scaled(n: number, min: number): number {
    return Math.max(min, Math.round(n * this.scale));
  }

  results(full: boolean): Results {
    clearInterval(this.sampler);
    return {
      scale: this.scale,
      full,
      node: process.version,
      cpus: cpus().length,
      at: new Date().toISOString(),
      load: { start: round2(this.loadStart), end: round2(loadavg()[0]!), max: round2(Math.max(this.loadMax, loadavg()[0]!)) },
      durationSeconds: Math.round((Date.now() - this.started) / 1000),
      warnings: this.warnings,
      table: this.rows,
      tables: this.tables,
      how: this.how,
      sections: this.sections,
    };
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A Markdown table with padded columns, readable as plain text too. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function mainTable(rows: Row[]): string {
  return markdownTable(
    ['section', 'metric', 'goal', 'value', 'met'],
    rows.map((r) => [r.section, r.metric, r.goal, r.value, r.met === undefined ? '' : r.met ? 'yes' : 'NO']),
  );
}
