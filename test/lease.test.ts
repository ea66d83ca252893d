import { describe, expect, it } from 'vitest';
import { memoryStore } from '../src/core/storage.js';
import { leaseLock } from '../src/core/tabs/lease.js';
import { refreshHoldMs } from '../src/core/session/refresh-grant.js';

/**
 * The IndexedDB lease, the lock of browsers without Web Locks (issue 14, defect 7), with the clock and the
 * waiting injected. Two leases on one store stand for two tabs.
 */

function tabs() {
  const store = memoryStore();
  let now = 0;
  const lease = (owner: string, wait: (ms: number) => Promise<void>) =>
    leaseLock({ holdMs: refreshHoldMs(10_000), store: async () => store, now: () => now, wait, onReleased: () => undefined, owner });
  return {
    lease,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('the lease (browsers without Web Locks)', () => {
  it('outlives the longest bounded refresh: a slow holder whose heartbeat never ran keeps it', async () => {
    const { lease, advance } = tabs();
    const events: string[] = [];
    let release: () => void = () => undefined;
    const a = lease('A', async () => undefined)(async (confirm) => {
      events.push('A holds');
      await new Promise<void>((resolve) => (release = resolve));
      await confirm();
      events.push('A presents its refresh token');
    });
    await expect.poll(() => events).toEqual(['A holds']);
    // Three tries of a 10 s timeout, with nonce retries: 50 s pass in A's refresh, its throttled heartbeat
    // never runs. The old 10 s lease let another tab in after 10 s.
    advance(50_000);
    let polls = 0;
    const b = lease('B', async () => {
      if (++polls === 20) release();
    })(async (confirm) => {
      await confirm();
      events.push('B presents its refresh token');
    });
    await Promise.all([a, b]);
    expect(events).toEqual(['A holds', 'A presents its refresh token', 'B presents its refresh token']);
    expect(polls).toBeGreaterThanOrEqual(20); // B really waited for A
  });

  it('a holder frozen past its lease finds another tab took it and does not present the refresh token', async () => {
    const { lease, advance } = tabs();
    const events: string[] = [];
    let resume: () => void = () => undefined;
    const a = lease('A', async () => undefined)(async (confirm) => {
      events.push('A holds');
      await new Promise<void>((resolve) => (resume = resolve)); // frozen by the browser
      await confirm();
      events.push('A presents its refresh token');
    });
    await expect.poll(() => events).toEqual(['A holds']);
    advance(refreshHoldMs(10_000) + 1);
    await lease('B', async () => undefined)(async (confirm) => {
      await confirm();
      events.push('B presents its refresh token');
    });
    resume();
    await expect(a).rejects.toMatchObject({ code: 'timeout' });
    expect(events).toEqual(['A holds', 'B presents its refresh token']);
  });

  it('holds for every try of a refresh: 3 × (request + nonce retry) × timeout, the pauses, and a margin', () => {
    expect(refreshHoldMs(10_000)).toBeGreaterThanOrEqual(3 * 2 * 10_000 + 1.5 * (250 + 1000));
    expect(refreshHoldMs(1_000)).toBeLessThan(refreshHoldMs(10_000));
  });
});
