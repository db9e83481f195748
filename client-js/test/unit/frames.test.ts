import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkClientMessage, decodeServerFrame, encodeClientFrame, FrameError, MessageSizeError,
} from '../../src/frames.js';

describe('frames', () => {
  it('encodes client frames as the protocol writes them', () => {
    assert.equal(encodeClientFrame({ type: 'hello', v: 1 }), '{"type":"hello","v":1}');
    assert.equal(encodeClientFrame({ type: 'hello', v: 1, resume: { sessionId: 's', token: 't', epoch: 1,
      lastSeq: 42 } }), '{"type":"hello","v":1,"resume":{"sessionId":"s","token":"t","epoch":1,"lastSeq":42}}');
    assert.equal(encodeClientFrame({ type: 'user_message', cseq: 1, text: 'the quick brown fox' }),
      '{"type":"user_message","cseq":1,"text":"the quick brown fox"}');
    assert.equal(encodeClientFrame({ type: 'cancel', cseq: 3, replyTo: 2 }), '{"type":"cancel","cseq":3,"replyTo":2}');
    assert.equal(encodeClientFrame({ type: 'event', cseq: 4, name: 'typing', data: undefined }),
      '{"type":"event","cseq":4,"name":"typing","data":null}');
    assert.equal(encodeClientFrame({ type: 'ack', seq: 42 }), '{"type":"ack","seq":42}');
    assert.equal(encodeClientFrame({ type: 'bye' }), '{"type":"bye"}');
  });

  it('decodes every server frame and ignores unknown fields', () => {
    assert.deepEqual(decodeServerFrame('{"type":"welcome","v":1,"sessionId":"s","token":"t","epoch":1,'
      + '"resumed":false,"reason":"not_found","lastSeq":0,"ackedCseq":0,"heartbeatMs":25000,"extra":1}'),
    { type: 'welcome', v: 1, sessionId: 's', token: 't', epoch: 1, resumed: false, reason: 'not_found',
      lastSeq: 0, ackedCseq: 0, heartbeatMs: 25000 });
    assert.deepEqual(decodeServerFrame('{"type":"assistant_delta","seq":12,"replyTo":3,"text":" brown"}'),
      { type: 'assistant_delta', seq: 12, replyTo: 3, text: ' brown' });
    assert.deepEqual(decodeServerFrame('{"type":"assistant_done","seq":14,"replyTo":3,"reason":"complete",'
      + '"usage":{"promptTokens":812,"completionTokens":57}}'),
    { type: 'assistant_done', seq: 14, replyTo: 3, reason: 'complete',
      usage: { promptTokens: 812, completionTokens: 57 } });
    assert.deepEqual(decodeServerFrame('{"type":"assistant_done","seq":14,"replyTo":3,"reason":"complete",'
      + '"continued":1}'), { type: 'assistant_done', seq: 14, replyTo: 3, reason: 'complete', continued: 1 });
    assert.deepEqual(decodeServerFrame('{"type":"assistant_done","seq":14,"replyTo":3,"reason":"complete",'
      + '"continued":0}'), { type: 'assistant_done', seq: 14, replyTo: 3, reason: 'complete' });
    assert.deepEqual(decodeServerFrame('{"type":"event","seq":15,"name":"tool_result"}'),
      { type: 'event', seq: 15, name: 'tool_result', data: null });
    assert.deepEqual(decodeServerFrame('{"type":"ack","cseq":9}'), { type: 'ack', cseq: 9 });
    assert.deepEqual(decodeServerFrame('{"type":"error","code":"x","message":"m"}'),
      { type: 'error', code: 'x', message: 'm' });
    assert.deepEqual(decodeServerFrame('{"type":"error","code":"rate_limited","message":"m","retryAfterMs":1500}'),
      { type: 'error', code: 'rate_limited', message: 'm', retryAfterMs: 1500 });
    assert.deepEqual(decodeServerFrame('{"type":"ping","t":1767225600000}'), { type: 'ping', t: 1767225600000 });
  });

  it('refuses malformed frames with the protocol error code', () => {
    const cases: Array<[string, string]> = [
      ['nope', 'invalid_json'],
      ['[1]', 'invalid_json'],
      ['{"t":1}', 'validation_error'],
      ['{"type":"hello","v":1}', 'unknown_type'],
      ['{"type":"assistant_delta","seq":0,"replyTo":1,"text":""}', 'validation_error'],
      ['{"type":"assistant_delta","seq":1.5,"replyTo":1,"text":""}', 'validation_error'],
      ['{"type":"ack","cseq":"1"}', 'validation_error'],
      ['{"type":"assistant_done","seq":1,"replyTo":1,"reason":"complete","continued":-1}', 'validation_error'],
      ['{"type":"welcome","v":1,"sessionId":"","token":"t","epoch":1,"resumed":false,"lastSeq":0,"ackedCseq":0,'
        + '"heartbeatMs":1}', 'validation_error'],
    ];
    for (const [text, code] of cases) {
      assert.throws(() => decodeServerFrame(text), (e: unknown) => e instanceof FrameError && e.code === code, text);
    }
  });

  it('checks client messages as the gateway will', () => {
    checkClientMessage({ type: 'user_message', cseq: 1, text: 'x'.repeat(65_444) });
    assert.throws(() => checkClientMessage({ type: 'user_message', cseq: 1, text: 'x'.repeat(65_445) }),
      MessageSizeError);
    // Escapes count as encoded: a quote is 2 bytes, a control character 6.
    assert.throws(() => checkClientMessage({ type: 'user_message', cseq: 1, text: '"'.repeat(32_723) }),
      MessageSizeError);
    assert.throws(() => checkClientMessage({ type: 'user_message', cseq: 1, text: 'a\udc00b' }), FrameError);
    checkClientMessage({ type: 'user_message', cseq: 1, text: '😀' });
    assert.throws(() => checkClientMessage({ type: 'event', cseq: 1, name: '', data: null }), FrameError);
    let deep: unknown = 1;
    for (let i = 0; i < 63; i++) {
      deep = [deep];
    }
    checkClientMessage({ type: 'event', cseq: 1, name: 'n', data: deep });
    assert.throws(() => checkClientMessage({ type: 'event', cseq: 1, name: 'n', data: [deep] }), /nests deeper/);
    assert.throws(() => checkClientMessage({ type: 'event', cseq: 1, name: 'n', data: 'x'.repeat(70_000) }),
      MessageSizeError);
  });
});
