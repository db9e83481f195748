package dev.tether.protocol.session;

import reactor.core.publisher.Mono;

/**
 * One connection's hold on a session.
 *
 * @param session    the session as of the attach
 * @param generation this connection's generation
 * @param superseded completes when a later attach, on any node, takes the session over
 */
public record Attachment(SessionRecord session, long generation, Mono<Void> superseded) {
}
