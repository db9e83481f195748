import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboxFullError } from '../../src/errors.js';
import { Outbox } from '../../src/outbox.js';

describe('Outbox', () => {
  it('numbers messages from 1 and refuses beyond its capacity', () => {
    const outbox = new Outbox(2);
    assert.equal(outbox.offer({ type: 'user_message', text: 'a' }).cseq, 1);
    assert.equal(outbox.offer({ type: 'cancel', replyTo: 1 }).cseq, 2);
    assert.throws(() => outbox.offer({ type: 'user_message', text: 'c' }), OutboxFullError);
    assert.equal(outbox.size, 2);
  });

  it('completes on cumulative acks, in order', () => {
    const outbox = new Outbox(10);
    const resolved: number[] = [];
    for (const text of ['a', 'b', 'c']) {
      outbox.offer({ type: 'user_message', text }, (cseq) => resolved.push(cseq));
    }
    outbox.ack(2).forEach((entry) => entry.resolve?.(entry.message.cseq));
    assert.deepEqual(resolved, [1, 2]);
    assert.deepEqual(outbox.unacked().map((m) => m.cseq), [3]);
    assert.deepEqual(outbox.ack(1), []);
    assert.equal(outbox.ackedCseq, 2);
  });

  it('never reuses a cseq the gateway acknowledged', () => {
    const outbox = new Outbox(10);
    outbox.ack(5);
    assert.equal(outbox.offer({ type: 'user_message', text: 'x' }).cseq, 6);
  });

  it('renumbers what is pending for a new session', () => {
    const outbox = new Outbox(10);
    outbox.ack(6);
    outbox.offer({ type: 'user_message', text: 'a' });
    outbox.offer({ type: 'event', name: 'n', data: 1 });
    assert.deepEqual(outbox.renumber(1), [[7, 1], [8, 2]]);
    assert.deepEqual(outbox.unacked(), [{ type: 'user_message', text: 'a', cseq: 1 },
      { type: 'event', name: 'n', data: 1, cseq: 2 }]);
    assert.equal(outbox.nextCseq, 3);
  });

  it('survives a round trip through its persisted state, promises aside', () => {
    const outbox = new Outbox(10);
    outbox.offer({ type: 'user_message', text: 'a' }, () => {});
    const restored = new Outbox(10, JSON.parse(JSON.stringify(outbox.toState())));
    assert.deepEqual(restored.unacked(), outbox.unacked());
    assert.equal(restored.offer({ type: 'user_message', text: 'b' }).cseq, 2);
  });

  it('learns its numbering from the welcome of a session it did not start', () => {
    const outbox = new Outbox(10, { nextCseq: 1, ackedCseq: 0, numberingKnown: false, messages: [] });
    outbox.offer({ type: 'user_message', text: 'a' });
    const { acked, renumbered } = outbox.resumed(4);
    assert.deepEqual(acked, []);
    assert.deepEqual(renumbered, [[1, 5]]);
    assert.equal(outbox.resumed(4).acked.length, 0);
    assert.equal(outbox.resumed(5).acked.length, 1);
  });
});
