package dev.flexilib.http;

import dev.flexilib.AccessLog;
import dev.flexilib.Diagnostics;
import dev.flexilib.config.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP listeners on loopback for the processes flexilib starts (the Runtime API
 * of a Lambda execution environment), each on a port of its own with a handler
 * of its own, all on one small event loop group, and with the same connection
 * code and limits as the public listener. What they answer is not written to
 * the access log. Requests may wait for an answer as long as a day: a long poll
 * is how such an API hands out work.
 */
public final class LocalListeners implements AutoCloseable {
    private static final Duration LONG_POLL = Duration.ofDays(1);

    private final EventLoopGroup group;
    private final boolean epoll;
    private final ServerSettings settings;
    private final AccessLog discarded = new AccessLog(OutputStream.nullOutputStream());
    private final Diagnostics diagnostics;
    private final ChannelGroup connections = new DefaultChannelGroup("flexilib-local", GlobalEventExecutor.INSTANCE);

    /** {@code maxBodyBytes}: the largest request body a listener reads. */
    public LocalListeners(int maxBodyBytes, Diagnostics diagnostics) {
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.settings = ServerSettings.fromEnvironment(Map.of("PORT", "0", "LISTEN_ADDRESS", "127.0.0.1",
                "FLEXILIB_REQUEST_TIMEOUT_S", Long.toString(LONG_POLL.toSeconds()),
                "FLEXILIB_IDLE_TIMEOUT_S", Long.toString(LONG_POLL.toSeconds()),
                "FLEXILIB_MAX_BODY_SIZE", Integer.toString(maxBodyBytes)));
        this.diagnostics = diagnostics;
    }

    /** One listening socket on 127.0.0.1. */
    public interface Listener extends AutoCloseable {
        int port();

        /** Stops listening and closes the connections it accepted. */
        @Override
        void close();
    }

    /** Listens on a free loopback port; every request on it goes to {@code handler}. */
    public Listener open(RequestHandler handler) throws InterruptedException {
        ChannelGroup accepted = new DefaultChannelGroup("flexilib-local-listener", GlobalEventExecutor.INSTANCE);
        Connections shared = new Connections(settings, handler,
                new Upstreams(epoll, settings.proxyConnectTimeout(), settings.proxyPassesHost()), discarded, diagnostics);
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new HttpServer.Initializer(shared, accepted))
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
        connections.add(channel);
        return new Listener() {
            @Override
            public int port() {
                return ((InetSocketAddress) channel.localAddress()).getPort();
            }

            /** Does not wait: it may be called on the listeners' own event loop. */
            @Override
            public void close() {
                channel.close();
                accepted.close();
            }
        };
    }

    @Override
    public void close() {
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        discarded.close();
    }
}
