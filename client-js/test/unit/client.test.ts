import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClientClosedError, ConnectionFailedError, MessageTooBigError, OutboxFullError, SessionLostError,
} from '../../src/errors.js';
import { memoryStore } from '../../src/storage.js';
import { welcome } from '../support/fake-socket.js';
import { flush, setup } from '../support/setup.js';

const delta = (seq: number, replyTo: number, text: string) => ({ type: 'assistant_delta', seq, replyTo, text });
const done = (seq: number, replyTo: number, reason = 'complete') => ({ type: 'assistant_done', seq, replyTo, reason });

describe('TetherClient state machine', () => {
  it('connects: says hello first, then is connected on welcome', async () => {
    const t = setup();
    const connected = t.client.connect();
    assert.equal(t.client.state, 'connecting');
    t.net.last.open();
    assert.deepEqual(t.net.last.frames, [{ type: 'hello', v: 1 }]);
    t.net.last.receive({ type: 'welcome', v: 1, sessionId: 'S1', token: 'T1', epoch: 1, resumed: false,
      lastSeq: 0, ackedCseq: 0, heartbeatMs: 25000 });
    await connected;
    assert.equal(t.client.state, 'connected');
    assert.deepEqual(t.states(), ['connecting', 'connected']);
    assert.deepEqual(t.of('resumed'), [{ resumed: false, replayed: 0 }]);
    assert.deepEqual(t.client.session, { id: 'S1', token: 'T1', epoch: 1, lastSeq: 0 });
  });

  it('resolves send with the cseq when the gateway acknowledges it, not before', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    let cseq: number | undefined;
    t.client.send('hi').then((value) => { cseq = value; });
    assert.deepEqual(t.net.last.framesOf('user_message'), [{ type: 'user_message', cseq: 1, text: 'hi' }]);
    assert.equal(t.client.queueSize, 1);
    assert.deepEqual(t.client.conversation.entries, [{ kind: 'user', cseq: 1, text: 'hi', status: 'sent' }]);
    await flush();
    assert.equal(cseq, undefined);
    t.net.last.receive({ type: 'ack', cseq: 1 });
    await flush();
    assert.equal(cseq, 1);
    assert.equal(t.client.queueSize, 0);
    assert.deepEqual(t.client.conversation.entries, [{ kind: 'user', cseq: 1, text: 'hi', status: 'acked' }]);
  });

  it('queues messages sent before the welcome and flushes them after it', async () => {
    const t = setup();
    t.client.connect();
    const sent = [t.client.send('one'), t.client.send('two')];
    assert.equal(t.client.conversation.entries.every((e) => e.kind === 'user' && e.status === 'queued'), true);
    t.welcomeWith();
    assert.deepEqual(t.net.last.framesOf('user_message').map((f) => f.cseq), [1, 2]);
    assert.deepEqual(t.of('queueFlushed'), [{ count: 2 }]);
    t.net.last.receive({ type: 'ack', cseq: 2 });
    assert.deepEqual(await Promise.all(sent), [1, 2]);
  });

  it('delivers every frame once and in order across a cut, resuming from the last seq', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    const first = t.net.last;
    first.receive(delta(1, 1, 'the'));
    first.receive(delta(2, 1, ' quick'));
    first.end(1006, '');
    assert.equal(t.client.state, 'reconnecting');
    assert.deepEqual(t.of('closed'), [{ code: 1006, reason: '' }]);
    const [reconnecting] = t.of('reconnecting');
    assert.equal(reconnecting!.attempt, 1);
    assert.equal(reconnecting!.max, 10);
    assert.ok(reconnecting!.delayMs >= 1000 && reconnecting!.delayMs <= 1300, `delay ${reconnecting!.delayMs}`);
    t.clock.advance(reconnecting!.delayMs - 1);
    assert.equal(t.net.sockets.length, 1);
    t.clock.advance(1);
    assert.equal(t.net.sockets.length, 2);
    t.net.last.open();
    assert.deepEqual(t.net.last.frames[0], { type: 'hello', v: 1,
      resume: { sessionId: 'S1', token: 'T1', epoch: 1, lastSeq: 2 } });
    t.net.last.receive({ type: 'welcome', v: 1, sessionId: 'S1', token: 'T1', epoch: 1, resumed: true, lastSeq: 5,
      ackedCseq: 0, heartbeatMs: 25000 });
    t.net.last.receive(delta(2, 1, ' quick'));
    t.net.last.receive(delta(3, 1, ' brown'));
    t.net.last.receive(delta(4, 1, ' fox'));
    t.net.last.receive(done(5, 1));
    assert.deepEqual(t.of('message').map((m) => m.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(t.of('resumed').at(-1), { resumed: true, replayed: 3 });
    assert.deepEqual(t.client.conversation.entries,
      [{ kind: 'reply', replyTo: 1, text: 'the quick brown fox', done: 'complete' }]);
    assert.deepEqual(t.states(), ['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('acknowledges in batches: at once for a full batch, else after the ack delay', () => {
    const t = setup({ ackBatchSize: 3, ackDelayMs: 200 });
    t.client.connect();
    t.welcomeWith();
    t.net.last.receive(delta(1, 1, 'a'));
    t.net.last.receive(delta(2, 1, 'b'));
    assert.deepEqual(t.net.last.framesOf('ack'), []);
    t.net.last.receive(delta(3, 1, 'c'));
    assert.deepEqual(t.net.last.framesOf('ack'), [{ type: 'ack', seq: 3 }]);
    t.net.last.receive(delta(4, 1, 'd'));
    t.clock.advance(199);
    assert.equal(t.net.last.framesOf('ack').length, 1);
    t.clock.advance(1);
    assert.deepEqual(t.net.last.framesOf('ack'), [{ type: 'ack', seq: 3 }, { type: 'ack', seq: 4 }]);
    // A duplicate is answered with the current position.
    t.net.last.receive(delta(4, 1, 'd'));
    t.clock.advance(200);
    assert.deepEqual(t.net.last.framesOf('ack').at(-1), { type: 'ack', seq: 4 });
    assert.equal(t.of('message').length, 4);
  });

  it('backs off with jitter, doubling per attempt, and fails after the maximum', async () => {
    const t = setup({ reconnect: { maxAttempts: 3 }, random: Math.random });
    const connecting = t.client.connect();
    for (let attempt = 1; attempt <= 3; attempt++) {
      t.net.last.end(1006);
      const event = t.of('reconnecting').at(-1)!;
      const nominal = 1000 * 2 ** (attempt - 1);
      assert.equal(event.attempt, attempt);
      assert.ok(event.delayMs >= Math.max(1000, nominal * 0.7) && event.delayMs <= nominal * 1.3,
        `attempt ${attempt} waits ${event.delayMs}`);
      t.clock.advance(event.delayMs);
    }
    const pending = t.client.send('lost');
    t.net.last.end(1006);
    assert.equal(t.client.state, 'failed');
    await assert.rejects(connecting, ConnectionFailedError);
    await assert.rejects(pending, ConnectionFailedError);
    await assert.rejects(t.client.send('refused'), ConnectionFailedError);
    assert.equal(t.clock.pending, 0);
    assert.deepEqual(t.client.conversation.entries, [{ kind: 'user', cseq: 1, text: 'lost', status: 'failed' }]);
    t.client.retry();
    assert.equal(t.client.state, 'connecting');
    assert.equal(t.net.sockets.length, 5);
  });

  it('resets the attempt count after a successful handshake', () => {
    const t = setup();
    t.client.connect();
    t.net.last.end(1006);
    t.clock.advance(1300);
    t.net.last.end(1006);
    assert.equal(t.of('reconnecting').at(-1)!.attempt, 2);
    t.clock.advance(2600);
    t.welcomeWith();
    t.net.last.end(1006);
    assert.equal(t.of('reconnecting').at(-1)!.attempt, 1);
  });

  it('stops on a terminal close code such as 4009 and does not reconnect', async () => {
    const t = setup();
    const connected = t.client.connect();
    t.welcomeWith();
    await connected;
    t.net.last.end(4009, 'session taken over');
    assert.equal(t.client.state, 'failed');
    assert.deepEqual(t.of('closed'), [{ code: 4009, reason: 'session taken over' }]);
    assert.equal(t.of('reconnecting').length, 0);
    t.clock.advance(60_000);
    assert.equal(t.net.sockets.length, 1);
  });

  it('waits a retry-after hint instead of the backoff, without counting it as an attempt', () => {
    const t = setup({ random: () => 0.999 });
    t.client.connect();
    t.net.last.end(1006);
    t.clock.advance(1300);
    t.net.last.end(1013, 'retry-after=5000ms; session store unavailable');
    const refusal = t.of('reconnecting').at(-1)!;
    assert.equal(refusal.attempt, 1);
    assert.ok(refusal.delayMs >= 5000 && refusal.delayMs <= 6500, `hint wait ${refusal.delayMs}`);
    t.clock.advance(refusal.delayMs);
    t.net.last.end(1006);
    // The backoff started over: the base delay again, not the third attempt's.
    const after = t.of('reconnecting').at(-1)!;
    assert.equal(after.attempt, 1);
    assert.ok(after.delayMs <= 1300);
  });

  it('drops a connection without a welcome within the handshake timeout', () => {
    const t = setup({ handshakeTimeoutMs: 5000 });
    t.client.connect();
    t.net.last.open();
    t.clock.advance(5000);
    assert.equal(t.client.state, 'reconnecting');
    assert.match(t.of('closed')[0]!.reason, /no welcome within the handshake timeout of 5000 ms/);
    assert.equal(t.net.sockets[0]!.closedByClient?.code, 4000);
  });

  it('pings every heartbeat, answers pings, and drops a connection silent for heartbeat plus margin', () => {
    const t = setup({ heartbeatMarginMs: 10_000 });
    t.client.connect();
    t.welcomeWith({ heartbeatMs: 25_000 });
    t.net.last.receive({ type: 'ping', t: 42 });
    assert.deepEqual(t.net.last.framesOf('pong'), [{ type: 'pong', t: 42 }]);
    t.clock.advance(25_000);
    const [ping] = t.net.last.framesOf('ping');
    assert.equal(ping!.t, t.clock.now());
    t.clock.advance(30);
    t.net.last.receive({ type: 'pong', t: ping!.t });
    assert.deepEqual(t.of('heartbeat'), [{}, { rttMs: 30 }]);
    t.clock.advance(34_999);
    assert.equal(t.client.state, 'connected');
    t.clock.advance(1);
    assert.equal(t.client.state, 'reconnecting');
    assert.match(t.of('closed')[0]!.reason, /nothing heard for 35000 ms/);
  });

  it('resumes after a gap in seq', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.net.last.receive(delta(1, 1, 'a'));
    t.net.last.receive(delta(3, 1, 'c'));
    assert.equal(t.client.state, 'reconnecting');
    assert.match(t.of('closed')[0]!.reason, /expected seq 2 but received 3/);
    assert.equal(t.of('message').length, 1);
  });

  it('resends everything unacknowledged on out_of_order', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.client.send('a');
    t.client.send('b');
    t.net.last.receive({ type: 'error', code: 'out_of_order', message: 'user_message.cseq 2 skips ahead' });
    assert.deepEqual(t.net.last.framesOf('user_message').map((f) => f.cseq), [1, 2, 1, 2]);
    assert.deepEqual(t.of('error'), [{ code: 'out_of_order', message: 'user_message.cseq 2 skips ahead' }]);
  });

  it('on rate_limited holds new messages and resends from the refused one after the hint', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.client.send('a');
    t.client.send('b');
    t.net.last.receive({ type: 'ack', cseq: 1 });
    t.net.last.receive({ type: 'error', code: 'rate_limited', message: 'cseq 2 was not stored', retryAfterMs: 2000 });
    t.clock.advance(500);
    // The answer to a message already on its way: the resend stays where the first hint put it.
    t.net.last.receive({ type: 'error', code: 'rate_limited', message: 'cseq 3 was not stored', retryAfterMs: 1500 });
    t.client.send('c');
    t.clock.advance(1499);
    assert.deepEqual(t.net.last.framesOf('user_message').map((f) => f.cseq), [1, 2]);
    t.clock.advance(1);
    assert.deepEqual(t.net.last.framesOf('user_message').map((f) => f.cseq), [1, 2, 2, 3]);
    t.client.send('d');
    assert.deepEqual(t.net.last.framesOf('user_message').map((f) => f.cseq), [1, 2, 2, 3, 4]);
    assert.equal(t.client.state, 'connected');
    assert.deepEqual(t.of('error')[0], { code: 'rate_limited', message: 'cseq 2 was not stored' });
  });

  it('completes messages a resumed welcome says were stored, and resends the rest', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    const first = t.client.send('one');
    const second = t.client.send('two');
    t.net.last.end(1006);
    t.clock.advance(1300);
    t.welcomeWith({ resumed: true, ackedCseq: 1 });
    assert.equal(await first, 1);
    assert.deepEqual(t.net.last.framesOf('user_message'), [{ type: 'user_message', cseq: 2, text: 'two' }]);
    t.net.last.receive({ type: 'ack', cseq: 2 });
    assert.equal(await second, 2);
  });

  it('after a failed resume resends the outbox renumbered from 1 and reports the reason', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.client.send('one');
    t.net.last.receive({ type: 'ack', cseq: 1 });
    t.net.last.receive(delta(1, 1, 'one'));
    t.net.last.receive(done(2, 1));
    const pending = t.client.send('two');
    t.net.last.end(1006);
    t.clock.advance(1300);
    t.welcomeWith({ sessionId: 'S2', token: 'T2', resumed: false, reason: 'not_found' });
    assert.deepEqual(t.of('resumed').at(-1), { resumed: false, reason: 'not_found', replayed: 0 });
    assert.deepEqual(t.net.last.framesOf('user_message'), [{ type: 'user_message', cseq: 1, text: 'two' }]);
    t.net.last.receive({ type: 'ack', cseq: 1 });
    assert.equal(await pending, 1);
    // The new session's reply to cseq 1 is not folded into the old session's reply to cseq 1.
    t.net.last.receive(delta(1, 1, 'two'));
    assert.deepEqual(t.client.conversation.entries, [
      { kind: 'user', cseq: 1, text: 'one', status: 'acked' },
      { kind: 'reply', replyTo: 1, text: 'one', done: 'complete' },
      { kind: 'user', cseq: 1, text: 'two', status: 'acked' },
      { kind: 'reply', replyTo: 1, text: 'two' },
    ]);
    assert.deepEqual(t.client.session, { id: 'S2', token: 'T2', epoch: 1, lastSeq: 1 });
  });

  it("fails the outbox after a failed resume under outboxOnResumeFailure 'drop'", async () => {
    const t = setup({ outboxOnResumeFailure: 'drop' });
    t.client.connect();
    t.welcomeWith();
    const pending = t.client.send('two');
    t.net.last.end(1006);
    t.clock.advance(1300);
    t.welcomeWith({ sessionId: 'S2', resumed: false, reason: 'history_lost' });
    await assert.rejects(pending, SessionLostError);
    assert.equal(t.net.last.framesOf('user_message').length, 0);
    assert.equal(t.client.queueSize, 0);
  });

  it('rejects a send beyond the outbox capacity, and one too large for a frame', async () => {
    const t = setup({ outboxCapacity: 2 });
    t.client.send('a');
    t.client.send('b');
    await assert.rejects(t.client.send('c'), OutboxFullError);
    await assert.rejects(t.client.send('x'.repeat(65_536 - 92 + 1)), MessageTooBigError);
    await assert.rejects(t.client.send('\ud800'), TypeError);
    assert.equal(t.client.queueSize, 2);
  });

  it('close() says bye, ends when the gateway closes, fails pending sends and forgets the session', async () => {
    const storage = memoryStore();
    const t = setup({}, storage);
    t.client.connect();
    t.welcomeWith();
    const pending = t.client.send('unanswered');
    assert.equal(storage.size, 1);
    const closed = t.client.close();
    assert.deepEqual(t.net.last.frames.at(-1), { type: 'bye' });
    t.net.last.end(1000, '');
    await closed;
    assert.equal(t.client.state, 'closed');
    await assert.rejects(pending, ClientClosedError);
    await assert.rejects(t.client.send('late'), ClientClosedError);
    await assert.rejects(t.client.connect(), ClientClosedError);
    assert.equal(storage.size, 0);
    assert.equal(t.clock.pending, 0);
  });

  it('close() gives up waiting for the gateway after the handshake timeout', async () => {
    const t = setup({ handshakeTimeoutMs: 3000 });
    t.client.connect();
    t.welcomeWith();
    const closed = t.client.close();
    t.clock.advance(3000);
    await closed;
    assert.equal(t.client.state, 'closed');
  });

  it('a close 1000 from the gateway (the session ended elsewhere) closes the client', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.net.last.end(1000, 'session ended');
    assert.equal(t.client.state, 'closed');
  });

  it('disconnect() drops the socket and resumes after the backoff', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.client.disconnect();
    assert.equal(t.net.sockets[0]!.closedByClient?.code, 1000);
    assert.equal(t.client.state, 'reconnecting');
    t.clock.advance(1300);
    t.welcomeWith({ resumed: true });
    assert.deepEqual(t.states(), ['connecting', 'connected', 'reconnecting', 'connected']);
    t.client.disconnect({ reconnect: false });
    assert.equal(t.client.state, 'idle');
    t.clock.advance(60_000);
    assert.equal(t.net.sockets.length, 2);
  });

  it('restart() starts a fresh session, keeping or dropping the outbox', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.client.send('one');
    t.net.last.receive({ type: 'ack', cseq: 1 });
    t.net.last.receive(delta(1, 1, 'one'));
    const kept = t.client.send('two');
    const restarted = t.client.restart({ outbox: 'keep' });
    assert.deepEqual(t.net.sockets[0]!.frames.at(-1), { type: 'bye' });
    assert.equal(t.client.state, 'connecting');
    assert.deepEqual(t.client.conversation.entries, [{ kind: 'user', cseq: 1, text: 'two', status: 'queued' }]);
    t.net.last.open();
    assert.deepEqual(t.net.last.frames[0], { type: 'hello', v: 1 });
    t.net.last.receive({ type: 'welcome', v: 1, sessionId: 'S2', token: 'T2', epoch: 1, resumed: false,
      lastSeq: 0, ackedCseq: 0, heartbeatMs: 25000 });
    await restarted;
    t.net.last.receive({ type: 'ack', cseq: 1 });
    assert.equal(await kept, 1);
    const dropped = t.client.send('three');
    const again = t.client.restart({ outbox: 'drop' });
    await assert.rejects(dropped, ClientClosedError);
    assert.equal(t.client.queueSize, 0);
    t.welcomeWith({ sessionId: 'S3' });
    await again;
  });

  it('makes no reconnect attempt while the page is hidden, and one at once when it is visible again', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.page.set({ hidden: true });
    t.net.last.end(1006);
    t.clock.advance(60_000);
    assert.equal(t.net.sockets.length, 1);
    assert.equal(t.client.state, 'reconnecting');
    t.page.set({ hidden: false });
    assert.equal(t.net.sockets.length, 2);
  });

  it('reconnects at once when the browser is online again, and reports offline', () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    t.net.last.end(1006);
    t.page.set({ online: false });
    assert.deepEqual(t.of('offline'), [{ offline: true }]);
    t.clock.advance(60_000);
    assert.equal(t.net.sockets.length, 1);
    t.page.set({ online: true });
    assert.deepEqual(t.of('offline'), [{ offline: true }, { offline: false }]);
    assert.equal(t.net.sockets.length, 2);
    // A cut while visible and online waits its backoff: only a change to visible or online shortens it.
    t.welcomeWith({ resumed: true });
    t.net.last.end(1006);
    t.page.set({ hidden: false });
    assert.equal(t.net.sockets.length, 2);
    t.page.set({ hidden: true });
    t.page.set({ hidden: false });
    assert.equal(t.net.sockets.length, 3);
  });
});

describe('TetherClient persistence', () => {
  it('a reloaded page shows the conversation at once and resumes after the last folded seq', async () => {
    const storage = memoryStore();
    const before = setup({}, storage);
    before.client.connect();
    before.welcomeWith();
    before.client.send('the quick brown fox');
    before.net.last.receive({ type: 'ack', cseq: 1 });
    before.net.last.receive(delta(1, 1, 'the'));
    before.net.last.receive(delta(2, 1, ' quick'));
    const queued = before.client.send('jumps');
    void queued;
    // The page is reloaded: a new client on the same storage, the old one simply gone.
    const after = setup({}, storage);
    assert.deepEqual(after.client.conversation.entries, [
      { kind: 'user', cseq: 1, text: 'the quick brown fox', status: 'acked' },
      { kind: 'reply', replyTo: 1, text: 'the quick' },
      { kind: 'user', cseq: 2, text: 'jumps', status: 'sent' },
    ]);
    assert.equal(after.client.queueSize, 1);
    after.client.connect();
    after.net.last.open();
    assert.deepEqual(after.net.last.frames[0], { type: 'hello', v: 1,
      resume: { sessionId: 'S1', token: 'T1', epoch: 1, lastSeq: 2 } });
    after.net.last.receive({ type: 'welcome', v: 1, sessionId: 'S1', token: 'T1', epoch: 1, resumed: true,
      lastSeq: 4, ackedCseq: 1, heartbeatMs: 25000 });
    assert.deepEqual(after.net.last.framesOf('user_message'), [{ type: 'user_message', cseq: 2, text: 'jumps' }]);
    after.net.last.receive(delta(3, 1, ' brown fox'));
    after.net.last.receive(done(4, 1));
    assert.equal((after.client.conversation.entries[1] as { text: string }).text, 'the quick brown fox');
    assert.equal(after.client.session!.lastSeq, 4);
  });

  it('without tab coordination the newest tab takes the session over, and the older one stops writing it', () => {
    const storage = memoryStore();
    const older = setup({}, storage);
    older.client.connect();
    older.welcomeWith();
    older.net.last.receive(delta(1, 1, 'a'));
    const newer = setup({}, storage);
    // The older tab goes on receiving after the newer one read the storage: the newer resumes from the latest.
    older.net.last.receive(delta(2, 1, 'b'));
    newer.client.connect();
    newer.net.last.open();
    assert.equal((newer.net.last.frames[0]!.resume as { lastSeq: number }).lastSeq, 2);
    newer.net.last.receive(welcome({ resumed: true, lastSeq: 2 }));
    older.net.last.end(4009, 'session taken over');
    assert.equal(older.client.state, 'failed');
    newer.net.last.receive(delta(3, 1, 'c'));
    older.client.send('x').catch(() => {});
    assert.equal(JSON.parse(storage.getItem('tether')!).lastSeq, 3);
    // Retry takes it back, from the newer tab's state.
    older.client.retry();
    older.net.last.open();
    assert.equal((older.net.last.frames[0]!.resume as { lastSeq: number }).lastSeq, 3);
    assert.equal((older.client.conversation.entries[0] as { text: string }).text, 'abc');
  });

  it('starts afresh when the stored state cannot be read', () => {
    const storage = memoryStore();
    storage.setItem('tether', '{"v":1,"lastSeq":');
    const t = setup({}, storage);
    assert.equal(t.client.session, undefined);
    assert.deepEqual(t.client.conversation.entries, []);
  });

  it('keeps one conversation per storage key', () => {
    const storage = memoryStore();
    const a = setup({ storageKey: 'a' }, storage);
    a.client.send('for a');
    const b = setup({ storageKey: 'b' }, storage);
    assert.deepEqual(b.client.conversation.entries, []);
    assert.equal(setup({ storageKey: 'a' }, storage).client.conversation.entries.length, 1);
  });
});
