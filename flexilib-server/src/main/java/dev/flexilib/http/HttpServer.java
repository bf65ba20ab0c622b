package dev.flexilib.http;

import dev.flexilib.AccessLog;
import dev.flexilib.Diagnostics;
import dev.flexilib.ResponseMemory;
import dev.flexilib.config.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
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
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP/1.1 listener: Netty with the native epoll transport where it is
 * available, NIO elsewhere. Event loops only parse and write; every request
 * goes to the {@link RequestHandler}.
 */
public final class HttpServer implements AutoCloseable {
    static {
        // Netty logs through java.util.logging, which it would otherwise pick only after
        // looking for SLF4J and both Log4Js on the class path: a search of every jar for
        // classes that are not there, 20-50 ms of each start.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    }

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

    /** Memory for plugins' response bodies that the sockets are written from (Netty's pooled direct memory). */
    public static ResponseMemory responseMemory() {
        return DirectBodies.INSTANCE;
    }

    /**
     * Starts serving: on a socket it binds to the configured address, or, with
     * {@code inherited}, on the listening socket this process received as that
     * descriptor (0 from the supervisor, 3 from systemd). Throws if the socket
     * cannot be had.
     */
    public static HttpServer start(ServerSettings settings, OptionalInt inherited, RequestHandler handler,
                                   AccessLog accessLog, Diagnostics diagnostics) throws InterruptedException, IOException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        ChannelGroup connections = new DefaultChannelGroup("flexilib-connections", GlobalEventExecutor.INSTANCE);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Initializer(new Connections(settings, handler,
                            new Upstreams(epoll, settings.proxyConnectTimeout(), settings.proxyPassesHost()),
                            accessLog, diagnostics), connections));
            Channel channel;
            if (inherited.isPresent()) {
                ServerChannel server = inheritedChannel(epoll, inherited.getAsInt());
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
     * The listening socket this process received as descriptor {@code fd}: 0 from
     * the supervisor, 3 from systemd. With epoll, Netty takes the descriptor
     * itself. The JDK's {@code System.inheritedChannel()} (used for NIO, for
     * descriptor 0 only) holds a duplicate of it, and closing that channel points
     * stdout and stderr at /dev/null, so the epoll path never creates it.
     */
    private static ServerChannel inheritedChannel(boolean epoll, int fd) throws IOException {
        if (epoll) {
            String what = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            if (!what.startsWith("socket:")) {
                throw new IOException("descriptor " + fd + " is " + what + ", not a listening socket");
            }
            return new EpollServerSocketChannel(fd);
        }
        if (fd != 0) {
            throw new IOException("a socket from systemd needs Netty's epoll transport, which is not available here");
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

    /**
     * A connection over the limit: it is answered 503 at once, without its request
     * being read, and closed. Its output is shut first and what the client sends is
     * dropped for a moment, so the answer is not lost to a reset.
     */
    private static final class Refused extends ChannelInboundHandlerAdapter {
        private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n"
                + "content-length: 20\r\nconnection: close\r\n\r\nServer is too busy\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        private static final long LINGER_MILLIS = 1000;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(BUSY)).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
                    duplex.shutdownOutput();
                    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                    ctx.close();
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            ReferenceCountUtil.release(message);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static final class Initializer extends ChannelInitializer<SocketChannel> {

        private final Connections shared;
        private final ChannelGroup connections;

        Initializer(Connections shared, ChannelGroup connections) {
            this.shared = shared;
            this.connections = connections;
        }

        @Override
        protected void initChannel(SocketChannel channel) {
            if (!shared.admit()) {
                channel.pipeline().addLast(new Refused());
                return;
            }
            channel.closeFuture().addListener(closed -> shared.closed());
            connections.add(channel);
            new Connection(shared).install(channel.pipeline());
        }
    }
}
