/**
 * Tether wire protocol v1: typed frames as sealed records, their JSON codec, close codes and errors.
 *
 * <p>The normative description is {@code docs/protocol.md}; this package is its executable form.
 */
package dev.tether.protocol;
