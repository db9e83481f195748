/**
 * The session-log contract: what every session store (in memory, Redis, ...) implements, so that the gateway can
 * keep sessions alive across connections, and across gateway nodes when the store is shared.
 */
package dev.tether.protocol.session;
