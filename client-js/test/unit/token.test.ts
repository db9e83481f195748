import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshDelay, tokenExpiresAt } from '../../src/token.js';
import { flush, setup } from '../support/setup.js';

const NOW = 1_767_225_600_000;

/** An unsigned token whose payload is `claims`: the client reads it and never checks the signature. */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k1' })}.${part(claims)}.c2ln`;
}

/** A token of `sub` expiring `ttlMs` after the fake clock's start. */
const token = (sub: string, ttlMs: number) => jwt({ sub, exp: (NOW + ttlMs) / 1000 });

describe('reading a token for its expiry', () => {
  it('reads exp from the payload, in ms', () => {
    assert.equal(tokenExpiresAt(jwt({ sub: 'a', exp: 1_767_225_900 })), 1_767_225_900_000);
    assert.equal(tokenExpiresAt(jwt({ sub: 'a' })), undefined);
    assert.equal(tokenExpiresAt(jwt({ sub: 'a', exp: 'soon' })), undefined);
    assert.equal(tokenExpiresAt('not-a-jwt'), undefined);
    assert.equal(tokenExpiresAt('a.%%%.c'), undefined);
  });

  it('refreshes 30 s before exp, or at 90% of a short lifetime, at once when expired', () => {
    assert.equal(refreshDelay(token('a', 600_000), NOW), 570_000);
    assert.equal(refreshDelay(token('a', 100_000), NOW), 90_000);
    assert.equal(refreshDelay(token('a', -1_000), NOW), 1_000, 'expired: soon, but not in a loop');
    assert.equal(refreshDelay(token('a', 500), NOW), 1_000);
    assert.equal(refreshDelay(jwt({ sub: 'a' }), NOW), undefined);
  });
});

describe('TetherClient with a token provider', () => {
  it('asks the provider before every connect and resume, and sends the token in hello', async () => {
    const tokens = ['first', 'second'];
    const t = setup({ tokenProvider: async () => tokens.shift()! });
    t.client.connect();
    await flush();
    t.net.last.open();
    assert.deepEqual(t.net.last.frames[0], { type: 'hello', v: 1, auth: { token: 'first' } });
    t.net.last.receive({ type: 'welcome', v: 1, sessionId: 'S1', token: 'T1', epoch: 1, resumed: false,
      lastSeq: 0, ackedCseq: 0, heartbeatMs: 25000 });
    t.net.last.end(1006);
    t.clock.advance(1300);
    await flush();
    t.net.last.open();
    assert.deepEqual(t.net.last.frames[0], { type: 'hello', v: 1,
      resume: { sessionId: 'S1', token: 'T1', epoch: 1, lastSeq: 0 }, auth: { token: 'second' } });
  });

  it('refreshes the token on the open connection before it expires, again and again', async () => {
    let issued = 0;
    const t = setup({ tokenProvider: () => token('alice', 600_000 + 570_000 * issued++) });
    t.client.connect();
    await flush();
    // A heartbeat longer than the test, so that the fake gateway need not answer pings.
    t.welcomeWith({ heartbeatMs: 3_600_000 });
    assert.equal(t.net.last.framesOf('auth').length, 0);

    t.clock.advance(569_999);
    await flush();
    assert.equal(t.net.last.framesOf('auth').length, 0);
    t.clock.advance(1);
    await flush();
    assert.deepEqual(t.net.last.framesOf('auth'), [{ type: 'auth', token: token('alice', 1_170_000) }]);
    t.net.last.receive({ type: 'auth_ok', expiresAt: NOW + 1_170_000 });

    // The second token expires at 1,170 s: refreshed 30 s before, at 1,140 s.
    t.clock.advance(570_000);
    await flush();
    assert.equal(t.net.last.framesOf('auth').length, 2);
    assert.equal(t.client.state, 'connected');
  });

  it('asks a failed provider again shortly while the connection lives', async () => {
    let calls = 0;
    const t = setup({
      tokenProvider: () => {
        calls++;
        if (calls === 2) {
          throw new Error('identity provider down');
        }
        return token('alice', 100_000);
      },
    });
    t.client.connect();
    await flush();
    t.welcomeWith({ heartbeatMs: 3_600_000 });
    t.clock.advance(90_000);
    await flush();
    assert.equal(t.net.last.framesOf('auth').length, 0);
    t.clock.advance(5_000);
    await flush();
    await flush();
    assert.equal(calls, 3);
    assert.equal(t.net.last.framesOf('auth').length, 1);
  });

  it('reconnects with a new token after 4001, and stops after 3 in a row', async () => {
    let calls = 0;
    const t = setup({ tokenProvider: () => `token-${++calls}` });
    t.client.connect().catch(() => {});
    await flush();
    t.net.last.open();
    t.net.last.end(4001, 'unauthorized: expired token');
    assert.equal(t.client.state, 'reconnecting');
    t.clock.advance(1300);
    await flush();
    t.net.last.open();
    assert.deepEqual(t.net.last.frames[0], { type: 'hello', v: 1, auth: { token: 'token-2' } });
    t.net.last.end(4001, 'unauthorized: invalid signature');
    assert.equal(t.client.state, 'reconnecting');
    t.clock.advance(2600);
    await flush();
    t.net.last.open();
    t.net.last.end(4001, 'unauthorized: invalid signature');

    assert.equal(t.client.state, 'failed');
    assert.equal(calls, 3);
    t.clock.advance(60_000);
    await flush();
    assert.equal(t.net.sockets.length, 3);
  });

  it('counts 4001 in a row only: a welcome in between starts over', async () => {
    const t = setup({ tokenProvider: () => 'token' });
    t.client.connect();
    for (let i = 0; i < 4; i++) {
      await flush();
      t.net.last.open();
      t.net.last.end(4001, 'unauthorized: token expired');
      t.clock.advance(30_000);
      await flush();
      t.welcomeWith();
      t.net.last.end(4001, 'unauthorized: token expired');
      t.clock.advance(30_000);
    }
    assert.notEqual(t.client.state, 'failed');
  });

  it('stops at the first 4001 without a token provider', async () => {
    const t = setup();
    const connected = t.client.connect();
    t.welcomeWith();
    await connected;
    t.net.last.end(4001, 'unauthorized: missing token');
    assert.equal(t.client.state, 'failed');
  });

  it('a provider that fails before a connect counts as a failed attempt', async () => {
    let calls = 0;
    const t = setup({
      tokenProvider: () => {
        if (++calls === 1) {
          return Promise.reject(new Error('offline'));
        }
        return 'token';
      },
    });
    t.client.connect();
    await flush();
    assert.equal(t.net.sockets.length, 0);
    assert.equal(t.client.state, 'reconnecting');
    assert.match(t.of('closed')[0]!.reason, /the token provider failed: offline/);
    t.clock.advance(1300);
    await flush();
    assert.equal(t.net.sockets.length, 1);
  });
});
