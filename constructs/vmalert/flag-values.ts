/**
 * What the pinned vmalert's flag parser does with the values we put on its command line: Go's flag package for the
 * `-name=value` form, VictoriaMetrics' lib/flagutil for repeatable (array) flags, lib/httpserver for the path
 * prefix. No cdk8s here.
 */

/**
 * Characters that make lib/flagutil's ArrayString split or unquote a value: it splits on "," outside quotes and
 * brackets, and strips one level of '"' or "'" quoting.
 */
const ARRAY_SPECIAL = /[,"'[\]{}()\\]/;
/** `$(VAR)`: expanded by the kubelet before vmalert reads the value, so its parentheses never reach vmalert. */
const KUBELET_REFERENCE = /\$\([A-Za-z_][A-Za-z0-9_]*\)/g;

/**
 * One item of a repeatable vmalert flag (`-external.label`, `-notifier.url`), written so that ArrayString reads it
 * back as exactly one item: unchanged when it has no special character, else double-quoted with Go escapes
 * (ArrayString unquotes a value wrapped in '"' with strconv.Unquote). Without this, `env=a,b` is read as the two
 * items `env=a` and `b`, and vmalert exits with "missing '=' in `-label`".
 */
export function arrayFlagItem(item: string): string {
  if (!ARRAY_SPECIAL.test(item.replace(KUBELET_REFERENCE, ''))) return item;
  // JSON string escapes are a subset of Go's (\" \\ \n \t \uXXXX ...), so strconv.Unquote reads them back.
  return JSON.stringify(item);
}

/**
 * Flags after which vmalert does not run as an alerting service: the pod exits (0 or not) and restarts forever.
 * Value: what happens.
 */
export const STOPPING_FLAGS: Readonly<Record<string, string>> = {
  'dryRun': 'vmalert only checks the rule files and exits 0: the pod restarts forever (run `vmalert -dryRun` in CI instead)',
  'version': 'vmalert prints its version and exits 0: the pod restarts forever',
  'help': 'vmalert prints its flags and exits: the pod restarts forever',
  'h': 'vmalert prints its flags and exits: the pod restarts forever',
  'replay.timeFrom': 'vmalert replays the rules over a past range and exits (replay mode): run replays as a Job, not in this Deployment',
  'replay.timeTo': 'vmalert replays the rules over a past range and exits (replay mode): run replays as a Job, not in this Deployment',
};

/** `-name=value` or `-name` (a boolean), the name as Go's flag package accepts it on one argument. */
const FLAG_FORM = /^--?([A-Za-z0-9][A-Za-z0-9._-]*)(=[^]*)?$/;

/**
 * Problems with the form of user-supplied vmalert arguments, before their names are looked up: each must be one
 * `-name=value` argument (Go reads `-rule.resendDelay 1m` as a flag named "rule.resendDelay 1m"), hold no control
 * character, and not stop the process.
 */
export function extraArgFormProblems(extraArgs: readonly string[]): string[] {
  const problems: string[] = [];
  for (const arg of extraArgs) {
    const control = /[\u0000-\u001f\u007f]/.exec(arg);
    const form = FLAG_FORM.exec(arg);
    if (control) {
      problems.push(`${JSON.stringify(arg)} contains a control character (U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}): remove it`);
    } else if (!form) {
      const spaced = /^(--?[A-Za-z0-9._-]+)\s+(.*)$/.exec(arg);
      problems.push(spaced
        ? `${JSON.stringify(arg)} has a space where "=" belongs: vmalert would read a flag named ${JSON.stringify(arg.replace(/^--?/, ''))} and exit; write "${spaced[1]}=${spaced[2]}"`
        : `${JSON.stringify(arg)} is not a flag: write each flag with its value as one argument, e.g. "-rule.resendDelay=1m"`);
    } else if (STOPPING_FLAGS[form[1]] && form[2] !== '=false') {
      problems.push(`-${form[1]}: ${STOPPING_FLAGS[form[1]]}; remove it from extraArgs`);
    }
  }
  return problems;
}

/**
 * The path prefix `-http.pathPrefix` in `extraArgs` puts before every vmalert path, normalized as lib/httpserver
 * does ("vmalert/" -> "/vmalert"); "" when there is none. Probes and the external URL must follow it: vmalert
 * answers 400 on /health and /-/ready once a prefix is set (measured with the pinned vmalert).
 */
export function vmalertPathPrefix(extraArgs: readonly string[]): string {
  const arg = [...extraArgs].reverse().find(a => /^--?http\.pathPrefix=/.test(a));
  const value = arg ? arg.slice(arg.indexOf('=') + 1) : '';
  if (value === '') return '';
  return `/${value.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '');
}
