package dev.flexilib.http;

import dev.flexilib.AccessLog;
import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.RequestBody;
import dev.flexilib.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection. Requests are answered strictly in the order they
 * arrived, one at a time, so pipelined requests get their responses in order;
 * the connection stays open unless the client or an error asks to close it.
 * Runs on the connection's event loop only.
 */
final class Connection extends ChannelInboundHandlerAdapter {
    /** The event that tells a connection the server is stopping: finish the current request, then close. */
    static final Object DRAIN = new Object();

    private static final Response TIMED_OUT = Response.text(504, "Gateway Timeout\n");

    /** Stop reading from a client that pipelines more than this many requests ahead. */
    private static final int MAX_QUEUED = 16;

    /**
     * Bodies up to this size are copied onto the heap and Netty's buffer released at
     * once; larger ones stay in Netty's buffer until the handler returns (one copy
     * fewer, and no large arrays for the collector to move while requests queue).
     */
    private static final int HEAP_BODY_BYTES = 8 * 1024;

    private final RequestHandler handler;
    private final long requestTimeoutNanos;
    private final Upstreams upstreams;
    private final AccessLog accessLog;
    private final Diagnostics diagnostics;
    private final ArrayDeque<Long> headTimes = new ArrayDeque<>();
    private final ArrayDeque<Exchange> queue = new ArrayDeque<>();
    private ChannelHandlerContext context;
    /** The proxied request whose body parts are arriving now, if any. */
    private ProxyCall streaming;
    private boolean closeAfterResponse;
    private boolean closing;
    private boolean draining;
    /** The request being answered, its deadline, and how to give up on it. */
    private Exchange current;
    private ScheduledFuture<?> deadline;
    private Runnable abandon = () -> { };
    /** Set when a request was refused before its body was read: drop that body if it arrives anyway. */
    private boolean discardNextRequest;

    /** One request waiting for, or getting, its answer. */
    private record Exchange(Request request, long headNanos, boolean keepAlive, boolean head, Response immediate,
                            ProxyCall proxy) {
        Exchange(Request request, long headNanos, boolean keepAlive, boolean head, Response immediate) {
            this(request, headNanos, keepAlive, head, immediate, null);
        }

        /**
         * Lets go of a body left in Netty's buffer ({@link NettyBody}): once the handler
         * returned, or when the exchange is dropped without being handled.
         */
        void release() {
            if (request.body() instanceof NettyBody body) {
                body.release();
            }
        }
    }

    Connection(RequestHandler handler, Duration requestTimeout, Upstreams upstreams, AccessLog accessLog,
               Diagnostics diagnostics) {
        this.handler = handler;
        this.upstreams = upstreams;
        this.requestTimeoutNanos = requestTimeout.toNanos();
        this.accessLog = accessLog;
        this.diagnostics = diagnostics;
    }

    /** Placed before the aggregator: notes when each request head arrived, for ttfb. */
    ChannelInboundHandlerAdapter headTimer() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (message instanceof HttpRequest) {
                    headTimes.add(System.nanoTime());
                }
                ctx.fireChannelRead(message);
            }
        };
    }

    /**
     * Placed between the head timer and the aggregator: a request whose route goes
     * to upstream servers is taken here, before its body is read, and streamed.
     */
    ChannelInboundHandlerAdapter streamer() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (message instanceof HttpRequest head && !(message instanceof FullHttpRequest)
                        && head.decoderResult().isSuccess() && handler.proxies() && proxied(head)) {
                    return;
                }
                if (message instanceof HttpContent content && streaming != null) {
                    ProxyCall call = streaming;
                    if (content instanceof LastHttpContent) {
                        streaming = null;
                    }
                    call.fromClient(content);
                    return;
                }
                ctx.fireChannelRead(message);
            }
        };
    }

    private boolean proxied(HttpRequest head) {
        Request request = new Request(head.method().name(), head.uri(), head.protocolVersion().text(),
                headers(head.headers()), new byte[0], remoteAddress());
        return handler.proxyFor(request).map(target -> {
            long time = headTimes.isEmpty() ? System.nanoTime() : headTimes.poll();
            streaming = new ProxyCall(this, context, target, head, upstreams, Duration.ofNanos(requestTimeoutNanos),
                    diagnostics);
            enqueue(new Exchange(request, time, HttpUtil.isKeepAlive(head), head.method().equals(HttpMethod.HEAD),
                    null, streaming));
            return true;
        }).orElse(false);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        FullHttpRequest request = (FullHttpRequest) message;
        boolean keep = false;
        try {
            if (discardNextRequest) {
                discardNextRequest = false;
                return;
            }
            long head = headTimes.isEmpty() ? System.nanoTime() : headTimes.poll();
            DecoderResult result = request.decoderResult();
            if (result.isFailure()) {
                enqueue(failed(request, head, statusFor(result.cause()), result.cause()));
            } else {
                Request read = toRequest(request);
                keep = read.body() instanceof NettyBody; // the exchange releases it
                enqueue(new Exchange(read, head, HttpUtil.isKeepAlive(request),
                        request.method().equals(HttpMethod.HEAD), null));
            }
        } finally {
            if (!keep) {
                request.release();
            }
        }
    }

    /** The aggregator saw a body over the limit: answer 413 in turn, then close (the rest of the body is not read). */
    void bodyTooLarge(HttpMessage message) {
        long head = headTimes.isEmpty() ? System.nanoTime() : headTimes.poll();
        HttpRequest request = (HttpRequest) message;
        enqueue(new Exchange(partialRequest(request), head, false, false,
                Response.text(413, "Request body too large\n")));
    }

    /** The client expects something other than 100-continue: answer 417 in turn, then close. */
    void expectationFailed(HttpMessage message) {
        long head = headTimes.isEmpty() ? System.nanoTime() : headTimes.poll();
        discardNextRequest = true;
        enqueue(new Exchange(partialRequest((HttpRequest) message), head, false, false,
                Response.text(417, "Expectation failed\n")));
    }

    private Exchange failed(HttpRequest request, long head, int status, Throwable cause) {
        String text = switch (status) {
            case 431 -> "Request header fields too large\n";
            case 414 -> "Request line too long\n";
            default -> "Bad request\n";
        };
        Request logged = lineUnreadable(request, cause) ? unknownRequest() : partialRequest(request);
        return new Exchange(logged, head, false, false, Response.text(status, text));
    }

    /** Netty stands a placeholder request in for one whose request line it could not read. */
    private static boolean lineUnreadable(HttpRequest request, Throwable cause) {
        return cause instanceof TooLongHttpLineException || "/bad-request".equals(request.uri());
    }

    private Request unknownRequest() {
        return new Request("-", "-", "-", List.of(), new byte[0], remoteAddress());
    }

    private static int statusFor(Throwable cause) {
        return switch (cause) {
            case TooLongHttpHeaderException e -> 431;
            case TooLongHttpLineException e -> 414;
            case TooLongFrameException e -> 431;
            default -> 400;
        };
    }

    private void enqueue(Exchange exchange) {
        if (closing) {
            exchange.release();
            return;
        }
        queue.add(exchange);
        if (queue.size() >= MAX_QUEUED) {
            context.channel().config().setAutoRead(false);
        }
        next();
    }

    private void next() {
        if (current != null || queue.isEmpty() || closing) {
            return;
        }
        Exchange exchange = queue.poll();
        if (queue.size() < MAX_QUEUED / 2) {
            context.channel().config().setAutoRead(true);
        }
        current = exchange;
        if (exchange.immediate() != null) {
            complete(exchange, Handled.of(exchange.immediate()));
            return;
        }
        if (exchange.proxy() != null) {
            exchange.proxy().start();
            return;
        }
        abandon = handler.handle(exchange.request(), handled -> {
            exchange.release(); // the handler has returned: nothing reads the body any more
            if (context.executor().inEventLoop()) {
                complete(exchange, handled);
            } else {
                context.executor().execute(() -> complete(exchange, handled));
            }
        });
        if (current == exchange) {
            // the event loop's own timer: scheduling from the loop costs no lock and no wake-up
            deadline = context.executor().schedule(() -> timedOut(exchange), requestTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut(Exchange exchange) {
        if (exchange != current) {
            return;
        }
        diagnostics.warn(Event.REQUEST_TIMED_OUT, exchange.request().method() + " " + exchange.request().target()
                + ": no answer within " + Duration.ofNanos(requestTimeoutNanos) + "; answered 504");
        abandon.run();
        complete(exchange, Handled.of(TIMED_OUT));
    }

    /** Answers {@code exchange} unless it was answered already (a late answer after its timeout is dropped). */
    private void complete(Exchange exchange, Handled handled) {
        if (exchange != current) {
            return;
        }
        current = null;
        abandon = () -> { };
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        if (!context.channel().isActive()) {
            return;
        }
        long ttfb = System.nanoTime() - exchange.headNanos();
        // a failed proxy call may leave part of its request body unread: close rather than parse it as a request
        boolean close = !exchange.keepAlive() || draining || exchange.proxy() != null;
        Handled answer = handled;
        FullHttpResponse response;
        try {
            response = ResponseWriter.toNetty(handled.response(), exchange.head());
        } catch (IllegalArgumentException e) {
            diagnostics.warn(Event.REQUEST_FAILED, exchange.request().target() + ": the plugin's response is not valid HTTP: "
                    + e.getMessage());
            answer = new Handled(Response.text(500, "Internal Server Error\n"), handled.preAllocated(), handled.allocated());
            response = ResponseWriter.toNetty(answer.response(), exchange.head());
        }
        setConnectionHeader(response, exchange.request().protocol(), close);
        Handled logged = answer;
        context.writeAndFlush(response).addListener((ChannelFutureListener) future -> {
            log(exchange, logged, ttfb);
            if (close) {
                future.channel().close();
            }
        });
        if (close) {
            closing = true;
            dropQueued();
        } else {
            next();
        }
    }

    /** Forgets the requests not answered yet (the connection closes), releasing their bodies. */
    private void dropQueued() {
        queue.forEach(Exchange::release);
        queue.clear();
    }

    private static void setConnectionHeader(FullHttpResponse response, String protocol, boolean close) {
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (HttpVersion.HTTP_1_0.text().equals(protocol)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void log(Exchange exchange, Handled handled, long ttfb) {
        Request request = exchange.request();
        accessLog.log(new AccessLog.Entry(request.remoteAddress(), request.method(), request.target(),
                request.protocol(), handled.response().status(), ttfb, handled.response().body().length,
                System.nanoTime() - exchange.headNanos(), handled.preAllocated(), handled.allocated()));
    }

    private Request toRequest(FullHttpRequest request) {
        ByteBuf content = request.content();
        RequestBody body = content.readableBytes() > HEAP_BODY_BYTES ? new NettyBody(content)
                : content.isReadable() ? RequestBody.of(ByteBufUtil.getBytes(content)) : RequestBody.EMPTY;
        return new Request(request.method().name(), request.uri(), request.protocolVersion().text(),
                headers(request.headers()), body, remoteAddress());
    }

    /** What is known of a request that was refused before it was complete. */
    private Request partialRequest(HttpRequest request) {
        return new Request(request.method().name(), request.uri(), request.protocolVersion().text(), List.of(),
                new byte[0], remoteAddress());
    }

    private InetSocketAddress remoteAddress() {
        return context.channel().remoteAddress() instanceof InetSocketAddress address ? address
                : new InetSocketAddress(0);
    }

    private static List<Header> headers(HttpHeaders headers) {
        List<Header> list = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> header : headers) {
            list.add(new Header(header.getKey(), header.getValue()));
        }
        return list;
    }

    /** The proxied exchange {@code call} wrote its whole response (or the client or upstream went away). */
    void proxyFinished(ProxyCall call, boolean closeClient) {
        Exchange exchange = current;
        if (exchange == null || exchange.proxy() != call) {
            return;
        }
        current = null;
        long now = System.nanoTime();
        Request request = exchange.request();
        long ttfb = (call.responseHeadNanos() == 0 ? now : call.responseHeadNanos()) - exchange.headNanos();
        accessLog.log(new AccessLog.Entry(request.remoteAddress(), request.method(), request.target(),
                request.protocol(), call.status(), ttfb, call.responseBytes(), now - exchange.headNanos(), 0, 0));
        boolean close = closeClient || closeAfterResponse || !exchange.keepAlive() || draining || streaming == call;
        closeAfterResponse = false;
        if (close) {
            closing = true;
            dropQueued();
            context.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            next();
        }
    }

    /** The proxied exchange {@code call} failed before anything was sent to the client: answer with {@code response}. */
    void proxyFailed(ProxyCall call, Response response) {
        Exchange exchange = current;
        if (exchange != null && exchange.proxy() == call) {
            if (streaming == call) {
                streaming = null;
            }
            complete(exchange, Handled.of(response));
        }
    }

    /**
     * The proxied exchange {@code call} became a tunnel to {@code upstream}: log it and
     * hand the client connection over to a byte relay; no more HTTP on it.
     */
    void tunnelled(ProxyCall call, Channel upstream) {
        Exchange exchange = current;
        if (exchange == null || exchange.proxy() != call) {
            return;
        }
        current = null;
        closing = true;
        dropQueued();
        Request request = exchange.request();
        long now = System.nanoTime();
        accessLog.log(new AccessLog.Entry(request.remoteAddress(), request.method(), request.target(),
                request.protocol(), call.status(), now - exchange.headNanos(), 0, now - exchange.headNanos(), 0, 0));
        ChannelPipeline pipeline = context.pipeline();
        pipeline.addLast(new Relay(upstream));
        context.channel().config().setAutoRead(true);
        for (String name : pipeline.names()) {
            ChannelHandler handler = pipeline.get(name);
            if (handler != null && !(handler instanceof Relay) && !(handler instanceof HttpServerCodec)) {
                pipeline.remove(handler);
            }
        }
        pipeline.remove(HttpServerCodec.class); // last: what it read beyond the request goes to the relay
    }

    boolean clientSpeaksHttp11() {
        return current != null && !HttpVersion.HTTP_1_0.text().equals(current.request().protocol());
    }

    void closeAfterResponse() {
        closeAfterResponse = true;
    }

    /** Whether the connection closes once the current response is written. */
    boolean closesAfterResponse() {
        return closeAfterResponse || draining || current == null || !current.keepAlive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null && current.proxy() != null) {
            current.proxy().clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == DRAIN) {
            draining = true;
            if (current == null) {
                ctx.close();
            }
        } else if (event instanceof IdleStateEvent && current == null && queue.isEmpty()) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (current != null) {
            abandon.run(); // the client is gone: a Java handler can stop working for it
            if (current.proxy() != null) {
                current.proxy().clientClosed();
            }
        }
        if (streaming != null) {
            streaming.clientClosed();
        }
        for (Exchange waiting : queue) {
            if (waiting.proxy() != null) {
                waiting.proxy().clientClosed();
            }
        }
        dropQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            diagnostics.info(Event.CONNECTION_ERROR, remoteAddress() + ": " + cause.getMessage());
        } else {
            diagnostics.error(Event.CONNECTION_ERROR, remoteAddress() + ": closing the connection", cause);
        }
        ctx.close();
    }
}
