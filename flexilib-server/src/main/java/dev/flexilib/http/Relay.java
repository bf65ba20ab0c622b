package dev.flexilib.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Copies bytes from one connection to another, for an upgraded (WebSocket)
 * connection tunnelled through the proxy. Reads stop while the other side
 * cannot take more; either side closing closes both.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel other;

    Relay(Channel other) {
        this.other = other;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        other.writeAndFlush(message);
        if (!other.isWritable()) {
            ctx.channel().config().setAutoRead(false);
            other.pipeline().get(Relay.class).resumeWhenWritable(ctx.channel());
        }
    }

    private Channel paused;

    /** Resumes reading {@code channel} once this side can write again. */
    private void resumeWhenWritable(Channel channel) {
        paused = channel;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && paused != null) {
            paused.config().setAutoRead(true);
            paused = null;
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        other.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
