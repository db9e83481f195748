package dev.tether.gateway.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Treats a connection that ends inside a fragmented WebSocket message as the ordinary end it is. Netty's frame
 * aggregator reports it as an exception once the connection is closed, which Reactor Netty would log as an
 * uncaught error: a client cut in the middle of a message, or failed for breaking RFC 6455 there, is neither.
 */
@ChannelHandler.Sharable
final class UnfinishedMessages extends ChannelInboundHandlerAdapter {

    /** The handler's name in the pipeline, just after Reactor Netty's frame aggregator. */
    static final String NAME = "tether.unfinishedMessages";

    static final UnfinishedMessages INSTANCE = new UnfinishedMessages();

    private static final Logger log = LoggerFactory.getLogger(UnfinishedMessages.class);

    private UnfinishedMessages() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PrematureChannelClosureException && !ctx.channel().isActive()) {
            log.debug("connection ended inside a fragmented message: {}", ctx.channel());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
