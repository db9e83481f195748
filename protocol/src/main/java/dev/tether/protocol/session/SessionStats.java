package dev.tether.protocol.session;

/**
 * Session counts for health reports.
 *
 * @param total        sessions that exist
 * @param connected    sessions with an attached connection
 * @param disconnected sessions in their grace period
 */
public record SessionStats(long total, long connected, long disconnected) {
}
