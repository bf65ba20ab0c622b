package dev.flexilib.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/** The end of an upstream connection's pipeline: hands what arrives to the request using the connection. */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private ProxyCall call;

    void attach(ProxyCall call) {
        this.call = call;
    }

    void detach() {
        this.call = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (call != null) {
            call.fromUpstream(message);
        } else {
            ReferenceCountUtil.release(message); // nothing may arrive on an idle connection
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (call != null && ctx.channel().isWritable()) {
            call.upstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (call != null) {
            call.upstreamClosed(null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent && call == null) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (call != null) {
            call.upstreamClosed(cause);
        }
        ctx.close();
    }
}
