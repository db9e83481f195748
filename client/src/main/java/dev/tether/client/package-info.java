/**
 * The Tether Java client: a WebSocket connection that reconnects with jittered backoff, resumes its session and
 * delivers every message exactly once in both directions.
 *
 * <p>Start with {@link dev.tether.client.TetherClient#create(TetherClientOptions)}.
 */
package dev.tether.client;
