/**
 * Flags that people pass to vmalert although they belong to another component, with the fix to give them.
 * Keyed by flag name; the value completes "... belongs on ...".
 */
export const MISPLACED_VMALERT_FLAGS: Readonly<Record<string, string>> = {
  'dedup.minScrapeInterval': 'vmselect and vmstorage',
  'search.maxStalenessInterval': 'vmselect',
  'retentionPeriod': 'vmstorage',
};
