/**
 * The client's implementation: connection lifecycle, outbox, delivery tracking and reconnect policy.
 *
 * <p>Internal: everything here may change without notice. Use {@link dev.tether.client.TetherClient}.
 */
package dev.tether.client.internal;
