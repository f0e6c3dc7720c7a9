/**
 * A command line as a table: each flag the construct writes, the prop that sets it, and its values for an input.
 * The arguments and the set of flags `extraArgs` may not repeat both come from the one table, so they cannot
 * drift apart. No cdk8s here.
 */

/** One flag a construct writes. */
export interface TableFlag<I> {
  /** The flag name without dashes, e.g. "datasource.url". */
  readonly name: string;
  /** The prop that sets it, named in the error when `extraArgs` repeats it; "(...)" when no prop does. */
  readonly prop: string;
  /** Its values for an input, one argument each; none when it is not written for this input. */
  readonly values: (input: I) => readonly string[];
}

/** The arguments of a table for an input, in table order: `<dashes><name>=<value>`. */
export function tableArgs<I>(table: readonly TableFlag<I>[], input: I, dashes: '-' | '--'): string[] {
  return table.flatMap(flag => flag.values(input).map(value => `${dashes}${flag.name}=${value}`));
}

/** Flag name -> the prop that sets it, for every flag of a table. */
export function tableProps<I>(table: readonly TableFlag<I>[]): Readonly<Record<string, string>> {
  return Object.fromEntries(table.map(flag => [flag.name, flag.prop]));
}

/** `[value]` when it is set and not empty, else no value. */
export function ifSet(value: string | undefined): string[] {
  return value ? [value] : [];
}
