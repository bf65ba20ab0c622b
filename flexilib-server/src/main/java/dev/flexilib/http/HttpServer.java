package dev.flexilib.http;

import dev.flexilib.AccessLog;
import dev.flexilib.Diagnostics;
import dev.flexilib.config.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP/1.1 listener: Netty with the native epoll transport where it is
 * available, NIO elsewhere. Event loops only parse and write; every request
 * goes to the {@link RequestHandler}.
 */
public final class HttpServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final String transport;
    private final ChannelGroup connections;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HttpServer(EventLoopGroup group, Channel channel, String transport, ChannelGroup connections) {
        this.group = group;
        this.channel = channel;
        this.transport = transport;
        this.connections = connections;
    }

    /**
     * Starts serving: on a socket it binds to the configured address, or, with
     * {@code inherited}, on the listening socket this process received as its
     * standard input from the supervisor. Throws if the socket cannot be had.
     */
    public static HttpServer start(ServerSettings settings, boolean inherited, RequestHandler handler,
                                   AccessLog accessLog, Diagnostics diagnostics) throws InterruptedException, IOException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        ChannelGroup connections = new DefaultChannelGroup("flexilib-connections", GlobalEventExecutor.INSTANCE);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Initializer(settings, handler, accessLog, diagnostics, connections,
                            new Upstreams(epoll, settings.proxyConnectTimeout(), settings.proxyPassesHost())));
            Channel channel;
            if (inherited) {
                ServerChannel server = inheritedChannel(epoll);
                channel = bootstrap.channelFactory(() -> server).register().sync().channel();
            } else {
                channel = bootstrap.channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                        .option(ChannelOption.SO_BACKLOG, 4096)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .bind(new InetSocketAddress(settings.listenAddress(), settings.port()))
                        .sync()
                        .channel();
            }
            return new HttpServer(group, channel, epoll ? "epoll" : "nio", connections);
        } catch (RuntimeException | InterruptedException | IOException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * The listening socket on standard input (file descriptor 0), as the supervisor
     * passes it. With epoll, Netty takes descriptor 0 itself. The JDK's
     * {@code System.inheritedChannel()} (used for NIO) holds a duplicate of it, and
     * closing that channel points stdout and stderr at /dev/null, so the epoll path
     * never creates it.
     */
    private static ServerChannel inheritedChannel(boolean epoll) throws IOException {
        if (epoll) {
            String fd0 = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            if (!fd0.startsWith("socket:")) {
                throw new IOException("standard input is " + fd0 + ", not the supervisor's listening socket");
            }
            return new EpollServerSocketChannel(0);
        }
        if (!(System.inheritedChannel() instanceof ServerSocketChannel socket)) {
            throw new IOException("standard input is not a listening socket: --inherited-socket is for the supervisor's child");
        }
        System.in.close();
        return new NioServerSocketChannel(socket);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public String transport() {
        return transport;
    }

    /**
     * The graceful part of stopping: stops accepting, answers the requests
     * already received (each connection closes after its response; idle ones at
     * once), and waits until the connections closed or {@code deadline} passed.
     * {@link #close} then closes what is left.
     */
    public void drain(Duration deadline) {
        stopAccepting();
        connections.forEach(connection -> connection.pipeline().fireUserEventTriggered(Connection.DRAIN));
        connections.newCloseFuture().awaitUninterruptibly(deadline.toMillis());
    }

    /** Closes the listening socket: new connections are refused (unless another process holds it too). */
    public void stopAccepting() {
        channel.close().syncUninterruptibly();
    }

    /** Stops accepting, closes every connection and stops the event loops. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Initializer extends ChannelInitializer<SocketChannel> {
        private final ServerSettings settings;
        private final RequestHandler handler;
        private final AccessLog accessLog;
        private final Diagnostics diagnostics;
        private final ChannelGroup connections;
        private final Upstreams upstreams;

        Initializer(ServerSettings settings, RequestHandler handler, AccessLog accessLog, Diagnostics diagnostics,
                    ChannelGroup connections, Upstreams upstreams) {
            this.upstreams = upstreams;
            this.settings = settings;
            this.handler = handler;
            this.accessLog = accessLog;
            this.diagnostics = diagnostics;
            this.connections = connections;
        }

        @Override
        protected void initChannel(SocketChannel channel) {
            connections.add(channel);
            Connection connection = new Connection(handler, settings.requestTimeout(), upstreams, accessLog, diagnostics);
            HttpDecoderConfig decoder = new HttpDecoderConfig()
                    .setMaxInitialLineLength(settings.maxRequestLineBytes())
                    .setMaxHeaderSize(settings.maxHeaderBytes());
            channel.pipeline()
                    .addLast(new IdleStateHandler(0, 0, settings.idleTimeout().toSeconds(), TimeUnit.SECONDS))
                    .addLast(new HttpServerCodec(decoder))
                    .addLast(connection.headTimer())
                    .addLast(connection.streamer())
                    .addLast(new Aggregator(settings.maxBodyBytes(), connection))
                    .addLast(connection);
        }
    }

    /**
     * Netty's aggregator, with refusals answered by the connection, in turn and in
     * the access log. Netty's own handling of a refused expectation resets the
     * decoder, which would then parse the refused body as a request.
     */
    private static final class Aggregator extends HttpObjectAggregator {
        private final Connection connection;

        Aggregator(int maxBodyBytes, Connection connection) {
            super(maxBodyBytes);
            this.connection = connection;
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxBodyBytes, ChannelPipeline pipeline) {
            String expect = start.headers().get(HttpHeaderNames.EXPECT);
            if (expect != null && start.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0
                    && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
                connection.expectationFailed(start);
                return null;
            }
            if (HttpUtil.is100ContinueExpected(start) && HttpUtil.getContentLength(start, -1L) <= maxBodyBytes) {
                return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE);
            }
            // a body over the limit: the aggregator sees its Content-Length and calls handleOversizedMessage
            return null;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            connection.bodyTooLarge(oversized);
        }
    }
}
