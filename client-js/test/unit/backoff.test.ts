import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Backoff, backoffDelay, backoffRange, parseRetryAfter, reconnectOptions, retryAfterWait, shouldReconnect,
} from '../../src/backoff.js';

describe('backoff', () => {
  const defaults = reconnectOptions();

  it('has the Java client defaults', () => {
    assert.deepEqual(defaults, { baseDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.3, maxAttempts: 10 });
  });

  it('doubles per attempt within the jitter, never below the base or above the maximum', () => {
    assert.deepEqual(backoffRange(1, defaults), [1000, 1300]);
    assert.deepEqual(backoffRange(2, defaults), [1400, 2600]);
    assert.deepEqual(backoffRange(3, defaults), [2800, 5200]);
    assert.deepEqual(backoffRange(5, defaults), [11_200, 20_800]);
    assert.deepEqual(backoffRange(6, defaults), [21_000, 30_000]);
    assert.deepEqual(backoffRange(40, defaults), [21_000, 30_000]);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const [low, high] = backoffRange(attempt, defaults);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, defaults);
        assert.ok(delay >= low && delay <= high, `attempt ${attempt}: ${delay} outside [${low}, ${high}]`);
      }
    }
    assert.equal(backoffDelay(1, defaults, () => 0), 1000);
    assert.equal(backoffDelay(1, defaults, () => 0.9999999), 1300);
  });

  it('without jitter waits exactly the doubled delay', () => {
    const exact = reconnectOptions({ jitter: 0, baseDelayMs: 100, maxDelayMs: 1000 });
    assert.deepEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(a, exact)), [100, 200, 400, 800, 1000]);
  });

  it('counts attempts until the maximum and starts over after a reset', () => {
    const backoff = new Backoff(reconnectOptions({ maxAttempts: 2 }), () => 0);
    assert.deepEqual(backoff.next(), { attempt: 1, delayMs: 1000 });
    assert.deepEqual(backoff.next(), { attempt: 2, delayMs: 1400 });
    assert.equal(backoff.next(), undefined);
    backoff.reset();
    assert.deepEqual(backoff.next(), { attempt: 1, delayMs: 1000 });
    const never = new Backoff(reconnectOptions({ maxAttempts: 0 }));
    assert.equal(never.next(), undefined);
    const unlimited = new Backoff(reconnectOptions({ maxAttempts: Infinity }), () => 0);
    for (let i = 0; i < 1000; i++) {
      assert.ok(unlimited.next());
    }
  });

  it('refuses options out of range, naming them', () => {
    assert.throws(() => reconnectOptions({ jitter: 1.5 }), /reconnect.jitter must be between 0 and 1/);
    assert.throws(() => reconnectOptions({ maxAttempts: -1 }), /reconnect.maxAttempts/);
    assert.throws(() => reconnectOptions({ baseDelayMs: 5000, maxDelayMs: 1000 }), /must not exceed/);
  });

  it('reads a retry-after hint as the protocol defines it', () => {
    assert.equal(parseRetryAfter('retry-after=1000ms; session store unavailable'), 1000);
    assert.equal(parseRetryAfter('overloaded, retry-after=250ms'), 250);
    assert.equal(parseRetryAfter('retry-after=0ms'), 0);
    for (const none of ['retry-after=5s', 'retry-after=-5ms', 'retry-after=1.5ms', 'Retry-After=5ms', '',
      'retry-after=99999999999999999999ms', undefined]) {
      assert.equal(parseRetryAfter(none), undefined, String(none));
    }
    assert.equal(parseRetryAfter('retry-after=9223372036854775807ms'), 9223372036854775807);
  });

  it('spreads a hint by up to the jitter', () => {
    for (let i = 0; i < 200; i++) {
      const wait = retryAfterWait(1000, 0.3);
      assert.ok(wait >= 1000 && wait <= 1300, String(wait));
    }
    assert.equal(retryAfterWait(1000, 0), 1000);
  });

  it('knows which close codes end reconnecting', () => {
    for (const code of [1000, 1002, 1007, 1008, 1009, 4001, 4009]) {
      assert.equal(shouldReconnect(code), false, String(code));
    }
    for (const code of [1001, 1006, 1011, 1012, 1013, 4000, 3000, 1005]) {
      assert.equal(shouldReconnect(code), true, String(code));
    }
  });
});
