/**
 * The frames of the Tether wire protocol, version 1 (docs/protocol.md): their types, encoding and validation.
 * A client encodes client frames and decodes server frames; the same type name means different frames in each
 * direction (`ack`, `event`).
 */

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = 1;
/** The default largest message in either direction, in bytes of UTF-8: 64 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 65_536;
/** Bytes an `assistant_delta` with a 19-digit seq and replyTo needs around its text; bounds a user_message text. */
export const DELTA_OVERHEAD_BYTES = 92;
/** Deepest nesting of objects and arrays in a frame, the frame itself being level 1. */
export const MAX_NESTING_DEPTH = 64;
/** Longest identifier (session id, token), in characters. */
export const MAX_IDENTIFIER_LENGTH = 128;

// ------------------------------------------------------------------------------------------------ client frames

export interface HelloResume {
  sessionId: string;
  token: string;
  epoch: number;
  lastSeq: number;
}

export interface Hello {
  type: 'hello';
  v: number;
  resume?: HelloResume;
  /** The connection's credential, for a gateway that authenticates (`--auth jwt`). */
  auth?: { token: string };
}

/** A fresh token for the connection, sent before the one presented last expires; answered by `auth_ok`. */
export interface ClientAuth {
  type: 'auth';
  token: string;
}

export interface UserMessage {
  type: 'user_message';
  cseq: number;
  text: string;
}

export interface CancelMessage {
  type: 'cancel';
  cseq: number;
  replyTo: number;
}

export interface ClientEvent {
  type: 'event';
  cseq: number;
  name: string;
  data: unknown;
}

export interface ClientAck {
  type: 'ack';
  seq: number;
}

export interface Ping {
  type: 'ping';
  t: number;
}

export interface Pong {
  type: 'pong';
  t: number;
}

export interface Bye {
  type: 'bye';
}

/** The client's sequenced messages: numbered by cseq, kept in the outbox until the gateway acknowledges them. */
export type ClientMessage = UserMessage | CancelMessage | ClientEvent;

/** Every frame a client sends. */
export type ClientFrame = Hello | ClientMessage | ClientAck | ClientAuth | Ping | Pong | Bye;

// ------------------------------------------------------------------------------------------------ server frames

export interface Welcome {
  type: 'welcome';
  v: number;
  sessionId: string;
  token: string;
  epoch: number;
  resumed: boolean;
  /** Why a requested resume failed: `not_found`, `bad_token`, `history_lost`, `history_truncated` or `forbidden`. */
  reason?: string;
  lastSeq: number;
  ackedCseq: number;
  heartbeatMs: number;
}

export interface AssistantDelta {
  type: 'assistant_delta';
  seq: number;
  replyTo: number;
  text: string;
}

export interface ReplyError {
  code: string;
  message: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface AssistantDone {
  type: 'assistant_done';
  seq: number;
  replyTo: number;
  /** `complete`, `cancelled`, `failed` or `interrupted`. */
  reason: string;
  error?: ReplyError;
  usage?: TokenUsage;
  /** How many times the reply was taken over from a gateway node that died and continued by another; absent if 0. */
  continued?: number;
}

export interface ServerEvent {
  type: 'event';
  seq: number;
  name: string;
  data: unknown;
}

export interface ServerAck {
  type: 'ack';
  cseq: number;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  /** With `rate_limited`: how long to wait, in ms, before sending the refused message and what follows again. */
  retryAfterMs?: number;
}

/** The server's sequenced frames: numbered by seq, delivered once and in order. */
export type SequencedFrame = AssistantDelta | AssistantDone | ServerEvent;

/** Every frame a gateway sends. */
/** The answer to `auth`: the new token is accepted; `expiresAt` is its `exp` in epoch ms (0: nothing expires). */
export interface AuthOk {
  type: 'auth_ok';
  expiresAt: number;
}

export type ServerFrame = Welcome | SequencedFrame | ServerAck | AuthOk | ErrorFrame | Ping | Pong;

/** The error codes of §6; a code this client does not know reads as `other`. */
export const ERROR_CODES = [
  'invalid_json', 'validation_error', 'unknown_type', 'unsupported_frame', 'handshake_required',
  'unsupported_version', 'out_of_order', 'store_unavailable', 'rate_limited', 'internal',
] as const;

/** Whether a server frame is one of the sequenced ones. */
export function isSequenced(frame: ServerFrame): frame is SequencedFrame {
  return frame.type === 'assistant_delta' || frame.type === 'assistant_done'
    || (frame.type === 'event' && 'seq' in frame);
}

// ------------------------------------------------------------------------------------------------ errors

/** A frame that cannot be decoded or fails validation; `code` is the protocol's error code. */
export class FrameError extends Error {
  readonly code: 'invalid_json' | 'validation_error' | 'unknown_type';

  constructor(code: FrameError['code'], message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

// ------------------------------------------------------------------------------------------------ encoding

const encoder = new TextEncoder();
// Lone surrogates only: with the u flag a well-formed pair is one code point, not two surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

/** The UTF-8 size of a string once JSON-encoded, quotes excluded, as the gateway measures it. */
export function encodedBytes(text: string): number {
  return encoder.encode(JSON.stringify(text)).length - 2;
}

/** The UTF-8 size of a frame as sent. */
export function frameBytes(frame: ClientFrame): number {
  return encoder.encode(encodeClientFrame(frame)).length;
}

/** Encodes a client frame as the JSON text of one WebSocket message. */
export function encodeClientFrame(frame: ClientFrame): string {
  switch (frame.type) {
    case 'hello': {
      const hello: Record<string, unknown> = { type: 'hello', v: frame.v };
      if (frame.resume) {
        hello.resume = { sessionId: frame.resume.sessionId, token: frame.resume.token,
          epoch: frame.resume.epoch, lastSeq: frame.resume.lastSeq };
      }
      if (frame.auth) {
        hello.auth = { token: frame.auth.token };
      }
      return JSON.stringify(hello);
    }
    case 'auth':
      return JSON.stringify({ type: frame.type, token: frame.token });
    case 'user_message':
      return JSON.stringify({ type: frame.type, cseq: frame.cseq, text: frame.text });
    case 'cancel':
      return JSON.stringify({ type: frame.type, cseq: frame.cseq, replyTo: frame.replyTo });
    case 'event':
      return JSON.stringify({ type: frame.type, cseq: frame.cseq, name: frame.name, data: frame.data ?? null });
    case 'ack':
      return JSON.stringify({ type: frame.type, seq: frame.seq });
    case 'ping':
    case 'pong':
      return JSON.stringify({ type: frame.type, t: frame.t });
    case 'bye':
      return '{"type":"bye"}';
  }
}

/**
 * Checks a client message as the gateway will, so that none it would refuse (and so never acknowledge) enters the
 * outbox; throws a {@link FrameError}, or a {@link MessageSizeError} when only its size is the problem.
 */
export function checkClientMessage(message: ClientMessage, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): void {
  switch (message.type) {
    case 'user_message': {
      requireWellFormed('user_message.text', message.text);
      const max = maxFrameBytes - DELTA_OVERHEAD_BYTES;
      const bytes = encodedBytes(message.text);
      if (bytes > max) {
        throw new MessageSizeError(`user_message.text must be at most ${max} bytes encoded (the frame limit less `
          + `${DELTA_OVERHEAD_BYTES}), got ${bytes} bytes`);
      }
      break;
    }
    case 'cancel':
      if (!Number.isInteger(message.replyTo) || message.replyTo < 1) {
        throw new FrameError('validation_error', `cancel.replyTo must be an integer >= 1, got ${message.replyTo}`);
      }
      break;
    case 'event': {
      if (typeof message.name !== 'string' || message.name.length === 0) {
        throw new FrameError('validation_error', 'event.name is required and must be a non-empty string');
      }
      requireWellFormed('event.name', message.name);
      checkJsonValue('event.data', message.data, 2);
      break;
    }
  }
  // Sized with the widest cseq so that renumbering can never push it over.
  const bytes = frameBytes({ ...message, cseq: 0 }) + 18;
  if (bytes > maxFrameBytes) {
    throw new MessageSizeError(`${message.type} frame would be ${bytes} bytes encoded, more than the frame limit of `
      + `${maxFrameBytes} bytes`);
  }
}

/** A message too large for the frame limit; the counterpart of the Java client's MessageTooBigException. */
export class MessageSizeError extends FrameError {
  constructor(message: string) {
    super('validation_error', message);
    this.name = 'MessageSizeError';
  }
}

function checkJsonValue(field: string, value: unknown, depth: number): void {
  if (value === null || value === undefined || typeof value === 'boolean') {
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new FrameError('validation_error', `${field} must be JSON, got ${value}`);
    }
    return;
  }
  if (typeof value === 'string') {
    requireWellFormed(field, value);
    return;
  }
  if (typeof value === 'object') {
    if (depth > MAX_NESTING_DEPTH) {
      throw new FrameError('validation_error', `${field} nests deeper than ${MAX_NESTING_DEPTH} levels`);
    }
    if (Array.isArray(value)) {
      value.forEach((item) => checkJsonValue(field, item, depth + 1));
    } else {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        requireWellFormed(field, key);
        checkJsonValue(field, item, depth + 1);
      }
    }
    return;
  }
  throw new FrameError('validation_error', `${field} must be JSON, got a ${typeof value}`);
}

function requireWellFormed(field: string, text: string): void {
  if (LONE_SURROGATE.test(text)) {
    throw new FrameError('validation_error', `${field} must be well-formed Unicode, got a lone surrogate`);
  }
}

// ------------------------------------------------------------------------------------------------ decoding

/** Decodes and validates the text of one message from the gateway. */
export function decodeServerFrame(text: string): ServerFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FrameError('invalid_json', `not JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new FrameError('invalid_json', 'a frame must be a JSON object');
  }
  const o = json as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') {
    throw new FrameError('validation_error', 'frame has no string field "type"');
  }
  switch (type) {
    case 'welcome': {
      const reason = optionalString(o, 'welcome', 'reason');
      const frame: Welcome = {
        type, v: integer(o, type, 'v', 1), sessionId: identifier(o, type, 'sessionId'),
        token: identifier(o, type, 'token'), epoch: integer(o, type, 'epoch'),
        resumed: boolean(o, type, 'resumed'), lastSeq: integer(o, type, 'lastSeq', 0),
        ackedCseq: integer(o, type, 'ackedCseq', 0), heartbeatMs: integer(o, type, 'heartbeatMs', 1),
      };
      if (reason !== undefined) {
        frame.reason = reason;
      }
      return frame;
    }
    case 'assistant_delta':
      return { type, seq: integer(o, type, 'seq', 1), replyTo: integer(o, type, 'replyTo', 1),
        text: string(o, type, 'text') };
    case 'assistant_done': {
      const frame: AssistantDone = { type, seq: integer(o, type, 'seq', 1), replyTo: integer(o, type, 'replyTo', 1),
        reason: string(o, type, 'reason', true) };
      const error = o.error;
      if (error !== undefined && error !== null) {
        const e = object(error, `${type}.error`);
        frame.error = { code: string(e, `${type}.error`, 'code', true), message: string(e, `${type}.error`, 'message') };
      }
      const usage = o.usage;
      if (usage !== undefined && usage !== null) {
        const u = object(usage, `${type}.usage`);
        frame.usage = { promptTokens: integer(u, `${type}.usage`, 'promptTokens', 0),
          completionTokens: integer(u, `${type}.usage`, 'completionTokens', 0) };
      }
      if (o.continued !== undefined && o.continued !== null) {
        const continued = integer(o, type, 'continued', 0);
        if (continued > 0) {
          frame.continued = continued;
        }
      }
      return frame;
    }
    case 'event':
      return { type, seq: integer(o, type, 'seq', 1), name: string(o, type, 'name', true), data: o.data ?? null };
    case 'ack':
      return { type, cseq: integer(o, type, 'cseq', 0) };
    case 'auth_ok':
      return { type, expiresAt: integer(o, type, 'expiresAt', 0) };
    case 'error': {
      const error: ErrorFrame = { type, code: string(o, type, 'code', true), message: string(o, type, 'message') };
      if (o.retryAfterMs !== undefined && o.retryAfterMs !== null) {
        error.retryAfterMs = integer(o, type, 'retryAfterMs', 0);
      }
      return error;
    }
    case 'ping':
    case 'pong':
      return { type, t: integer(o, type, 't') };
    default:
      throw new FrameError('unknown_type', `unknown frame type "${type.length > 32 ? type.slice(0, 32) + '…' : type}"`);
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FrameError('validation_error', `${field} must be an object`);
  }
  return value as Record<string, unknown>;
}

function integer(o: Record<string, unknown>, type: string, field: string, min?: number): number {
  const value = o[field];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FrameError('validation_error', `${type}.${field} is required and must be an integer`);
  }
  if (min !== undefined && value < min) {
    throw new FrameError('validation_error', `${type}.${field} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function string(o: Record<string, unknown>, type: string, field: string, nonEmpty = false): string {
  const value = o[field];
  if (typeof value !== 'string' || (nonEmpty && value.length === 0)) {
    throw new FrameError('validation_error',
      `${type}.${field} is required and must be a ${nonEmpty ? 'non-empty ' : ''}string`);
  }
  return value;
}

function optionalString(o: Record<string, unknown>, type: string, field: string): string | undefined {
  return o[field] === undefined || o[field] === null ? undefined : string(o, type, field);
}

function identifier(o: Record<string, unknown>, type: string, field: string): string {
  const value = string(o, type, field, true);
  if (value.length > MAX_IDENTIFIER_LENGTH) {
    throw new FrameError('validation_error',
      `${type}.${field} must be at most ${MAX_IDENTIFIER_LENGTH} characters, got ${value.length}`);
  }
  return value;
}

function boolean(o: Record<string, unknown>, type: string, field: string): boolean {
  const value = o[field];
  if (typeof value !== 'boolean') {
    throw new FrameError('validation_error', `${type}.${field} is required and must be a boolean`);
  }
  return value;
}
