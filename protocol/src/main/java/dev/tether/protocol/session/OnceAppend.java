package dev.tether.protocol.session;

/**
 * What became of a frame given to {@link SessionStore#appendOnce}.
 *
 * @param seq       the seq of the frame appended under the key: now, or by an earlier call
 * @param duplicate whether an earlier call had appended it, so that this one appended nothing
 */
public record OnceAppend(long seq, boolean duplicate) {
}
