import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConversationLog } from '../../src/conversation.js';

describe('ConversationLog', () => {
  it('folds deltas into their reply and ends it with done', () => {
    const log = new ConversationLog();
    log.userSent(1, 'hi there', 'sent');
    log.fold({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'hi' });
    log.fold({ type: 'event', seq: 2, name: 'tool', data: { x: 1 } });
    log.fold({ type: 'assistant_delta', seq: 3, replyTo: 1, text: ' there' });
    log.fold({ type: 'assistant_done', seq: 4, replyTo: 1, reason: 'failed',
      error: { code: 'upstream_broken', message: 'cut' } });
    assert.deepEqual(log.snapshot.entries, [
      { kind: 'user', cseq: 1, text: 'hi there', status: 'sent' },
      { kind: 'reply', replyTo: 1, text: 'hi there', done: 'failed', error: { code: 'upstream_broken', message: 'cut' } },
      { kind: 'event', name: 'tool', data: { x: 1 }, seq: 2 },
    ]);
  });

  it('keeps how many times a reply was continued after a gateway node died', () => {
    const log = new ConversationLog();
    log.fold({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'one' });
    log.fold({ type: 'assistant_delta', seq: 2, replyTo: 1, text: ' two' });
    log.fold({ type: 'assistant_done', seq: 3, replyTo: 1, reason: 'complete', continued: 1 });
    assert.deepEqual(log.snapshot.entries, [
      { kind: 'reply', replyTo: 1, text: 'one two', done: 'complete', continued: 1 },
    ]);
  });

  it('interleaves replies by replyTo', () => {
    const log = new ConversationLog();
    log.fold({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'a' });
    log.fold({ type: 'assistant_delta', seq: 2, replyTo: 2, text: 'x' });
    log.fold({ type: 'assistant_delta', seq: 3, replyTo: 1, text: 'b' });
    assert.deepEqual(log.snapshot.entries.map((e) => e.kind === 'reply' && e.text), ['ab', 'x']);
  });

  it('gives a new snapshot on each change and the same one otherwise', () => {
    const log = new ConversationLog();
    const empty = log.snapshot;
    assert.equal(log.snapshot, empty);
    log.userSent(1, 'a', 'queued');
    const one = log.snapshot;
    assert.notEqual(one, empty);
    log.setStatus(1, 'sent');
    assert.equal(one.entries[0]!.kind === 'user' && one.entries[0]!.status, 'queued');
  });

  it('acknowledges user messages up to a cseq', () => {
    const log = new ConversationLog();
    [1, 2, 3].forEach((cseq) => log.userSent(cseq, String(cseq), 'sent'));
    log.ackedUpTo(2);
    assert.deepEqual(log.snapshot.entries.map((e) => e.kind === 'user' && e.status), ['acked', 'acked', 'sent']);
  });

  it('keeps at most its bound of entries, dropping the oldest', () => {
    const log = new ConversationLog(undefined, 5);
    for (let cseq = 1; cseq <= 8; cseq++) {
      log.userSent(cseq, String(cseq), 'acked');
    }
    assert.deepEqual(log.snapshot.entries.map((e) => e.kind === 'user' && e.cseq), [4, 5, 6, 7, 8]);
  });

  it('moves pending messages into a new session, renumbered, apart from the old replies', () => {
    const log = new ConversationLog();
    log.userSent(4, 'old', 'acked');
    log.fold({ type: 'assistant_delta', seq: 9, replyTo: 4, text: 'old reply' });
    log.userSent(5, 'pending', 'sent');
    log.fold({ type: 'assistant_delta', seq: 10, replyTo: 4, text: '!' });
    log.newSession([5], new Map([[5, 1]]));
    assert.equal(log.boundary, 2);
    log.fold({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'new reply' });
    assert.deepEqual(log.snapshot.entries, [
      { kind: 'user', cseq: 4, text: 'old', status: 'acked' },
      { kind: 'reply', replyTo: 4, text: 'old reply!' },
      { kind: 'user', cseq: 1, text: 'pending', status: 'sent' },
      { kind: 'reply', replyTo: 1, text: 'new reply' },
    ]);
    const restored = new ConversationLog(JSON.parse(JSON.stringify(log.toState())));
    restored.fold({ type: 'assistant_delta', seq: 2, replyTo: 1, text: '.' });
    assert.equal((restored.snapshot.entries[3] as { text: string }).text, 'new reply.');
  });

  it('marks pending messages failed when the outbox was dropped', () => {
    const log = new ConversationLog();
    log.userSent(1, 'a', 'sent');
    log.newSession([1], undefined);
    assert.deepEqual(log.snapshot.entries, [{ kind: 'user', cseq: 1, text: 'a', status: 'failed' }]);
    assert.equal(log.boundary, 1);
  });
});
