import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AlertmanagerCluster, AlertmanagerConfig } from '../constructs';
import { referencedSecrets, renderAlertmanagerConfig } from '../constructs/alertmanager/config/alertmanager-config';
import { findInlineSecrets } from '../constructs/alertmanager/config/secrets';
import { EMAIL_CONFIG, Manifest, only, synth } from './support/synth';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();
function tempFile(text: string): string {
  const file = path.join(tempDir('am-secrets-'), 'alertmanager.yml');
  fs.writeFileSync(file, text);
  return file;
}

const ref = (secretName: string, key: string) => ({ secretName, key });

describe('findInlineSecrets: by key, not by value type', () => {
  test.each([
    ['global:\n  smtp_auth_password: 73317331\n', 'global.smtp_auth_password', 'smtp_auth_password_file'],
    ['global:\n  slack_api_url: https://hooks.slack.com/services/T0/B0/x\n', 'global.slack_api_url', 'slack_api_url_file'],
    ['receivers:\n- name: pd\n  pagerduty_configs:\n  - routing_key: 0123abcd\n', 'receivers[0].pagerduty_configs[0].routing_key', 'routing_key_file'],
    ['receivers:\n- name: s\n  slack_configs:\n  - api_url: https://hooks.slack.com/services/T0/B0/x\n', 'receivers[0].slack_configs[0].api_url', 'api_url_file'],
    ['receivers:\n- name: w\n  webhook_configs:\n  - url: https://hook.example.com/?token=x\n', 'receivers[0].webhook_configs[0].url', 'url_file'],
    ['receivers:\n- name: w\n  webhook_configs:\n  - url_file: /etc/alertmanager/secrets/h/url\n    http_config:\n      authorization:\n        credentials: 12345\n',
      'receivers[0].webhook_configs[0].http_config.authorization.credentials', 'credentials_file'],
    ['receivers:\n- name: t\n  telegram_configs:\n  - bot_token: "123:abc"\n    chat_id: 1\n', 'receivers[0].telegram_configs[0].bot_token', 'bot_token_file'],
    ['receivers:\n- name: m\n  msteamsv2_configs:\n  - webhook_url: https://example.webhook.office.com/x\n', 'receivers[0].msteamsv2_configs[0].webhook_url', 'webhook_url_file'],
    ['receivers:\n- name: w\n  webhook_configs:\n  - url_file: /etc/alertmanager/secrets/h/url\n    http_config:\n      tls_config:\n        key: "-----BEGIN"\n',
      'receivers[0].webhook_configs[0].http_config.tls_config.key', 'key_file'],
    ['receivers:\n- name: w\n  webhook_configs:\n  - url_file: /etc/alertmanager/secrets/h/url\n    http_config:\n      http_headers:\n        X-Token:\n          secrets: [abc]\n',
      'receivers[0].webhook_configs[0].http_config.http_headers.X-Token.secrets', 'files'],
  ])('%s', (text, at, fileKey) => {
    expect(findInlineSecrets(yaml.load(text))).toEqual([expect.objectContaining({ at, fileKey })]);
  });

  test('non-secret fields with secret-looking neighbours pass: PagerDuty url, Slack action url, file fields', () => {
    const document = yaml.load([
      'receivers:',
      '- name: x',
      '  pagerduty_configs: [{ routing_key_file: /etc/alertmanager/secrets/pd/key, url: https://events.pagerduty.com/v2/enqueue }]',
      '  slack_configs: [{ api_url_file: /etc/alertmanager/secrets/s/url, actions: [{ type: button, text: runbook, url: https://runbooks/x }] }]',
    ].join('\n'));
    expect(findInlineSecrets(document)).toEqual([]);
  });
});

describe('typed receivers take only Secret references', () => {
  const receivers = [{
    name: 'all',
    webhookConfigs: [{ url: ref('hook', 'url'), httpConfig: { bearerToken: ref('hook', 'token'), caCert: ref('hook-ca', 'ca.crt') } }],
    slackConfigs: [{ apiUrl: ref('slack', 'url'), channel: '#alerts' }],
    pagerdutyConfigs: [{ routingKey: ref('pagerduty', 'routing-key'), severity: 'critical' }],
    msteamsConfigs: [{ webhookUrl: ref('teams', 'url') }],
    telegramConfigs: [{ botToken: ref('telegram', 'token'), chatId: -1001234 }],
  }];
  const config: AlertmanagerConfig = { route: { receiver: 'all' }, receivers };

  test('each renders the file form of the pinned Alertmanager', () => {
    // WHEN
    const document = yaml.load(renderAlertmanagerConfig(config)) as any;
    // THEN
    expect(document.receivers[0]).toEqual({
      name: 'all',
      webhook_configs: [{
        url_file: '/etc/alertmanager/secrets/hook/url',
        send_resolved: true,
        http_config: {
          authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/secrets/hook/token' },
          tls_config: { ca_file: '/etc/alertmanager/secrets/hook-ca/ca.crt' },
        },
      }],
      slack_configs: [{ api_url_file: '/etc/alertmanager/secrets/slack/url', channel: '#alerts', send_resolved: true }],
      pagerduty_configs: [{ routing_key_file: '/etc/alertmanager/secrets/pagerduty/routing-key', severity: 'critical', send_resolved: true }],
      msteamsv2_configs: [{ webhook_url_file: '/etc/alertmanager/secrets/teams/url', send_resolved: true }],
      telegram_configs: [{ bot_token_file: '/etc/alertmanager/secrets/telegram/token', chat_id: -1001234, send_resolved: true }],
    });
  });

  test('the cluster mounts every referenced Secret, whole, and copies none', () => {
    // GIVEN / WHEN
    const chart = Testing.chart();
    new AlertmanagerCluster(chart, 'am', { config, namespace: 'monitoring' });
    const objects = synth(chart);
    // THEN
    const pod = only(objects, 'StatefulSet').spec.template.spec;
    const mounted = pod.volumes.filter((v: Manifest) => v.secret && v.name !== 'config').map((v: Manifest) => v.secret.secretName).sort();
    expect(mounted).toEqual(['hook', 'hook-ca', 'pagerduty', 'slack', 'teams', 'telegram']);
    expect(pod.containers[0].volumeMounts.filter((m: Manifest) => m.subPath !== undefined)).toEqual([]);
    expect(objects.filter(o => o.kind === 'Secret').map(o => o.metadata.name)).toHaveLength(1);
  });

  test.each([
    [{ webhookConfigs: [{ url: 'https://hook/?token=x' }] }, 'receivers[0].webhookConfigs[0].url is an inline secret'],
    [{ slackConfigs: [{ apiUrl: 'https://hooks.slack.com/x' }] }, 'receivers[0].slackConfigs[0].apiUrl is an inline secret'],
    [{ pagerdutyConfigs: [{ routingKey: 12345 }] }, 'receivers[0].pagerdutyConfigs[0].routingKey is an inline secret'],
    [{ telegramConfigs: [{ botToken: ref('t', 'k'), chatId: '@chan' }] }, 'receivers[0].telegramConfigs[0].chatId must be the numeric chat ID'],
    [{ webhookConfigs: [{ url: ref('h', 'u'), httpConfig: { bearerToken: ref('h', 't'), basicAuth: { username: 'u', password: ref('h', 'p') } } }] },
      'receivers[0].webhookConfigs[0].httpConfig: basicAuth and bearerToken are both set'],
  ])('%j is refused', (receiver, message) => {
    expect(() => renderAlertmanagerConfig({ route: { receiver: 'r' }, receivers: [{ name: 'r', ...receiver } as never] }))
      .toThrow(`AlertmanagerCluster: config.${message}`);
  });
});

describe('AlertmanagerConfig.fromFile: same check, says which key to move into which Secret', () => {
  test('every inline secret is listed with the file field to write instead', () => {
    // GIVEN a file with a numeric SMTP password, a PagerDuty routing key and a Slack URL inline
    const file = tempFile([
      'global: { smtp_smarthost: "smtp:25", smtp_from: a@b, smtp_auth_password: 73317331 }',
      'route: { receiver: team }',
      'receivers:',
      '- name: team',
      '  pagerduty_configs: [{ routing_key: abc }]',
      '  slack_configs: [{ api_url: "https://hooks.slack.com/services/x" }]',
    ].join('\n'));
    // WHEN / THEN
    let message = '';
    try {
      renderAlertmanagerConfig(AlertmanagerConfig.fromFile(file));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`${file}: inline secret at global.smtp_auth_password, receivers[0].pagerduty_configs[0].routing_key, receivers[0].slack_configs[0].api_url`);
    expect(message).toContain('global.smtp_auth_password: move the value into a key of a Kubernetes Secret (e.g. Secret "alertmanager-receivers", key "smtp-auth-password") and write smtp_auth_password_file: /etc/alertmanager/secrets/alertmanager-receivers/smtp-auth-password');
    expect(message).toContain('receivers[0].pagerduty_configs[0].routing_key: move the value into a key of a Kubernetes Secret (e.g. Secret "alertmanager-receivers", key "routing-key") and write routing_key_file:');
    expect(message).not.toMatch(/73317331|hooks\.slack/);
  });

  test('file fields under /etc/alertmanager/secrets/<secret>/<key> name the Secrets to mount', () => {
    // GIVEN
    const file = tempFile([
      'route: { receiver: hook }',
      'receivers:',
      '- name: hook',
      '  webhook_configs:',
      '  - url_file: /etc/alertmanager/secrets/heartbeat/url',
      '    http_config: { authorization: { credentials_file: /etc/alertmanager/secrets/hook-auth/token } }',
    ].join('\n'));
    // WHEN
    const config = AlertmanagerConfig.fromFile(file);
    // THEN
    expect(referencedSecrets(config)).toEqual([ref('heartbeat', 'url'), ref('hook-auth', 'token')]);
  });

  test('a secret file field pointing elsewhere is refused: nothing would be mounted there', () => {
    const file = tempFile('route: { receiver: hook }\nreceivers:\n- name: hook\n  webhook_configs: [{ url_file: /run/secrets/url }]\n');
    expect(() => renderAlertmanagerConfig(AlertmanagerConfig.fromFile(file)))
      .toThrow('receivers[0].webhook_configs[0].url_file: "/run/secrets/url"');
  });

  test('a secret file in a Secret of extraMounts is accepted; in a ConfigMap of extraMounts it is refused', () => {
    // GIVEN a webhook whose client key is read from an extra mount
    const file = tempFile([
      'route: { receiver: hook }',
      'receivers:',
      '- name: hook',
      '  webhook_configs:',
      '  - url_file: /etc/alertmanager/secrets/hook/url',
      '    http_config: { tls_config: { cert_file: /etc/alertmanager/extra/hook-tls/tls.crt, key_file: /etc/alertmanager/extra/hook-tls/tls.key } }',
    ].join('\n'));
    const cluster = (extraMounts: Array<{ secretName?: string; configMapName?: string }>) => () =>
      new AlertmanagerCluster(Testing.chart(), 'am', { namespace: 'monitoring', config: AlertmanagerConfig.fromFile(file), extraMounts });
    // WHEN / THEN
    expect(cluster([{ secretName: 'hook-tls' }])).not.toThrow();
    expect(cluster([{ configMapName: 'hook-tls' }]))
      .toThrow('secret file fields point where no Secret is mounted: receivers[0].webhook_configs[0].http_config.tls_config.key_file');
  });
});

test('no planted secret value reaches the synthesized objects', () => {
  // GIVEN every typed door of the Alertmanager config, referring to Secrets by name only
  const chart = Testing.chart();
  new AlertmanagerCluster(chart, 'am', {
    namespace: 'monitoring',
    config: {
      ...EMAIL_CONFIG,
      receivers: [{ ...EMAIL_CONFIG.receivers[0], webhookConfigs: [{ url: ref('hook', 'url'), httpConfig: { bearerToken: ref('hook', 'token') } }] }],
    },
  });
  // WHEN
  const text = JSON.stringify(synth(chart));
  // THEN only file paths, never a credentials or url value field
  const document = yaml.load(only(synth(chart), 'Secret').stringData['alertmanager.yml']);
  expect(findInlineSecrets(document)).toEqual([]);
  expect(text).toContain('/etc/alertmanager/secrets/hook/token');
});
