import { describe, expect, it } from 'vitest';
import { resolveConnectionArgs, resolveTarget } from '../../cli/connection-options.ts';

describe('--connect-timeout', () => {
  it('takes a duration and reaches the connector in milliseconds', async () => {
    const plan = resolveConnectionArgs({ host: 'h1', connectTimeout: '1.5s' }, {});
    expect(plan.connectTimeoutMs).toBe(1500);
    const target = await resolveTarget(plan, { env: {}, stderr: { write: () => true } }, 'test');
    expect(target.connectTimeoutMs).toBe(1500);
    expect(
      resolveConnectionArgs({ host: 'h1', connectTimeout: '250ms' }, {}).connectTimeoutMs,
    ).toBe(250);
  });

  it("is left to the connector's default when not given", async () => {
    const plan = resolveConnectionArgs({ host: 'h1' }, {});
    expect(plan.connectTimeoutMs).toBeUndefined();
    const target = await resolveTarget(plan, { env: {}, stderr: { write: () => true } }, 'test');
    expect(target.connectTimeoutMs).toBeUndefined();
  });

  it('names itself and the limits when wrong', () => {
    expect(() => resolveConnectionArgs({ connectTimeout: 'soon' }, {})).toThrow(
      '--connect-timeout must be a duration such as 30s, 500ms, 2m or 1h, got "soon"',
    );
    expect(() => resolveConnectionArgs({ connectTimeout: '11m' }, {})).toThrow(
      '--connect-timeout must be from 1ms to 10m, got "11m"',
    );
    expect(() => resolveConnectionArgs({ connectTimeout: '0' }, {})).toThrow(/from 1ms to 10m/);
  });
});
