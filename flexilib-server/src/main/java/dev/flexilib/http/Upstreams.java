package dev.flexilib.http;

import dev.flexilib.config.ProxySpec.Upstream;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Connections to upstream servers, made on the event loop of the client
 * connection that needs them, and kept alive per event loop and upstream once a
 * response is done, so a later request on that loop reuses one without locking.
 */
final class Upstreams {
    /** Idle connections kept per upstream and event loop; more are closed. */
    private static final int MAX_IDLE = 64;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final FastThreadLocal<Map<Upstream, ArrayDeque<Channel>>> IDLE = new FastThreadLocal<>() {
        @Override
        protected Map<Upstream, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    private final boolean epoll;
    private final Duration connectTimeout;
    private final boolean passHost;
    private volatile SslContext tls;

    Upstreams(boolean epoll, Duration connectTimeout, boolean passHost) {
        this.epoll = epoll;
        this.connectTimeout = connectTimeout;
        this.passHost = passHost;
    }

    /** Whether the client's Host header goes upstream unchanged (else the upstream's host:port replaces it). */
    boolean passHost() {
        return passHost;
    }

    /** An idle kept-alive connection to {@code upstream}, if this event loop has one. Call on {@code loop}. */
    Channel idle(Upstream upstream) {
        ArrayDeque<Channel> idle = IDLE.get().get(upstream);
        while (idle != null && !idle.isEmpty()) {
            Channel channel = idle.pollLast();
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    /** A new connection to {@code upstream} on {@code loop}. */
    Future<Channel> connect(EventLoop loop, Upstream upstream) {
        Promise<Channel> promise = loop.newPromise();
        SslContext context;
        try {
            context = upstream.https() ? tls() : null;
        } catch (SSLException e) {
            return promise.setFailure(e);
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                // a failed write must not close the connection at once: the upstream may have answered
                // already (see ProxyCall.upstreamRefusedBody), and the answer is still to be read
                .option(ChannelOption.AUTO_CLOSE, false);
        SocketAddress address;
        if (upstream.socket().isPresent()) {
            Path socket = upstream.socket().get();
            bootstrap.channel(epoll ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class);
            address = epoll ? new DomainSocketAddress(socket.toFile()) : UnixDomainSocketAddress.of(socket);
        } else {
            bootstrap.channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true);
            address = InetSocketAddress.createUnresolved(upstream.host(), upstream.port());
        }
        bootstrap.handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (context != null) {
                            channel.pipeline().addLast(context.newHandler(channel.alloc(), upstream.host(), upstream.port()));
                        }
                        channel.pipeline()
                                .addLast(new IdleStateHandler(0, 0, IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                                .addLast(new HttpClientCodec())
                                .addLast(new UpstreamHandler());
                    }
                })
                .connect(address)
                .addListener(future -> {
                    if (future.isSuccess()) {
                        promise.setSuccess(((io.netty.channel.ChannelFuture) future).channel());
                    } else {
                        promise.setFailure(future.cause());
                    }
                });
        return promise;
    }

    /** Keeps {@code channel} for the next request to {@code upstream} on its event loop. Call on that loop. */
    void release(Upstream upstream, Channel channel) {
        ArrayDeque<Channel> idle = IDLE.get().computeIfAbsent(upstream, u -> new ArrayDeque<>());
        if (channel.isActive() && idle.size() < MAX_IDLE) {
            idle.addLast(channel);
        } else {
            channel.close();
        }
    }

    /** The JDK's trust store decides which upstream certificates are accepted. */
    private SslContext tls() throws SSLException {
        SslContext context = tls;
        if (context == null) {
            context = SslContextBuilder.forClient().build();
            tls = context;
        }
        return context;
    }
}
