package dev.tether.client.internal;

import dev.tether.client.TetherClient;
import dev.tether.client.TetherClientOptions;
import java.util.Objects;

/** Creates clients; the entry point from the public API into this internal package. */
public final class TetherClients {

    private TetherClients() {
    }

    /** A client over Reactor Netty WebSockets; use {@link TetherClient#create(TetherClientOptions)} instead. */
    public static TetherClient create(TetherClientOptions options) {
        Objects.requireNonNull(options, "options");
        return new DefaultTetherClient(options, new NettyTransport(options.maxFrameBytes()));
    }
}
