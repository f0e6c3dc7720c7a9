/**
 * alertmanager.yml files the pinned Alertmanager refuses at load (amtool check-config says so too, in
 * real-binaries/alertmanager-refused-files.test.ts): each must stop synth with a message naming the file, the place
 * inside it and the fix, instead of crash-looping the first new Alertmanager pod.
 */
import * as path from 'path';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, AlertmanagerConfig, AlertmanagerConfigFile } from '../constructs';
import { planAlertmanager } from '../constructs/alertmanager/plan';

const REFUSED = path.join(__dirname, 'fixtures', 'alertmanager-refused');
const ACCEPTED = path.join(__dirname, 'fixtures', 'alertmanager-accepted');

/** Each refused fixture with the part of the message that names the place and what is missing. */
const EXPECTED: Record<string, string> = {
  'slack-without-url-or-token.yml': 'receivers[0].slack_configs[0]: no api_url or app_token here nor in global',
  'opsgenie-without-api-key.yml': 'receivers[0].opsgenie_configs[0]: no api_key here nor in global',
  'telegram-without-bot-token.yml': 'receivers[0].telegram_configs[0]: no bot_token here nor in global',
  'wechat-without-api-secret.yml': 'receivers[0].wechat_configs[0]: no api_secret here nor in global',
  'mattermost-without-webhook-url.yml': 'receivers[0].mattermost_configs[0]: no webhook_url here nor in global',
  'route-match-re-without-regex.yml': 'route.routes[0].match_re.service: no regex',
  'inhibit-source-match-re-without-regex.yml': 'inhibit_rules[0].source_match_re.alertname: no regex',
  'inhibit-target-match-re-without-regex.yml': 'inhibit_rules[0].target_match_re.severity: no regex',
};

function synthError(file: string): string {
  try {
    new AlertmanagerCluster(Testing.chart(), 'am', { config: AlertmanagerConfig.fromFile(file) });
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

test.each(Object.entries(EXPECTED))('%s is refused at synth, naming the file and the place', (name, expected) => {
  // GIVEN an alertmanager.yml the pinned Alertmanager refuses
  const file = path.join(REFUSED, name);
  // WHEN an AlertmanagerCluster is built from it
  const message = synthError(file);
  // THEN synth stops with the file, the place and what is missing
  expect(message).toContain(file);
  expect(message).toContain(expected);
});

test('a missing setting names the *_file fields to set, here or in global', () => {
  // GIVEN a Telegram receiver without a bot token
  const message = synthError(path.join(REFUSED, 'telegram-without-bot-token.yml'));
  // THEN the fix says which fields, pointing at a mounted Secret
  expect(message).toContain('set bot_token_file or global telegram_bot_token_file');
  expect(message).toContain('bot_token_file: /etc/alertmanager/secrets/<secret>/<key>');
});

test('a match_re regex that does not compile is refused like a matcher that does not', () => {
  // GIVEN a route and an inhibit rule with an unbalanced parenthesis in match_re
  const document = {
    route: { receiver: 'd', routes: [{ receiver: 'd', match_re: { service: 'api|(web' } }] },
    receivers: [{ name: 'd' }],
    inhibit_rules: [{ source_match_re: { alertname: '(x' }, target_match: { severity: 'warning' } }],
  };
  // WHEN it is planned
  let message = '';
  try {
    planAlertmanager('am', { config: new AlertmanagerConfigFile('inline.yml', document), replicas: 1 });
  } catch (error) {
    message = (error as Error).message;
  }
  // THEN both regexes are named
  expect(message).toContain('route.routes[0].match_re.service: "api|(web": the regex does not compile');
  expect(message).toContain('inhibit_rules[0].source_match_re.alertname: "(x": the regex does not compile');
});

test('settings given in global (as mounted Secret files) satisfy every receiver that needs them', () => {
  // GIVEN Slack and Telegram receivers whose URL and token come from global *_file fields
  const file = path.join(ACCEPTED, 'chat-settings-from-global-files.yml');
  // WHEN the cluster is planned
  const plan = planAlertmanager('am', { config: AlertmanagerConfig.fromFile(file), replicas: 1 });
  // THEN both Secret keys are mounted and the match_re regexes are kept
  expect(plan.secretRefs).toEqual([
    { secretName: 'chat-credentials', key: 'slack-url' },
    { secretName: 'chat-credentials', key: 'telegram-token' },
  ]);
  expect(plan.configText).toContain("service: api|web");
});
