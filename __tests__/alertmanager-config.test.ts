import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { AlertmanagerConfig, ConfigError } from '../constructs';
import { referencedSecrets, renderAlertmanagerConfig } from '../constructs/alertmanager/config/alertmanager-config';
import { EMAIL_CONFIG } from './support/synth';
import { temporaryDirectories } from './support/temp';

const tempDir = temporaryDirectories();

function tempFile(content: string): string {
  const dir = tempDir('am-config-');
  const file = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(file, content);
  return file;
}

describe('renderAlertmanagerConfig', () => {
  test('typed settings become alertmanager.yml with the password read from a mounted Secret file', () => {
    // WHEN
    const document = yaml.load(renderAlertmanagerConfig({
      ...EMAIL_CONFIG,
      route: { ...EMAIL_CONFIG.route, groupInterval: '5m', repeatInterval: '4h', routes: [{ matchers: ['severity="critical"'], receiver: 'email' }] },
      inhibitRules: [{ sourceMatchers: ['severity="critical"'], targetMatchers: ['severity="warning"'], equal: ['job'] }],
      receivers: [
        { name: 'email', emailConfigs: [{ to: 'oncall@example.com' }], webhookConfigs: [{ url: { secretName: 'hook', key: 'url' } }] },
      ],
    })) as any;
    // THEN
    expect(document.global).toEqual({
      smtp_smarthost: 'smtp.example.com:587',
      smtp_from: 'alerts@example.com',
      smtp_auth_username: 'alerts@example.com',
      smtp_auth_password_file: '/etc/alertmanager/secrets/smtp/password',
    });
    expect(document.route).toEqual({
      receiver: 'email', group_by: ['alertname'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h',
      routes: [{ receiver: 'email', matchers: ['severity="critical"'] }],
    });
    expect(document.receivers[0]).toEqual({
      name: 'email',
      email_configs: [{ to: 'oncall@example.com', send_resolved: true }],
      webhook_configs: [{ url_file: '/etc/alertmanager/secrets/hook/url', send_resolved: true }],
    });
    expect(document.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['job'] },
    ]);
  });

  test('an inline password is an error that says to use a Secret', () => {
    const config = { ...EMAIL_CONFIG, global: { ...EMAIL_CONFIG.global, smtpAuthPassword: 'hunter2' as any } };
    expect(() => renderAlertmanagerConfig(config)).toThrow(ConfigError);
    expect(() => renderAlertmanagerConfig(config)).toThrow(
      'AlertmanagerCluster: config.global.smtpAuthPassword is an inline secret: put it in a Kubernetes Secret and pass { secretName, key } instead');
  });

  test('routes must name an existing receiver, durations must parse, email needs a server', () => {
    expect(() => renderAlertmanagerConfig({ ...EMAIL_CONFIG, route: { receiver: 'pager' } })).toThrow(
      /config.route.receiver "pager" is not one of the receivers \(email\)/);
    expect(() => renderAlertmanagerConfig({ ...EMAIL_CONFIG, route: { receiver: 'email', groupWait: 'soon' } })).toThrow(
      /config.route.groupWait: "soon" is not a duration/);
    expect(() => renderAlertmanagerConfig({ route: { receiver: 'e' }, receivers: [{ name: 'e', emailConfigs: [{ to: 'a@b' }] }] })).toThrow(
      /receivers\[0\].emailConfigs\[0\]: no SMTP server/);
  });

  test('every Secret the config reads is listed once', () => {
    expect(referencedSecrets({
      ...EMAIL_CONFIG,
      receivers: [{ name: 'email', emailConfigs: [{ to: 'a@b', authPassword: { secretName: 'smtp', key: 'password' } }, { to: 'c@d', authPassword: { secretName: 'other', key: 'pw' } }] }],
    })).toEqual([{ secretName: 'smtp', key: 'password' }, { secretName: 'other', key: 'pw' }]);
  });
});

describe('AlertmanagerConfig.fromFile', () => {
  const FILE_CONTENT = 'route:\n  receiver: team\nreceivers:\n  - name: team\n    slack_configs:\n      - channel: "#alerts"\n';

  test('an existing file passes through; the Secret password is wired in', () => {
    // GIVEN
    const file = tempFile(FILE_CONTENT);
    // WHEN
    const config = AlertmanagerConfig.fromFile(file, { smtpAuthPassword: { secretName: 'smtp', key: 'pw' } });
    const document = yaml.load(renderAlertmanagerConfig(config)) as any;
    // THEN
    expect(document.receivers[0].slack_configs).toEqual([{ channel: '#alerts' }]);
    expect(document.global.smtp_auth_password_file).toBe('/etc/alertmanager/secrets/smtp/pw');
    expect(referencedSecrets(config)).toEqual([{ secretName: 'smtp', key: 'pw' }]);
  });

  test('an inline password in the file is an error naming the file and the field', () => {
    const file = tempFile(`global:\n  smtp_auth_password: hunter2\n${FILE_CONTENT}`);
    expect(() => renderAlertmanagerConfig(AlertmanagerConfig.fromFile(file))).toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: inline secret at global.smtp_auth_password: .*Kubernetes Secret`));
  });

  test('a missing file, bad YAML and a file without a route are errors naming the file', () => {
    expect(() => AlertmanagerConfig.fromFile('/nonexistent/alertmanager.yml')).toThrow(/^\/nonexistent\/alertmanager.yml: cannot read/);
    expect(() => AlertmanagerConfig.fromFile(tempFile('route: [\n'))).toThrow(/alertmanager.yml: invalid YAML/);
    expect(() => renderAlertmanagerConfig(AlertmanagerConfig.fromFile(tempFile('receivers: []\n')))).toThrow(/missing "route"/);
  });
});
