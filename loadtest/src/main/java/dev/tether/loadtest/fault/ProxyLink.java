package dev.tether.loadtest.fault;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;

/**
 * One proxied connection: the client's channel, the upstream channel, and the relay in each direction.
 *
 * <p>Both channels share the client's event loop, so all state except {@link #dead} is confined to it. Faults
 * requested from other threads set {@link #dead} at once, so nothing more is forwarded from the moment of the call,
 * and do the rest on the event loop.
 */
final class ProxyLink {

    private final FaultProxy proxy;
    private final Channel client;
    private final Relay clientSide = new Relay(true);
    private final Relay upstreamSide = new Relay(false);

    private volatile boolean dead;
    private Channel upstream;
    private boolean closed;
    private boolean clientGone;
    private boolean upstreamGone;
    /** Bytes still to forward downstream before the cut, or -1 for no cut. */
    private long downstreamBudget;

    ProxyLink(FaultProxy proxy, Channel client, long downstreamBudget) {
        this.proxy = proxy;
        this.client = client;
        this.downstreamBudget = downstreamBudget;
    }

    Relay clientSide() {
        return clientSide;
    }

    Relay upstreamSide() {
        return upstreamSide;
    }

    void upstreamConnected(Channel channel) {
        if (closed || dead) {
            resetChannel(channel);
            return;
        }
        upstream = channel;
        // Both sides start with autoRead off so that no byte is read before there is somewhere to send it.
        client.config().setAutoRead(true);
        channel.config().setAutoRead(true);
    }

    /** Resets both sides at once; callable from any thread. */
    void reset() {
        dead = true;
        client.eventLoop().execute(() -> {
            if (closed) {
                return;
            }
            closed = true;
            resetChannel(client);
            if (upstream != null) {
                resetChannel(upstream);
            }
            proxy.removed(this);
        });
    }

    /** Arms a cut after {@code bytes} more bytes downstream; callable from any thread. */
    void cutAfterDownstream(long bytes) {
        client.eventLoop().execute(() -> downstreamBudget = bytes);
    }

    /** The blackhole ended: a side that closed during it now takes the other with it. */
    void healed() {
        client.eventLoop().execute(() -> {
            if (!closed && (clientGone || upstreamGone)) {
                closeGracefully();
            }
        });
    }

    private void sideClosed(boolean clientSideClosed) {
        if (clientSideClosed) {
            clientGone = true;
        } else {
            upstreamGone = true;
        }
        if (closed) {
            return;
        }
        boolean otherGone = clientSideClosed ? upstream == null || upstreamGone : clientGone;
        if (proxy.isBlackholed() && !otherGone) {
            // A partition: the other side must not learn that this one went away.
            return;
        }
        closeGracefully();
    }

    private void closeGracefully() {
        closed = true;
        flushAndClose(client);
        if (upstream != null) {
            flushAndClose(upstream);
        }
        proxy.removed(this);
    }

    /** The budget ran out: the client gets what was written so far and a FIN, the upstream a reset. */
    private void cutDownstream() {
        if (closed) {
            return;
        }
        closed = true;
        dead = true;
        flushAndClose(client);
        if (upstream != null) {
            resetChannel(upstream);
        }
        proxy.removed(this);
    }

    private static void flushAndClose(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    /** Closes a channel with a TCP reset (SO_LINGER 0) rather than a FIN, discarding unsent bytes. */
    static void resetChannel(Channel channel) {
        if (channel.isOpen()) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException alreadyClosing) {
                // The socket is going away anyway; a plain close is all that is left to do.
            }
        }
        channel.close();
    }

    /** Reads from one side and writes to the other. */
    final class Relay extends ChannelInboundHandlerAdapter {

        private final boolean fromClient;

        Relay(boolean fromClient) {
            this.fromClient = fromClient;
        }

        private Channel peer() {
            return fromClient ? upstream : client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            Channel peer = peer();
            if (dead || closed || peer == null || !peer.isActive() || proxy.isBlackholed()) {
                proxy.dropped(buf.readableBytes());
                buf.release();
                return;
            }
            int size = buf.readableBytes();
            if (!fromClient && downstreamBudget >= 0 && size >= downstreamBudget) {
                int keep = (int) downstreamBudget;
                proxy.dropped(size - keep);
                proxy.forwarded(false, keep);
                ByteBuf last = keep == size ? buf : buf.readRetainedSlice(keep);
                if (last != buf) {
                    buf.release();
                }
                downstreamBudget = 0;
                peer.writeAndFlush(last).addListener(done -> cutDownstream());
                return;
            }
            if (!fromClient && downstreamBudget > 0) {
                downstreamBudget -= size;
            }
            proxy.forwarded(fromClient, size);
            peer.write(buf, peer.voidPromise());
            if (!peer.isWritable()) {
                // The peer cannot keep up: stop reading here until it drains (see channelWritabilityChanged).
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (peer != null) {
                peer.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (ctx.channel().isWritable() && peer != null && !closed) {
                peer.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sideClosed(fromClient);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset or an I/O error on one side: that side is done. Close it; channelInactive does the rest.
            ctx.close();
        }
    }
}
