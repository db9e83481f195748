import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { tetherStore, useTether } from '../../src/react.js';
import { memoryStore } from '../../src/storage.js';
import { setup } from '../support/setup.js';

describe('React', () => {
  it('the store gives the same snapshot until something shown changes', () => {
    const t = setup();
    const store = tetherStore(t.client);
    let changes = 0;
    const unsubscribe = store.subscribe(() => changes++);
    const idle = store.getSnapshot();
    assert.equal(store.getSnapshot(), idle);
    assert.equal(idle.state, 'idle');
    t.client.connect();
    t.welcomeWith();
    const connected = store.getSnapshot();
    assert.notEqual(connected, idle);
    assert.equal(connected.state, 'connected');
    assert.deepEqual(connected.resumed, { resumed: false, replayed: 0 });
    t.client.send('hi');
    const sending = store.getSnapshot();
    assert.equal(sending.queueSize, 1);
    assert.equal(sending.conversation.entries.length, 1);
    t.net.last.receive({ type: 'ping', t: 1 });
    assert.equal(store.getSnapshot(), sending);
    t.net.last.end(1006);
    const reconnecting = store.getSnapshot();
    assert.equal(reconnecting.state, 'reconnecting');
    assert.equal(reconnecting.reconnecting?.attempt, 1);
    assert.deepEqual(reconnecting.closed, { code: 1006, reason: '' });
    assert.ok(changes >= 4);
    unsubscribe();
    const before = changes;
    t.clock.advance(2000);
    assert.equal(changes, before);
  });

  it('useTether renders a client\'s state and conversation', () => {
    const storage = memoryStore();
    const t = setup({}, storage);
    t.client.connect();
    t.welcomeWith();
    t.client.send('hello');
    t.net.last.receive({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'hello back' });
    function Chat() {
      const { state, conversation, queueSize } = useTether(t.client);
      return createElement('div', { 'data-testid': 'status' }, `${state} ${queueSize} `,
        ...conversation.entries.map((entry, i) => createElement('p', { key: i },
          entry.kind === 'event' ? entry.name : entry.text)));
    }
    const html = renderToString(createElement(Chat));
    assert.match(html, /connected 1 /);
    assert.match(html, /<p>hello<\/p><p>hello back<\/p>/);
  });

  it('useTether with options shows the stored conversation on the first render, before connecting', () => {
    const storage = memoryStore();
    const t = setup({}, storage);
    t.client.connect();
    t.welcomeWith();
    t.net.last.receive({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'kept' });
    function Chat() {
      const { state, conversation } = useTether({ url: 'ws://gateway.test/ws', storage, WebSocket: t.net.WebSocket });
      return createElement('div', null, state, ':', conversation.entries.map((e) => e.kind === 'reply' ? e.text : '').join());
    }
    // Server rendering runs no effect: nothing connects.
    assert.equal(renderToString(createElement(Chat)), '<div>idle<!-- -->:<!-- -->kept</div>');
    assert.equal(t.net.sockets.length, 1);
  });
});
