import * as yaml from 'js-yaml';
import { Testing } from 'cdk8s';
import { AlertmanagerCluster, TeamRouteProps } from '../constructs';
import { matcherLabelNames } from '../constructs/alertmanager/checks';
import { CONFIG_CHECKSUM_ANNOTATION } from '../constructs/core/constants';
import { EMAIL_CONFIG, firstContainer, only, synth } from './support/synth';

const PAYMENTS: TeamRouteProps = {
  team: 'payments',
  receivers: [{ name: 'payments-hook', webhookConfigs: [{ url: { secretName: 'payments-alerting', key: 'url' } }] }],
  route: { receiver: 'payments-hook', groupInterval: '5m', matchers: ['severity=~"page|ticket"'] },
};

function configOf(objects: ReturnType<typeof synth>): any {
  const secret = objects.find(o => o.kind === 'Secret' && o.stringData?.['alertmanager.yml'])!;
  return yaml.load(secret.stringData['alertmanager.yml']);
}

describe('AlertmanagerCluster.addTeamRoute', () => {
  test('the team route goes first under the top-level route, with the enforced matcher ahead of its own', () => {
    // GIVEN a cluster whose config has its own child route
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', {
      namespace: 'monitoring',
      config: { ...EMAIL_CONFIG, route: { ...EMAIL_CONFIG.route, routes: [{ matchers: ['severity="critical"'] }] } },
    });
    // WHEN a team adds its route
    am.addTeamRoute(PAYMENTS);
    // THEN it precedes the config's own route, confined to team="payments", and its receiver is appended
    const config = configOf(synth(chart));
    expect(config.route.routes).toEqual([
      { receiver: 'payments-hook', group_interval: '5m', matchers: ['team="payments"', 'severity=~"page|ticket"'] },
      { matchers: ['severity="critical"'] },
    ]);
    expect(config.receivers.map((r: { name: string }) => r.name)).toEqual([...EMAIL_CONFIG.receivers.map(r => r.name), 'payments-hook']);
  });

  test('the team\'s Secret is mounted and the pods roll with the new config', () => {
    // GIVEN a cluster synthesized without teams
    const before = Testing.chart();
    new AlertmanagerCluster(before, 'am', { namespace: 'monitoring', config: EMAIL_CONFIG });
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { namespace: 'monitoring', config: EMAIL_CONFIG });
    // WHEN a team whose webhook URL is in a Secret adds its route
    am.addTeamRoute(PAYMENTS);
    // THEN the Secret is mounted where the config reads it, and the config checksum changed
    const objects = synth(chart);
    const config = configOf(objects);
    const sts = only(objects, 'StatefulSet');
    const mountPaths = firstContainer(sts).volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    const urlFile: string = config.receivers.at(-1).webhook_configs[0].url_file;
    expect(mountPaths).toContain(urlFile.slice(0, urlFile.lastIndexOf('/')));
    const checksum = (objects: ReturnType<typeof synth>) => only(objects, 'StatefulSet').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(checksum(objects)).not.toBe(checksum(synth(before)));
  });

  test('a refused team leaves the config as it was', () => {
    // GIVEN a cluster with one team
    const chart = Testing.chart();
    const am = new AlertmanagerCluster(chart, 'am', { namespace: 'monitoring', config: EMAIL_CONFIG });
    am.addTeamRoute(PAYMENTS);
    const before = configOf(synth(chart));
    // WHEN a second team reuses its receiver name
    expect(() => am.addTeamRoute({ ...PAYMENTS, team: 'billing' })).toThrow('team "billing": receivers[0].name "payments-hook" is already a receiver of team "payments"');
    // THEN the config still holds the first team only
    expect(configOf(synth(chart))).toEqual(before);
  });
});

describe('matcherLabelNames', () => {
  test.each([
    ['severity="page"', ['severity']],
    ['severity="page", team=~".+"', ['severity', 'team']],
    ['{"team"!="payments",env="prod"}', ['team', 'env']],
    ['team=payments,severity=page', ['team', 'severity']],
    ['msg="a, b", team!~"x"', ['msg', 'team']],
  ])('%s tests %j', (matcher, names) => {
    expect(matcherLabelNames(matcher)).toEqual(names);
  });

  test.each(['', 'severity', '=page', 'severity="page" team="x"'])('%j cannot be read', matcher => {
    expect(matcherLabelNames(matcher)).toBeUndefined();
  });
});
