/**
 * The {@code http} conversation handler: the application's own backend behind the gateway. May change without
 * notice.
 */
package dev.tether.gateway.internal.backend;
