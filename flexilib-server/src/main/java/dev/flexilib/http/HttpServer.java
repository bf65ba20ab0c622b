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
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 listener: Netty with the native epoll transport where it is
 * available, NIO elsewhere. Event loops only parse and write; every request
 * goes to the {@link RequestHandler}.
 */
public final class HttpServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final String transport;

    private HttpServer(EventLoopGroup group, Channel channel, String transport) {
        this.group = group;
        this.channel = channel;
        this.transport = transport;
    }

    /** Binds the listening socket and starts serving; throws if the address cannot be bound. */
    public static HttpServer start(ServerSettings settings, RequestHandler handler, AccessLog accessLog,
                                   Diagnostics diagnostics) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Initializer(settings, handler, accessLog, diagnostics))
                    .bind(new InetSocketAddress(settings.listenAddress(), settings.port()))
                    .sync()
                    .channel();
            return new HttpServer(group, channel, epoll ? "epoll" : "nio");
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public String transport() {
        return transport;
    }

    /** Stops accepting, closes every connection and stops the event loops. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Initializer extends ChannelInitializer<SocketChannel> {
        private final ServerSettings settings;
        private final RequestHandler handler;
        private final AccessLog accessLog;
        private final Diagnostics diagnostics;

        Initializer(ServerSettings settings, RequestHandler handler, AccessLog accessLog, Diagnostics diagnostics) {
            this.settings = settings;
            this.handler = handler;
            this.accessLog = accessLog;
            this.diagnostics = diagnostics;
        }

        @Override
        protected void initChannel(SocketChannel channel) {
            Connection connection = new Connection(handler, accessLog, diagnostics);
            HttpDecoderConfig decoder = new HttpDecoderConfig()
                    .setMaxInitialLineLength(settings.maxRequestLineBytes())
                    .setMaxHeaderSize(settings.maxHeaderBytes());
            channel.pipeline()
                    .addLast(new IdleStateHandler(0, 0, settings.idleTimeout().toSeconds(), TimeUnit.SECONDS))
                    .addLast(new HttpServerCodec(decoder))
                    .addLast(connection.headTimer())
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
