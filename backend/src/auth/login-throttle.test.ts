import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { redisRateLimitStores, type SharedRateLimitStores } from '../http/rate-limit-store.js';
import { addressKey } from '../http/rate-limits.js';
import { backoffMs, LoginThrottle, MemoryBackoffCounters, type BackoffCounters } from './login-throttle.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) process.stderr.write('sign-in backoff on Redis skipped: TEST_REDIS_URL is not set\n');

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const shared: SharedRateLimitStores[] = [];
afterAll(async () => {
  await Promise.all(shared.map((s) => s.close()));
});

const kinds: Array<[string, (clock: () => number) => Promise<BackoffCounters>]> = [
  ['this process', async (clock) => new MemoryBackoffCounters(clock)],
];
if (redisUrl) {
  kinds.push([
    'Redis',
    async () => {
      const stores = redisRateLimitStores(redisUrl, `test:backoff:${randomBytes(6).toString('hex')}:`, createLogger('silent'));
      shared.push(stores);
      await stores.ready(3_000);
      return stores.backoffCounters();
    },
  ]);
}

describe.each(kinds)('sign-in backoff with counters in %s', (_name, makeCounters) => {
  const setUp = async (settings = { attemptsBeforeBackoff: 3, accountAttemptsBeforeBackoff: 1_000 }) => {
    let now = Date.UTC(2025, 0, 6, 9);
    const clock = () => now;
    const throttle = new LoginThrottle(await makeCounters(clock), settings, clock);
    return {
      throttle,
      advance: (ms: number) => {
        now += ms;
      },
    };
  };

  it('lets a few failures through, then doubles the wait after each further one, up to 15 minutes', async () => {
    const { throttle, advance } = await setUp();
    const email = `desk-${randomBytes(3).toString('hex')}@clinic.test`;
    for (let i = 0; i < 3; i++) expect(await throttle.admit(email, '203.0.113.9')).toEqual({ ok: true });
    const waits: number[] = [];
    for (let i = 0; i < 14; i++) {
      const refused = await throttle.admit(email, '203.0.113.9');
      expect(refused.ok).toBe(false);
      const wait = (refused as { retryAfterMs: number }).retryAfterMs;
      waits.push(wait);
      // Hammering while refused counts nothing: the wait does not grow ...
      expect(await throttle.admit(email, '203.0.113.9')).toEqual({ ok: false, retryAfterMs: wait });
      advance(wait);
      // ... and once it is over, one more attempt goes through.
      expect(await throttle.admit(email, '203.0.113.9')).toEqual({ ok: true });
    }
    expect(waits.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 32].map((s) => s * SECOND));
    expect(Math.max(...waits)).toBe(15 * MINUTE);
    expect(waits.at(-1)).toBe(15 * MINUTE);

    // Another address, and the same address for another account, are not held back.
    expect(await throttle.admit(email, '203.0.113.10')).toEqual({ ok: true });
    expect(await throttle.admit(`other-${email}`, '203.0.113.9')).toEqual({ ok: true });
  });

  it('a successful sign-in clears the address’s count; emails are compared without case', async () => {
    const { throttle } = await setUp();
    for (let i = 0; i < 3; i++) await throttle.admit('Desk@Clinic.test', '203.0.113.9');
    expect((await throttle.admit('desk@clinic.test ', '203.0.113.9')).ok).toBe(false);
    await throttle.succeeded('DESK@clinic.test', '203.0.113.9');
    expect(await throttle.admit('desk@clinic.test', '203.0.113.9')).toEqual({ ok: true });
  });

  it('caps an account attacked from many addresses, but never the addresses it signs in from', async () => {
    const { throttle, advance } = await setUp({ attemptsBeforeBackoff: 5, accountAttemptsBeforeBackoff: 10 });
    const email = `desk-${randomBytes(3).toString('hex')}@clinic.test`;
    // The clinic's desk signs in as usual (its first sign-in from there counts once) ...
    expect(await throttle.admit(email, '198.51.100.1')).toEqual({ ok: true });
    await throttle.succeeded(email, '198.51.100.1');
    // ... then a botnet tries the account from one new address after another.
    for (let i = 0; i < 9; i++) expect(await throttle.admit(email, `203.0.113.${i + 1}`)).toEqual({ ok: true });
    expect(await throttle.admit(email, '203.0.113.100')).toEqual({ ok: false, retryAfterMs: MINUTE });
    // The desk still signs in, as often as it needs to, while the attack goes on.
    for (let i = 0; i < 10; i++) {
      expect(await throttle.admit(email, '198.51.100.1')).toEqual({ ok: true });
      await throttle.succeeded(email, '198.51.100.1');
    }
    advance(MINUTE);
    expect(await throttle.admit(email, '203.0.113.101')).toEqual({ ok: true });
    expect(await throttle.admit(email, '203.0.113.102')).toEqual({ ok: false, retryAfterMs: 2 * MINUTE });
  });

  it('counts parallel attempts one by one: a burst gets no more through than a sequence', async () => {
    const { throttle } = await setUp();
    const email = `desk-${randomBytes(3).toString('hex')}@clinic.test`;
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => throttle.admit(email, '203.0.113.9')));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(3);
  });
});

describe('backoff and address keys', () => {
  it('waits nothing within the free attempts, then base·2^n up to the cap', () => {
    const policy = { free: 2, baseMs: 100, maxMs: 1_000, forgetMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 60].map((n) => backoffMs(n, policy))).toEqual([0, 100, 200, 400, 800, 1_000, 1_000]);
  });

  it('keys IPv6 addresses by their /56, IPv4 (and IPv4-mapped IPv6) by the address', () => {
    expect(addressKey('2001:db8:1:1ff::2')).toBe(addressKey('2001:db8:1:100::1'));
    expect(addressKey('2001:db8:1:100::1')).toBe('2001:db8:1:100::/56');
    expect(addressKey('2001:db8:1:200::1')).not.toBe(addressKey('2001:db8:1:100::1'));
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });
});
