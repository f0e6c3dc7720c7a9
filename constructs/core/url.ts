/** URLs that end up on a command line (vmalert and Alertmanager flags). No cdk8s here. */

/** Control characters and whitespace, which no URL on a command line should hold. */
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

/**
 * Why `value` is not an http(s) URL vmalert can use, or undefined. WHATWG URL parsing silently drops a TAB or
 * newline, but vmalert (Go's net/url) keeps or refuses it, and every request then fails.
 */
export function urlProblem(value: string): string | undefined {
  const bad = CONTROL_OR_SPACE.exec(value);
  if (bad) {
    return `contains ${bad[0] === ' ' ? 'a space' : `the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`} `
      + `at position ${bad.index}: remove it (percent-encode it as %${bad[0].charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()} if it is really meant)`;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) return 'is not an http(s) URL';
  return undefined;
}
