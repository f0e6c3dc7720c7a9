/**
 * The node binaries of the local cluster (VMALERT_HA_TOOLS=node of scripts/tools/test-tools.sh), each stamped with
 * its pinned tag. Here, beside the other tests that need the node set, rather than in __tests__/real-binaries/ (the
 * pipeline's validate job, whose tool artifact holds VictoriaMetrics and Alertmanager only).
 */
import { VERSIONS } from '../../constructs/core/versions';
import { binary, run } from '../../testkit/binaries';
import { NODE_PINNED } from '../support/node-tools';

describe('the node binaries', () => {
  test.each(NODE_PINNED)('%s (a node binary) reports exactly its pinned tag', (name, component, args, expected) => {
    // GIVEN a binary the test cluster's nodes run / WHEN asked for its version
    const result = run(binary(name), args, { env: { ...process.env, CNI_COMMAND: '' } });
    // THEN it names the tag of its component, stamped as upstream's release build stamps it
    expect(result.stdout + result.stderr).toMatch(expected(VERSIONS[component]));
  });
});
