/**
 * Kore's text limits (docs/kore-api.md, "Limits"): a list name is at most 48 characters and a
 * description at most 256. One set of rules, used by the message schema (a command is refused
 * before any call) and by the client (an argument is refused before it is sent).
 *
 * Kore does not say how it counts characters. We count UTF-16 code units (JavaScript's
 * `length`), the stricter of the two readings: an emoji counts 2. Whatever Kore counts, a name we
 * accept is one Kore accepts; a name Kore might have taken with one emoji too many is refused
 * here with a clear reason instead of by Kore.
 */

export const NAME_MAX = 48;
export const DESCRIPTION_MAX = 256;

export function textLength(s: string): number {
  return s.length;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a list name is not acceptable to Kore, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.trim().length === 0) return 'name must not be empty';
  if (textLength(name) > NAME_MAX) return `name is ${textLength(name)} characters (UTF-16 units); Kore allows at most ${NAME_MAX}`;
  if (CONTROL.test(name)) return 'name must not contain control characters';
  return undefined;
}

/** Why a list description is not acceptable to Kore, or undefined when it is. */
export function descriptionProblem(description: string): string | undefined {
  if (textLength(description) > DESCRIPTION_MAX) {
    return `description is ${textLength(description)} characters (UTF-16 units); Kore allows at most ${DESCRIPTION_MAX}`;
  }
  return undefined;
}

/**
 * Cuts `s` to at most `max` UTF-16 units, ending with "…" when cut, never splitting a surrogate
 * pair (a lone half would be an invalid string in Kore's JSON).
 */
export function truncateText(s: string, max: number): string {
  if (textLength(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}
