/**
 * Every synthesized object of each test chart is valid Kubernetes: its apiVersion/kind schema
 * (kubernetes-models) and the cross-object checks a schema cannot make (scripts/ci/k8s-checks.ts).
 */
import { checkManifests } from '../../scripts/ci/k8s-checks';
import { SynthesizedChart, testCharts } from './charts';

describe.each(testCharts().map((c) => [c.name, c] as [string, SynthesizedChart]))('chart "%s"', (_name, chart) => {
  test('every object passes the Kubernetes schema and the cross checks', () => {
    // GIVEN the synthesized objects, with the out-of-band SMTP Secret declared external
    expect(chart.objects.length).toBeGreaterThan(0);
    // WHEN checked
    const errors = checkManifests(chart.objects, { externalSecrets: chart.externalSecrets });
    // THEN there is no error
    expect(errors).toEqual([]);
  });

  test('without declaring the SMTP Secret external, its absence is reported', () => {
    // GIVEN the same objects, nothing declared external
    const errors = checkManifests(chart.objects);
    // THEN exactly the external Secrets are reported missing (proves the check looks at these pods)
    expect(errors).toHaveLength(chart.externalSecrets.length);
    chart.externalSecrets.forEach((name) => expect(errors.join('\n')).toContain(`uses Secret "${name}", which is not in the output`));
  });
});
