import { ClientClosedError, ConnectionFailedError } from './errors.js';
import type { ConnectionState } from './options.js';

/** The state of a client and its changes: once 'closed', it stays so. */
export class StateTransitions {
  /** The current state; a follower tab sets it as the leader's without an event when the event comes anyway. */
  value: ConnectionState = 'idle';

  /** @param changed emits the stateChange event */
  constructor(private readonly changed: (event: { previous: ConnectionState; current: ConnectionState }) => void,
              private readonly subscribe: (fn: (event: { current: ConnectionState }) => void) => () => void) {
  }

  transition(current: ConnectionState): void {
    const previous = this.value;
    if (previous === current || previous === 'closed') {
      return;
    }
    this.value = current;
    this.changed({ previous, current });
  }

  /** Resolves once connected; rejects once failed (with `failure()`), idle or closed. */
  whenSettled(failure: () => Error | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (current: ConnectionState): boolean => {
        switch (current) {
          case 'connected':
            resolve();
            return true;
          case 'failed':
            reject(failure() ?? new ConnectionFailedError('the client has failed'));
            return true;
          case 'idle':
            reject(new ClientClosedError('the client was disconnected before the connection was established'));
            return true;
          case 'closed':
            reject(new ClientClosedError('the client is closed'));
            return true;
          default:
            return false;
        }
      };
      if (settle(this.value)) {
        return;
      }
      const off = this.subscribe(({ current }) => {
        if (settle(current)) {
          off();
        }
      });
    });
  }

  /** Resolves when the state becomes 'closed'. */
  whenClosed(): Promise<void> {
    return new Promise<void>((resolve) => {
      const off = this.subscribe(({ current }) => {
        if (current === 'closed') {
          off();
          resolve();
        }
      });
    });
  }
}
