package dev.tether.gateway.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;

/**
 * Closes a TCP connection that has not completed its HTTP request within the request timeout: one that sends nothing,
 * half a header, or a body that never ends (a slowloris). Counted from the connection, then again from the end of each
 * response for the next request on a kept-alive connection; a WebSocket upgrade ends it, the connection's own timeouts
 * taking over. Sits right after the HTTP codec, on the channel's event loop: its timer needs no lock.
 */
final class RequestDeadline extends ChannelDuplexHandler {

    /** Its name in the pipeline. */
    static final String NAME = "tether.requestDeadline";

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
    private boolean requestComplete;
    private boolean responded;

    private RequestDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** Adds a deadline right after the HTTP codec of a connection just accepted. */
    static void install(ChannelPipeline pipeline, Duration timeout) {
        if (pipeline.get(NettyPipeline.HttpCodec) != null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new RequestDeadline(timeout));
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof HttpRequest) {
            requestComplete = false;
            responded = false;
        }
        if (message instanceof LastHttpContent) {
            requestComplete = true;
            // A response can be out before the request's end is read (an answer that needs no body).
            if (responded) {
                arm(ctx);
            } else {
                disarm();
            }
        }
        ctx.fireChannelRead(message);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
        if (message instanceof HttpResponse response
                && HttpResponseStatus.SWITCHING_PROTOCOLS.equals(response.status())) {
            disarm();
            ctx.pipeline().remove(this);
        } else if (message instanceof LastHttpContent) {
            // The response is out: the next request on this connection has the same time.
            responded = true;
            if (requestComplete) {
                arm(ctx);
            }
        }
        ctx.write(message, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
