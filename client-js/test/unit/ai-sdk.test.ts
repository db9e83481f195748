import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readUIMessageStream } from 'ai';
import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { TetherChatTransport } from '../../src/ai-sdk.js';
import { memoryStore } from '../../src/storage.js';
import { flush, setup } from '../support/setup.js';

const user = (text: string): UIMessage => ({ id: `u-${text}`, role: 'user', parts: [{ type: 'text', text }] });

/** Reads a transport's stream with the SDK's own reader, as useChat does; returns the final message. */
async function read(stream: ReadableStream<UIMessageChunk>): Promise<{ message: UIMessage | undefined;
  errors: unknown[] }> {
  let message: UIMessage | undefined;
  const errors: unknown[] = [];
  for await (const next of readUIMessageStream<UIMessage>({ stream, onError: (e) => errors.push(e) })) {
    message = next;
  }
  return { message, errors };
}

function text(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

describe('AI SDK transport', () => {
  it('is a ChatTransport for useChat', () => {
    const t = setup();
    // Compiles only if the transport has the SDK's shape.
    const transport: ChatTransport<UIMessage> = new TetherChatTransport(t.client);
    assert.equal(transport.resumeStreamIsReplay, true);
  });

  it('sends the newest user message and streams its reply as UI message chunks', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    const transport = new TetherChatTransport(t.client);
    const streaming = transport.sendMessages({ trigger: 'submit-message', chatId: 'c', messageId: undefined,
      messages: [user('earlier'), user('the quick fox')], abortSignal: undefined });
    assert.deepEqual(t.net.last.framesOf('user_message'), [{ type: 'user_message', cseq: 1, text: 'the quick fox' }]);
    t.net.last.receive({ type: 'ack', cseq: 1 });
    const stream = await streaming;
    const reading = read(stream as ReadableStream<UIMessageChunk>);
    t.net.last.receive({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'the' });
    t.net.last.end(1006);
    t.clock.advance(1300);
    t.welcomeWith({ resumed: true, lastSeq: 3, ackedCseq: 1 });
    t.net.last.receive({ type: 'assistant_delta', seq: 2, replyTo: 1, text: ' quick fox' });
    t.net.last.receive({ type: 'assistant_done', seq: 3, replyTo: 1, reason: 'complete' });
    const { message, errors } = await reading;
    assert.deepEqual(errors, []);
    assert.equal(message?.role, 'assistant');
    assert.equal(message?.id, 'tether-S1-1');
    assert.equal(text(message), 'the quick fox');
  });

  it('aborting cancels the reply at the gateway', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    const transport = new TetherChatTransport(t.client);
    const abort = new AbortController();
    const streaming = transport.sendMessages({ trigger: 'submit-message', chatId: 'c', messageId: undefined,
      messages: [user('long')], abortSignal: abort.signal });
    t.net.last.receive({ type: 'ack', cseq: 1 });
    const reading = read(await streaming as ReadableStream<UIMessageChunk>);
    abort.abort();
    await reading;
    assert.deepEqual(t.net.last.framesOf('cancel'), [{ type: 'cancel', cseq: 2, replyTo: 1 }]);
  });

  it('a failed reply ends the stream with an error chunk', async () => {
    const t = setup();
    t.client.connect();
    t.welcomeWith();
    const streaming = new TetherChatTransport(t.client).sendMessages({ trigger: 'submit-message', chatId: 'c',
      messageId: undefined, messages: [user('x')], abortSignal: undefined });
    t.net.last.receive({ type: 'ack', cseq: 1 });
    const chunks: unknown[] = [];
    const reader = (await streaming).getReader();
    t.net.last.receive({ type: 'assistant_done', seq: 1, replyTo: 1, reason: 'failed',
      error: { code: 'upstream_unavailable', message: 'the model server answered 503' } });
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      chunks.push(next.value);
    }
    assert.deepEqual(chunks.slice(2), [{ type: 'text-end', id: 'text-1' },
      { type: 'error', errorText: 'failed: the model server answered 503' }]);
  });

  it('after a reload, reconnectToStream replays the unfinished reply from its beginning, then the rest', async () => {
    const storage = memoryStore();
    const before = setup({}, storage);
    before.client.connect();
    before.welcomeWith();
    before.client.send('one two three');
    before.net.last.receive({ type: 'ack', cseq: 1 });
    before.net.last.receive({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'one two' });
    const after = setup({}, storage);
    const transport = new TetherChatTransport(after.client);
    const stream = await transport.reconnectToStream({ chatId: 'c' });
    assert.ok(stream);
    const reading = read(stream as ReadableStream<UIMessageChunk>);
    await flush();
    after.welcomeWith({ resumed: true, lastSeq: 2, ackedCseq: 1 });
    after.net.last.receive({ type: 'assistant_delta', seq: 2, replyTo: 1, text: ' three' });
    after.net.last.receive({ type: 'assistant_done', seq: 3, replyTo: 1, reason: 'complete' });
    assert.equal(text((await reading).message), 'one two three');
    after.net.last.receive({ type: 'ack', cseq: 1 });
    assert.equal(await transport.reconnectToStream({ chatId: 'c' }), null);
  });
});
