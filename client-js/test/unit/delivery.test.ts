import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { Delivery } from '../../src/delivery.js';

describe('Delivery', () => {
  it('classifies seqs as next, duplicate or gap', () => {
    const delivery = new Delivery(0, new FakeClock());
    assert.equal(delivery.classify(1), 'next');
    delivery.delivered(1);
    assert.equal(delivery.classify(1), 'duplicate');
    assert.equal(delivery.classify(3), 'gap');
    assert.equal(delivery.classify(2), 'next');
  });

  it('batches acks by count and by delay', () => {
    const clock = new FakeClock();
    const acks: number[] = [];
    const delivery = new Delivery(0, clock, 3, 200);
    delivery.helloSent((seq) => acks.push(seq));
    for (let seq = 1; seq <= 4; seq++) {
      delivery.delivered(seq);
      delivery.scheduleAck();
    }
    assert.deepEqual(acks, [3]);
    clock.advance(200);
    assert.deepEqual(acks, [3, 4]);
    clock.advance(1000);
    assert.deepEqual(acks, [3, 4]);
  });

  it('acks each frame at once with no delay', () => {
    const acks: number[] = [];
    const delivery = new Delivery(0, new FakeClock(), 16, 0);
    delivery.helloSent((seq) => acks.push(seq));
    delivery.delivered(1);
    delivery.scheduleAck();
    assert.deepEqual(acks, [1]);
  });

  it('counts the hello as an ack and sends nothing once detached', () => {
    const clock = new FakeClock();
    const acks: number[] = [];
    const delivery = new Delivery(5, clock);
    delivery.helloSent((seq) => acks.push(seq));
    assert.equal(delivery.ackDue, false);
    delivery.delivered(6);
    delivery.scheduleAck();
    delivery.detach();
    clock.advance(1000);
    assert.equal(acks.length, 0);
    delivery.helloSent((seq) => acks.push(seq));
    assert.equal(delivery.ackDue, false);
  });

  it('answers a duplicate with an ack of the current position', () => {
    const clock = new FakeClock();
    const acks: number[] = [];
    const delivery = new Delivery(7, clock, 16, 200);
    delivery.helloSent((seq) => acks.push(seq));
    assert.equal(delivery.classify(7), 'duplicate');
    delivery.scheduleAck();
    clock.advance(200);
    assert.deepEqual(acks, [7]);
  });
});
