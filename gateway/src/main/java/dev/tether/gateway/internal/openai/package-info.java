/**
 * The {@code openai} conversation handler: streams replies from any server of the OpenAI Chat Completions protocol.
 * Internal; may change without notice.
 */
package dev.tether.gateway.internal.openai;
