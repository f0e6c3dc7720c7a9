/** Typed rule groups that use every camelCase rule field, and the rule file RulesConfigMap writes for them. */
import { RuleGroup } from '../../constructs';

export const CAMEL_CASE_GROUPS: RuleGroup[] = [{
  name: 'storage', interval: '1h', evalOffset: '5m', evalAlignment: false, notifierHeaders: ['X-Team: storage'],
  rules: [
    { alert: 'DiskFull', expr: 'disk_free == 0', for: '10m', keepFiringFor: '15m', updateEntriesLimit: 40 },
    { record: 'job:up:sum', expr: 'sum(up) by (job)', updateEntriesLimit: 5 },
  ],
}, {
  name: 'late', evalDelay: '30s', rules: [{ alert: 'Late', expr: 'up == 0' }],
}];

/** CAMEL_CASE_GROUPS as the rule file holds them: vmalert's snake_case keys, the same values. */
export const CAMEL_CASE_GROUPS_IN_FILE = {
  groups: [{
    name: 'storage', interval: '1h', eval_offset: '5m', eval_alignment: false, notifier_headers: ['X-Team: storage'],
    rules: [
      { alert: 'DiskFull', expr: 'disk_free == 0', for: '10m', keep_firing_for: '15m', update_entries_limit: 40 },
      { record: 'job:up:sum', expr: 'sum(up) by (job)', update_entries_limit: 5 },
    ],
  }, {
    name: 'late', eval_delay: '30s', rules: [{ alert: 'Late', expr: 'up == 0' }],
  }],
};
