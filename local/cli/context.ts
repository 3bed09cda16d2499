import type { HelpTopic } from './help.js';
import type { Target } from './target.js';

/** What a CLI command gets: its output, its help, and the target, resolved on first use. */
export interface CliContext {
  out(line?: string): void;
  help(topic: HelpTopic): number;
  target(): Target;
}
