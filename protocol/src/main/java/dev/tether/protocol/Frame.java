package dev.tether.protocol;

/**
 * One protocol frame: a JSON text frame discriminated by its {@code type}.
 *
 * <p>{@link Ping} and {@link Pong} travel in both directions, so they are both client and server frames.
 */
public sealed interface Frame permits ClientFrame, ServerFrame {

    /** The wire name of this frame's type, as written in the {@code type} field. */
    String type();
}
