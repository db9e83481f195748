export { TetherClient } from './client.js';
export type {
  ConnectionState, SessionHandle, TetherClientOptions, TetherEvents,
} from './client.js';
export type { Conversation, Entry, UserStatus } from './conversation.js';
export { ConversationLog, DEFAULT_MAX_ENTRIES } from './conversation.js';
export {
  ClientClosedError, ConnectionFailedError, ConnectionLostError, MessageTooBigError, OutboxFullError,
  SessionLostError, TetherError,
} from './errors.js';
export {
  Backoff, backoffDelay, backoffRange, CloseCode, DEFAULT_RECONNECT, parseRetryAfter, retryAfterWait,
  shouldReconnect,
} from './backoff.js';
export type { ReconnectOptions } from './backoff.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { Emitter } from './emitter.js';
export {
  decodeServerFrame, DEFAULT_MAX_FRAME_BYTES, encodeClientFrame, FrameError, isSequenced, PROTOCOL_VERSION,
} from './frames.js';
export type {
  AssistantDelta, AssistantDone, AuthOk, ClientAuth, ClientFrame, ClientMessage, ErrorFrame, Hello, ReplyError,
  SequencedFrame, ServerAck, ServerEvent, ServerFrame, TokenUsage, Welcome,
} from './frames.js';
export {
  MAX_UNAUTHORIZED_IN_A_ROW, refreshDelay, TOKEN_REFRESH_MARGIN_MS, tokenExpiresAt,
} from './token.js';
export type { TokenProvider } from './token.js';
export { localStorageStore, memoryStore } from './storage.js';
export type { FallbackStore, SessionStorage } from './storage.js';
export type { WebSocketConstructor, WebSocketLike } from './transport.js';
export { alwaysActive, browserEnvironment } from './visibility.js';
export type { PageEnvironment } from './visibility.js';
