/**
 * The refused alertmanager.yml fixtures are refused by the pinned amtool as well (so synth refusing them stops a
 * crash loop, not a working config), and the accepted one, synthesized, passes amtool check-config.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AlertmanagerConfig } from '../../constructs';
import { planAlertmanager } from '../../constructs/alertmanager/plan';
import { binary, run } from '../../testkit/binaries';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();
const REFUSED = path.join(__dirname, '..', 'fixtures', 'alertmanager-refused');
const ACCEPTED = path.join(__dirname, '..', 'fixtures', 'alertmanager-accepted', 'chat-settings-from-global-files.yml');

/** What the pinned amtool says for each refused fixture. */
const AMTOOL_SAYS: Record<string, string> = {
  'slack-without-url-or-token.yml': 'no Slack API URL nor App token set',
  'opsgenie-without-api-key.yml': 'no global OpsGenie API Key set',
  'telegram-without-bot-token.yml': 'missing bot_token or bot_token_file on telegram_config',
  'wechat-without-api-secret.yml': 'no global Wechat Api Secret set',
  'mattermost-without-webhook-url.yml': 'missing webhook_url or webhook_url_file on mattermost_config',
  'route-match-re-without-regex.yml': 'invalid regexp value for "service"',
  'inhibit-source-match-re-without-regex.yml': 'invalid regexp value for "alertname"',
  'inhibit-target-match-re-without-regex.yml': 'invalid regexp value for "severity"',
};

test('every refused fixture has its amtool verdict here', () => {
  expect(fs.readdirSync(REFUSED).sort()).toEqual(Object.keys(AMTOOL_SAYS).sort());
});

test.each(Object.entries(AMTOOL_SAYS))('amtool check-config refuses %s', (name, says) => {
  // GIVEN a fixture synth refuses
  // WHEN the pinned amtool checks it
  const result = run(binary('amtool'), ['check-config', path.join(REFUSED, name)]);
  // THEN it fails with the reason synth gives
  expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 1, output: expect.stringContaining(says) });
});

test('amtool check-config accepts the synthesized config whose settings come from global Secret files', () => {
  // GIVEN the alertmanager.yml synthesized from the accepted fixture
  const file = path.join(tempDir('am-accepted-'), 'alertmanager.yml');
  fs.writeFileSync(file, planAlertmanager('am', { config: AlertmanagerConfig.fromFile(ACCEPTED), replicas: 1 }).configText);
  // WHEN the pinned amtool checks it
  const result = run(binary('amtool'), ['check-config', file]);
  // THEN it passes
  expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
});
