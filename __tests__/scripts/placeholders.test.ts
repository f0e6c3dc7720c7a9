import { placeholderAddresses } from '../../scripts/ci/deploy-plan';

describe('placeholderAddresses: where the deploy job draws the line', () => {
  test.each([
    'smtp.example.com:587', 'alertmanager@example.com', 'On-call <oncall@EXAMPLE.org>', 'a@mail.internal, b@example.net',
    'https://hooks.example/x', 'smtp.invalid:25', 'relay.test:25', 'mail.localhost:25', 'https://sub.example.org/hook',
  ])('%j is a placeholder (reserved by RFC 2606 / 6761)', (value) => {
    expect(placeholderAddresses({ global: { smtp_smarthost: value } })).toEqual([{ at: 'global.smtp_smarthost', value }]);
  });

  test.each([
    'smtp.corp.internal:587', 'oncall@mail.internal', 'smtp.counterexample.com:25', 'ops@example-corp.com', '10.0.0.5:25',
    '/etc/alertmanager/secrets/smtp/password',
  ])('%j is a real address', (value) => {
    expect(placeholderAddresses({ global: { smtp_smarthost: value } })).toEqual([]);
  });

  test('paths inside lists are named', () => {
    const config = { receivers: [{ name: 'email', email_configs: [{ to: 'ops@mail.internal' }, { to: 'oncall@example.com' }] }] };
    expect(placeholderAddresses(config)).toEqual([{ at: 'receivers[0].email_configs[1].to', value: 'oncall@example.com' }]);
  });
});
