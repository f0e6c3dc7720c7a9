/**
 * Team routes added to an AlertmanagerCluster by other charts, proven with the pinned amtool: the synthesized
 * alertmanager.yml passes `amtool check-config`, and `amtool config routes test` sends each label set to the
 * receiver the enforced matchers promise (a team's alerts to the team, everyone else's past it).
 */
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { AlertmanagerCluster, TeamRouteProps } from '../../constructs';
import { extractAlertmanagerConfig, K8sObject } from '../../constructs/testing/manifests';
import { binary, run } from '../../testkit/binaries';
import { temporaryDirectories } from '../support/temp';

const tempDir = temporaryDirectories();

function webhookTeam(name: string, overrides: Partial<TeamRouteProps> = {}): TeamRouteProps {
  return {
    team: name,
    receivers: [
      { name: `${name}-hook`, webhookConfigs: [{ url: { secretName: `${name}-alerting`, key: 'hook-url' } }] },
      { name: `${name}-pager`, webhookConfigs: [{ url: { secretName: `${name}-alerting`, key: 'pager-url' } }] },
    ],
    route: { receiver: `${name}-hook`, groupInterval: '5m', routes: [{ receiver: `${name}-pager`, matchers: ['severity="page"'] }] },
    ...overrides,
  };
}

/** The platform's cluster and two teams' routes, each added from the team's own chart. */
function synthesized(): K8sObject[] {
  const app = Testing.app();
  const platform = new Chart(app, 'platform', { namespace: 'monitoring' });
  const am = new AlertmanagerCluster(platform, 'alertmanager', {
    config: {
      global: { smtpSmarthost: 'smtp.example.org:587', smtpFrom: 'alerts@example.org' },
      route: { receiver: 'platform-mail', groupBy: ['alertname'], groupInterval: '5m',
        routes: [{ receiver: 'platform-pager', matchers: ['severity="critical"'] }] },
      receivers: [
        { name: 'platform-mail', emailConfigs: [{ to: 'platform@example.org' }] },
        { name: 'platform-pager', emailConfigs: [{ to: 'pager@example.org' }] },
      ],
    },
  });
  new (class extends Chart {
    constructor() {
      super(app, 'payments', { namespace: 'payments' });
      am.addTeamRoute(webhookTeam('payments'));
    }
  })();
  new (class extends Chart {
    constructor() {
      super(app, 'search', { namespace: 'search-prod' });
      am.addTeamRoute(webhookTeam('search', { matchLabel: 'namespace', matchValue: 'search-prod' }));
    }
  })();
  return app.charts.flatMap(c => c.toJson()) as K8sObject[];
}

describe('team routes on the pinned amtool', () => {
  let configFile: string;
  beforeAll(() => {
    configFile = extractAlertmanagerConfig(synthesized(), path.join(tempDir('team-routes-'), 'am')).configFile;
  });

  test('amtool check-config accepts the config with both teams', () => {
    // GIVEN alertmanager.yml with the platform's routes and two teams' routes WHEN the pinned amtool checks it
    const result = run(binary('amtool'), ['check-config', configFile]);
    // THEN it passes, with every receiver of the platform and the teams
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({
      code: 0, output: expect.stringMatching(/SUCCESS[\s\S]*- 6 receivers/),
    });
  });

  test.each([
    ['a payments alert', ['team=payments'], 'payments-hook'],
    ['a payments page', ['team=payments', 'severity=page'], 'payments-pager'],
    ['a critical payments alert stays with the team', ['team=payments', 'severity=critical'], 'payments-hook'],
    ['a search-prod alert, confined by namespace', ['namespace=search-prod'], 'search-hook'],
    ['a search-prod page', ['namespace=search-prod', 'severity=page'], 'search-pager'],
    ['an alert labelled team=search but from another namespace', ['team=search', 'namespace=default'], 'platform-mail'],
    ['a page of no team goes to the platform, not to a team pager', ['severity=page'], 'platform-mail'],
    ['a critical alert of no team', ['severity=critical'], 'platform-pager'],
    ['an alert of an unknown team', ['team=unknown'], 'platform-mail'],
    ['an alert of both teams: the first team added takes it', ['team=payments', 'namespace=search-prod'], 'payments-hook'],
  ])('%s is routed to its receiver', (_, labels, receiver) => {
    // GIVEN an alert's labels WHEN the pinned amtool walks the routing tree with them
    const result = run(binary('amtool'), ['config', 'routes', 'test', `--config.file=${configFile}`, `--verify.receivers=${receiver}`, ...labels]);
    // THEN it ends at exactly the expected receiver
    expect({ code: result.code, receivers: result.stdout.trim() }).toEqual({ code: 0, receivers: receiver });
  });
});
