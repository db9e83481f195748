/** Helpers for testing code that uses the client: a clock that moves only when told. */
export { FakeClock } from './clock.js';
export { memoryStore } from './storage.js';
