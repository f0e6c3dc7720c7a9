/** Whether a text compiles as a regular expression. No cdk8s here. */
export function isRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}
