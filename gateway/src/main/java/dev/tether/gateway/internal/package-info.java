/**
 * The gateway's implementation: the server, per-connection pipelines, reply production and command-line parsing.
 * Not an API: anything here may change without notice. Use {@code dev.tether.gateway} instead.
 */
package dev.tether.gateway.internal;
