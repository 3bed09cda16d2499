import type { HelpTopic } from './help.js';
import type { Need, Target, TargetFlags } from './target.js';

/** What a CLI command gets: its output, its help, and the target, resolved on first use with what the command needs. */
export interface CliContext {
  out(line?: string): void;
  help(topic: HelpTopic): number;
  /** --stage / --region as given (cli.ts takes them off every command line). */
  flags: TargetFlags;
  target(needs?: readonly Need[]): Promise<Target>;
}
