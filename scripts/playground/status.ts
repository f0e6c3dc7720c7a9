/**
 * The playground's live status: pods up, alerts pending and firing, emails received. On a terminal it is
 * redrawn in place; otherwise a plain line is printed whenever it changes.
 */

/** What the status shows. */
export interface StatusSnapshot {
  readonly podsUp: number;
  readonly podsTotal: number;
  readonly pending: readonly string[];
  readonly firing: readonly string[];
  readonly emails: number;
  readonly lastSubject?: string;
}

/** The status as lines (no colours: they must read the same in a log). */
export function statusLines(s: StatusSnapshot): string[] {
  const list = (names: readonly string[]) => (names.length === 0 ? '' : `: ${[...new Set(names)].sort().join(', ')}`);
  return [
    `pods up: ${s.podsUp}/${s.podsTotal}`,
    `alerts pending: ${s.pending.length}${list(s.pending)}`,
    `alerts firing: ${s.firing.length}${list(s.firing)}`,
    `emails received: ${s.emails}${s.lastSubject ? ` (last: ${s.lastSubject})` : ''}`,
  ];
}

/** Writes the status: in place on a TTY (cursor up, clear lines), as one line per change elsewhere. */
export class StatusWriter {
  private drawn = 0;
  private lastPlain = '';

  constructor(private readonly out: NodeJS.WriteStream) {}

  public get interactive(): boolean {
    return this.out.isTTY === true;
  }

  public write(snapshot: StatusSnapshot): void {
    const lines = statusLines(snapshot);
    if (!this.interactive) {
      const plain = lines.join(' | ');
      if (plain !== this.lastPlain) this.out.write(`status: ${plain}\n`);
      this.lastPlain = plain;
      return;
    }
    // A pseudo-terminal without a window size reports 0 columns.
    const width = Math.max(20, (this.out.columns || 100) - 1);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(up + lines.map((l) => `\x1b[2K${l.slice(0, width)}\n`).join(''));
    this.drawn = lines.length;
  }

  /** Print a message above the status (the status is drawn again on the next write). */
  public message(text: string): void {
    if (this.interactive && this.drawn > 0) {
      this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
      this.drawn = 0;
    }
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
