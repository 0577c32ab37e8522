// Free text written into an event's status (its message, each step's message, each condition's
// message) is capped by the schema at 1024 characters, and the API server refuses the whole
// status write (422) for one character more: a long reason, say a drain refused for a few dozen
// pods, would then never be recorded at all. Every such text goes through `fitMessage`.
export const MESSAGE_MAX_LENGTH = 1024;

/** `text` if it fits, else its beginning and how much was left out, `max` characters in all. */
export function fitMessage(text: string, max = MESSAGE_MAX_LENGTH): string {
  // Counted in code points, as the API server counts characters, so no pair is cut in two.
  const chars = [...text];
  if (chars.length <= max) return text;
  const tail = (cut: number) => ` … (${cut} more characters)`;
  let keep = max;
  while (keep > 0 && keep + tail(chars.length - keep).length > max) keep--;
  return `${chars.slice(0, keep).join('')}${tail(chars.length - keep)}`;
}
