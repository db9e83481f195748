import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { readUIMessageStream } from 'ai';
import type { UIMessage, UIMessageChunk } from 'ai';
import { TetherChatTransport } from '../../src/ai-sdk.js';
import { TetherClient } from '../../src/client.js';
import type { TetherClientOptions, TetherEvents } from '../../src/client.js';
import type { Entry } from '../../src/conversation.js';
import type { SequencedFrame } from '../../src/frames.js';
import { memoryStore } from '../../src/storage.js';
import type { SessionStorage } from '../../src/storage.js';
import type { WebSocketConstructor } from '../../src/transport.js';
import { Gateway } from '../support/gateway.js';

/** `ws` sockets, remembered so that a test can cut one without a close frame, as a network failure would. */
class Sockets {
  readonly opened: WebSocket[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const opened = this.opened;
    this.WebSocket = class extends WebSocket {
      constructor(url: string) {
        super(url);
        opened.push(this);
      }
    } as unknown as WebSocketConstructor;
  }

  /** Cuts the newest connection: the TCP connection is destroyed, no close frame is sent. */
  cut(): void {
    this.opened[this.opened.length - 1]?.terminate();
  }
}

const WORDS = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

describe('TetherClient against a real gateway', { timeout: 120_000 }, () => {
  let gateway: Gateway;
  const clients: TetherClient[] = [];

  before(async () => {
    gateway = await Gateway.start(['--echo-delay', '15ms']);
  });

  after(async () => {
    for (const client of clients) {
      client.disconnect({ reconnect: false });
    }
    await gateway?.stop();
  });

  function client(options: Partial<TetherClientOptions> = {}, sockets = new Sockets(),
                  storage: SessionStorage = memoryStore()) {
    const created = new TetherClient({
      url: gateway.url, WebSocket: sockets.WebSocket, storage,
      reconnect: { baseDelayMs: 20, maxDelayMs: 200 }, ...options,
    });
    clients.push(created);
    const messages: SequencedFrame[] = [];
    created.on('message', (frame) => messages.push(frame));
    return { client: created, sockets, storage, messages };
  }

  it('sends a message and receives the reply streamed word by word', async () => {
    const { client: c, messages } = client();
    await c.connect();
    assert.equal(c.state, 'connected');
    assert.equal(await c.send('the quick brown fox'), 1);
    await replyDone(c, 1);
    assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(c.conversation.entries, [
      { kind: 'user', cseq: 1, text: 'the quick brown fox', status: 'acked' },
      { kind: 'reply', replyTo: 1, text: 'the quick brown fox', done: 'complete' },
    ]);
    assert.equal(c.queueSize, 0);
  });

  it('cancel() stops a reply, which ends cancelled with the text sent before it stopped', async () => {
    const { client: c, messages } = client();
    await c.connect();
    await c.send(WORDS);
    await until(() => messages.length >= 3);
    assert.equal(await c.cancel(1), 2);
    await replyDone(c, 1);
    const reply = c.conversation.entries.find((e) => e.kind === 'reply');
    assert.equal(reply?.kind === 'reply' && reply.done, 'cancelled');
    assert.ok(reply?.kind === 'reply' && WORDS.startsWith(reply.text) && reply.text.length < WORDS.length);
  });

  it('messages sent while the connection is down are queued, then stored once and answered', async () => {
    const { client: c } = client({ reconnect: { baseDelayMs: 300, maxDelayMs: 300 } });
    const flushed: number[] = [];
    c.on('queueFlushed', ({ count }) => flushed.push(count));
    await c.connect();
    c.disconnect();
    assert.equal(c.state, 'reconnecting');
    const sent = [c.send('queued one'), c.send('queued two')];
    assert.deepEqual(c.conversation.entries.map((e) => e.kind === 'user' && e.status), ['queued', 'queued']);
    assert.deepEqual(await Promise.all(sent), [1, 2]);
    assert.deepEqual(flushed, [2]);
    await replyDone(c, 2);
    assert.equal(replyText(c.conversation.entries, 1), 'queued one');
    assert.equal(replyText(c.conversation.entries, 2), 'queued two');
  });

  it('sendEvent() stores an application event', async () => {
    const { client: c } = client();
    await c.connect();
    assert.equal(await c.sendEvent('typing', { state: 'started' }), 1);
    assert.equal(await c.send('after the event'), 2);
    await replyDone(c, 2);
  });

  it('keeps every word once when the connection is cut mid-reply, again and again', async () => {
    const { client: c, sockets, messages } = client();
    const resumed: Array<TetherEvents['resumed']> = [];
    c.on('resumed', (e) => resumed.push(e));
    const trace: string[] = [];
    c.on('closed', (e) => trace.push(`closed ${e.code} ${e.reason}`));
    c.on('stateChange', (e) => trace.push(e.current));
    c.on('message', (m) => trace.push(`m${m.seq}`));
    await c.connect();
    const sent = c.send(WORDS);
    let cuts = 0;
    const stop = c.on('message', () => {
      // Cut at varying points of the reply, alternating a destroyed socket with the client's own drop.
      if (messages.length % 7 === 3 && cuts < 5) {
        cuts++;
        if (cuts % 2 === 0) {
          sockets.cut();
        } else {
          c.disconnect();
        }
      }
    });
    assert.equal(await sent, 1);
    await replyDone(c, 1);
    stop();
    assert.equal(cuts, 5);
    // Two cuts can hit one connection (frames already read are still delivered after a cut), so count loosely;
    // what matters is that every resume succeeded and every word came once.
    assert.ok(resumed.length >= 3 && resumed.slice(1).every((e) => e.resumed), JSON.stringify(resumed)
      + trace.join(','));
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: 41 }, (_, i) => i + 1));
    assert.equal(replyText(c.conversation.entries, 1), WORDS);
  });

  it('a page reloaded mid-reply shows what it had and receives the rest, every word once', async () => {
    const storage = memoryStore();
    const before = client({}, new Sockets(), storage);
    await before.client.connect();
    await before.client.send(WORDS);
    await until(() => before.messages.length >= 10);
    // The page goes away: its connection is cut and the client is never heard of again.
    before.sockets.cut();
    before.client.disconnect({ reconnect: false });
    const shown = replyText(before.client.conversation.entries, 1) ?? '';
    const after = client({}, new Sockets(), storage);
    assert.equal(replyText(after.client.conversation.entries, 1), shown);
    assert.ok(shown.length > 0);
    await after.client.connect();
    await replyDone(after.client, 1);
    assert.equal(replyText(after.client.conversation.entries, 1), WORDS);
    assert.equal(after.messages[0]!.seq, before.client.session!.lastSeq + 1);
    assert.equal(after.client.session!.id, before.client.session!.id);
  });

  it('restart() starts a new session, numbering from 1 again', async () => {
    const { client: c } = client();
    await c.connect();
    await c.send('first');
    await replyDone(c, 1);
    const old = c.session!.id;
    await c.restart();
    assert.notEqual(c.session!.id, old);
    assert.deepEqual(c.conversation.entries, []);
    assert.equal(await c.send('second'), 1);
    await replyDone(c, 1);
    assert.equal(replyText(c.conversation.entries, 1), 'second');
  });

  it('close() ends the session: it cannot be resumed, and the storage is cleared', async () => {
    const storage = memoryStore();
    const { client: c } = client({}, new Sockets(), storage);
    await c.connect();
    await c.send('bye soon');
    await replyDone(c, 1);
    const saved = storage.getItem('tether')!;
    await c.close();
    assert.equal(c.state, 'closed');
    assert.equal(storage.getItem('tether'), null);
    // A client that still holds the old state finds the session gone.
    const stale = memoryStore();
    stale.setItem('tether', saved);
    const { client: later } = client({}, new Sockets(), stale);
    const resumed = once(later, 'resumed');
    await later.connect();
    assert.deepEqual(await resumed, { resumed: false, reason: 'not_found', replayed: 0 });
  });

  it('after a failed resume sends its queued messages to the new session, renumbered', async () => {
    const storage = memoryStore();
    storage.setItem('tether', JSON.stringify({ v: 1, session: { id: 'AAAAAAAAAAAAAAAAAAAAAA', token: 'x', epoch: 1 },
      lastSeq: 3, outbox: { nextCseq: 8, ackedCseq: 5, numberingKnown: true,
        messages: [{ type: 'user_message', cseq: 6, text: 'still here' }, { type: 'user_message', cseq: 7, text: 'me too' }] },
      conversation: { entries: [{ kind: 'user', cseq: 6, text: 'still here', status: 'sent' },
        { kind: 'user', cseq: 7, text: 'me too', status: 'sent' }], boundary: 0 } }));
    const { client: c } = client({}, new Sockets(), storage);
    const resumed = once(c, 'resumed');
    await c.connect();
    assert.equal((await resumed).reason, 'not_found');
    await replyDone(c, 2);
    assert.deepEqual(c.conversation.entries.filter((e) => e.kind === 'user').map((e) => [e.cseq, e.text]),
      [[1, 'still here'], [2, 'me too']]);
    assert.equal(replyText(c.conversation.entries, 2), 'me too');
  });

  it('a second client resuming the same session takes it over; the first stops without a reconnect loop', async () => {
    const storage = memoryStore();
    const first = client({}, new Sockets(), storage);
    await first.client.connect();
    await first.client.send('hello');
    await replyDone(first.client, 1);
    const copy = memoryStore();
    copy.setItem('tether', storage.getItem('tether')!);
    const second = client({}, new Sockets(), copy);
    const failed = new Promise<void>((resolve) => first.client.on('stateChange', ({ current }) => {
      if (current === 'failed') {
        resolve();
      }
    }));
    const closed = once(first.client, 'closed');
    await second.client.connect();
    await failed;
    assert.equal((await closed).code, 4009);
    await sleep(300);
    assert.equal(first.sockets.opened.length, 1);
    assert.equal(first.client.state, 'failed');
    assert.equal(await second.client.send('mine now'), 2);
  });

  it('the AI SDK transport streams a reply that survives cuts, as the SDK reads it', async () => {
    const { client: c, sockets } = client();
    const transport = new TetherChatTransport(c);
    const stream = await transport.sendMessages({ trigger: 'submit-message', chatId: 'chat', messageId: undefined,
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: WORDS }] }], abortSignal: undefined });
    let cuts = 0;
    c.on('message', (frame) => {
      if (frame.seq % 9 === 4 && cuts < 3) {
        cuts++;
        sockets.cut();
      }
    });
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream<UIMessage>({ stream: stream as ReadableStream<UIMessageChunk> })) {
      last = message;
    }
    assert.equal(cuts, 3);
    assert.equal(last?.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''), WORDS);
  });
});

function replyText(entries: Entry[], replyTo: number): string | undefined {
  const reply = entries.filter((e) => e.kind === 'reply' && e.replyTo === replyTo).at(-1);
  return reply?.kind === 'reply' ? reply.text : undefined;
}

function replyDone(client: TetherClient, replyTo: number, timeoutMs = 30_000): Promise<void> {
  return until(() => client.conversation.entries.some((e) => e.kind === 'reply' && e.replyTo === replyTo
    && e.done !== undefined), timeoutMs);
}

function once<K extends keyof TetherEvents>(client: TetherClient, type: K): Promise<TetherEvents[K]> {
  return new Promise((resolve) => {
    const off = client.on(type, (event) => {
      off();
      resolve(event);
    });
  });
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await sleep(10);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
