/** Regular-expression helpers. No cdk8s here. */

/** Whether a text compiles as a regular expression. */
export function isRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** A regular expression that matches exactly `text` (RE2 and JavaScript agree on these escapes). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
