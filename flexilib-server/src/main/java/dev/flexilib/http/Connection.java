package dev.flexilib.http;

import dev.flexilib.AccessLog;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.RequestBody;
import dev.flexilib.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection. Requests are answered strictly in the order they
 * arrived, one at a time, so pipelined requests get their responses in order;
 * the connection stays open unless the client or an error asks to close it.
 *
 * <p>What one client can make it hold is bounded: at most {@value #MAX_QUEUED}
 * requests read ahead of the one being answered, no next request dispatched
 * (and none read) while the client is not taking the responses (Netty's
 * writability), request bodies only within the shared {@link MemoryBudget},
 * and every wait for the client limited in time (head, body, idle, a response
 * it does not take). A client that breaks a limit gets the status the RFCs
 * name for it, in turn, and the connection closes after it.
 *
 * <p>Runs on the connection's event loop only.
 */
final class Connection extends ChannelInboundHandlerAdapter {
    /** The event that tells a connection the server is stopping: finish the current request, then close. */
    static final Object DRAIN = new Object();

    private static final Response TIMED_OUT = Response.text(504, "Gateway Timeout\n");
    private static final Response REQUEST_TIMEOUT = Response.text(408, "Request timeout\n");
    private static final Response BODY_TOO_LARGE = Response.text(413, "Request body too large\n");
    private static final Response BODIES_BUSY = Response.text(503, "Service Unavailable\n");
    private static final Response EXPECTATION_FAILED = Response.text(417, "Expectation failed\n");
    private static final Response HEADERS_TOO_LARGE = Response.text(431, "Request header fields too large\n");
    private static final Response LINE_TOO_LONG = Response.text(414, "Request line too long\n");
    private static final Runnable NOTHING = () -> { };

    /** How long a refused client may go on sending before the connection closes anyway. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Requests read ahead of the one being answered; the connection reads no further until one is answered. */
    private static final int MAX_QUEUED = 16;

    /** Bytes of bodies read ahead of the request being answered before the connection stops reading. */
    private static final int MAX_QUEUED_BODY_BYTES = 64 * 1024;

    /**
     * Bodies up to this size are copied onto the heap and Netty's buffer released at
     * once; larger ones stay in Netty's buffer until the handler returns (one copy
     * fewer, and no large arrays for the collector to move while requests queue).
     */
    private static final int HEAP_BODY_BYTES = 8 * 1024;

    private final Connections shared;
    private final RequestDecoder decoder;
    private final ResponseEncoder encoder;
    private final ArrayDeque<Exchange> queue = new ArrayDeque<>(4);
    private ChannelHandlerContext context;
    private ConnectionTimers timers;
    private int timerIndex = -1;

    /** The request whose head has arrived and whose body is being read, if any. */
    private IncomingRequest incoming;
    /** The proxied request whose body parts are arriving now, if any. */
    private ProxyCall streaming;
    /**
     * A proxied exchange answered before its request body ended (an upstream refusing an
     * upload): the rest of the body is read and dropped before the connection goes on, or
     * closes, so that the client reads the answer instead of a reset for unread data.
     */
    private ProxyCall discarding;
    private boolean closeAfterDiscard;
    private ScheduledFuture<?> discardTimer;
    /** How long the rest of an answered request's body may take to arrive; then the connection closes. */
    private static final long DISCARD_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** The request being answered, when it was handed over, and how to give up on it. */
    private Exchange current;
    private long dispatchedNanos;
    private Runnable abandon = NOTHING;
    private int queuedBodyBytes;

    /** When the head being read began (or the connection was accepted), 0 while none is; and whether bytes came. */
    private long headStartNanos;
    private boolean headBytesSeen;
    /** When the connection last finished an exchange, for the idle timeout. */
    private long idleSinceNanos;
    /** The last look at the bytes waiting to be written, and since when they have not moved. */
    private Object writeSample;
    private long writeSampleProgress;
    private long writeSampleNanos;
    /** After a refusal: until when what the client still sends is read and dropped; 0 when not lingering. */
    private long lingerUntilNanos;

    /** The decoder stopped at a request boundary because this connection took no more; reading is off. */
    private boolean decodingPaused;
    /** A proxied request's upstream cannot take its body faster: reading is off. */
    private boolean proxyPaused;
    /** A request was refused: what the client sends after it is dropped, and the connection closes after the answer. */
    private boolean refused;
    private boolean closeAfterResponse;
    private boolean closing;
    private boolean draining;
    /** The response being written answers HEAD (read by the encoder while it writes). */
    private boolean writingHead;

    /** One request waiting for, or getting, its answer; {@code reserved} bytes of the budget are its body's. */
    private record Exchange(Request request, long headNanos, boolean keepAlive, boolean head, Response immediate,
                            ProxyCall proxy, long reserved) {

        /**
         * Lets go of the body (a {@link NettyBody}, or bytes on the heap) and its part of
         * the budget: once the handler returned, or when the exchange is dropped unhandled.
         */
        void release(MemoryBudget budget) {
            if (request.body() instanceof NettyBody body) {
                body.release();
            }
            if (reserved > 0) {
                budget.release(reserved);
            }
        }
    }

    Connection(Connections shared) {
        this.shared = shared;
        this.decoder = new RequestDecoder(this, shared.settings.maxRequestLineBytes(), shared.settings.maxHeaderBytes(),
                shared.settings.maxHeaders());
        this.encoder = new ResponseEncoder(this);
    }

    /** Puts the parser, the writer and this connection into {@code pipeline}. */
    void install(ChannelPipeline pipeline) {
        pipeline.addLast(decoder, encoder, this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        long now = System.nanoTime();
        headStartNanos = now; // a new connection must send its first head within the header timeout
        idleSinceNanos = now;
        timers = ConnectionTimers.of(ctx.channel().eventLoop());
        timerIndex = timers.add(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timerIndex >= 0) {
            timers.remove(timerIndex);
            timerIndex = -1;
        }
    }

    void movedTo(int index) {
        timerIndex = index;
    }

    // --- reading

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof HttpRequest head) {
            try {
                onHead(head);
            } finally {
                ReferenceCountUtil.release(head); // only the parser's stand-in for an unreadable request holds a buffer
            }
        } else if (message instanceof HttpContent content) {
            onContent(content);
        } else {
            ReferenceCountUtil.release(message);
        }
    }

    private void onHead(HttpRequest head) {
        long now = System.nanoTime();
        headStartNanos = 0;
        headBytesSeen = false;
        if (head.decoderResult().isFailure()) {
            Throwable cause = head.decoderResult().cause();
            refuse(lineUnreadable(head, cause) ? unknownRequest() : partialRequest(head), refusalFor(cause), now);
            return;
        }
        var refusal = RequestHeads.check(head);
        if (refusal.isPresent()) {
            refuse(partialRequest(head), refusal.get(), now);
            return;
        }
        Request request = new Request(head.method().name(), head.uri(), head.protocolVersion().text(),
                headers(head.headers()), RequestBody.EMPTY, remoteAddress());
        if (shared.handler.proxies() && proxied(head, request, now)) {
            return;
        }
        startBody(head, request, now);
    }

    private boolean proxied(HttpRequest head, Request request, long now) {
        return shared.handler.proxyFor(request).map(target -> {
            streaming = new ProxyCall(this, context, target, head, shared.upstreams,
                    Duration.ofNanos(shared.requestTimeoutNanos), shared.diagnostics);
            enqueue(new Exchange(request, now, HttpUtil.isKeepAlive(head), head.method().equals(HttpMethod.HEAD),
                    null, streaming, 0));
            return true;
        }).orElse(false);
    }

    /** Checks the body's framing and expectation against the limits, then reads it. */
    private void startBody(HttpRequest head, Request request, long now) {
        String expect = head.headers().get(HttpHeaderNames.EXPECT);
        boolean continues = expect != null && head.protocolVersion().minorVersion() >= 1;
        if (continues && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
            refuse(partialRequest(head), EXPECTATION_FAILED, now);
            return;
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(head);
        long length = chunked ? 0 : HttpUtil.getContentLength(head, 0L);
        if (length > shared.settings.maxBodyBytes()) {
            refuse(partialRequest(head), BODY_TOO_LARGE, now);
            return;
        }
        if (length > 0 && !shared.budget.tryReserve(length)) {
            shared.bodyRefused();
            refuse(partialRequest(head), BODIES_BUSY, now);
            return;
        }
        incoming = new IncomingRequest(request, now, HttpUtil.isKeepAlive(head), head.method().equals(HttpMethod.HEAD),
                chunked, length);
        if (continues && (chunked || length > 0)) {
            incoming.continuePending = true;
            continueIfInFront();
        }
    }

    private void onContent(HttpContent content) {
        if (streaming != null) {
            ProxyCall call = streaming;
            if (content instanceof LastHttpContent) {
                streaming = null;
            }
            call.fromClient(content);
            if (streaming == null && discarding == call) {
                discarded();
            }
            return;
        }
        IncomingRequest in = incoming;
        if (in == null) {
            content.release(); // what follows a refused request
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            refuse(in.head, RequestHeads.BAD_REQUEST, in.headNanos); // broken chunked framing
            return;
        }
        ByteBuf part = content.content();
        int length = part.readableBytes();
        if (length > 0 && !admit(in, length)) {
            content.release();
            return;
        }
        if (length > 0) {
            in.add(part, context);
            in.continuePending = false; // the client did not wait for it
        } else {
            content.release();
        }
        if (content instanceof LastHttpContent) {
            incoming = null;
            bodyComplete(in);
        }
    }

    /** Whether {@code length} more bytes of a chunked body fit its limit and the budget; refuses it if not. */
    private boolean admit(IncomingRequest in, int length) {
        if (!in.chunked) {
            return true; // its Content-Length was admitted with its head
        }
        if (in.bytes + length > shared.settings.maxBodyBytes()) {
            refuse(in.head, BODY_TOO_LARGE, in.headNanos);
            return false;
        }
        if (!shared.budget.tryReserve(length)) {
            shared.bodyRefused();
            refuse(in.head, BODIES_BUSY, in.headNanos);
            return false;
        }
        in.reserved += length;
        return true;
    }

    private void bodyComplete(IncomingRequest in) {
        enqueue(new Exchange(in.complete(HEAP_BODY_BYTES), in.headNanos, in.keepAlive, in.headMethod, null, null,
                in.reserved));
    }

    /**
     * Answers {@code response} to the request read now, in turn, and closes after it;
     * nothing the client sends afterwards is read as a request.
     */
    private void refuse(Request request, Response response, long headNanos) {
        refused = true;
        if (incoming != null) {
            incoming.release(shared.budget);
            incoming = null;
        }
        enqueue(new Exchange(request, headNanos, false, false, response, null, 0));
    }

    /** Netty stands a placeholder request in for one whose request line it could not read. */
    private static boolean lineUnreadable(HttpRequest request, Throwable cause) {
        return cause instanceof TooLongHttpLineException || "/bad-request".equals(request.uri());
    }

    private static Response refusalFor(Throwable cause) {
        return switch (cause) {
            case TooLongHttpHeaderException e -> HEADERS_TOO_LARGE;
            case TooLongHttpLineException e -> LINE_TOO_LONG;
            case TooLongFrameException e -> HEADERS_TOO_LARGE;
            default -> RequestHeads.BAD_REQUEST;
        };
    }

    private Request unknownRequest() {
        return new Request("-", "-", "-", List.of(), RequestBody.EMPTY, remoteAddress());
    }

    /** What is known of a request that was refused before it was complete. */
    private Request partialRequest(HttpRequest request) {
        return new Request(request.method().name(), request.uri(), request.protocolVersion().text(), List.of(),
                RequestBody.EMPTY, remoteAddress());
    }

    private InetSocketAddress remoteAddress() {
        return context.channel().remoteAddress() instanceof InetSocketAddress address ? address
                : new InetSocketAddress(0);
    }

    /** The headers exactly as the client sent them, in order. */
    private static List<Header> headers(HttpHeaders headers) {
        List<Header> list = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> header : headers) {
            list.add(new Header(header.getKey(), header.getValue()));
        }
        return list;
    }

    // --- what the decoder asks

    /** Whether nothing the client sends is read any more. */
    boolean discardsInput() {
        return refused || closing;
    }

    /** Whether the decoder may start on another request now. */
    boolean acceptsRequest() {
        return !draining && queue.size() < MAX_QUEUED && queuedBodyBytes <= MAX_QUEUED_BODY_BYTES
                && context.channel().isWritable();
    }

    /** The decoder stopped before a request because {@link #acceptsRequest} said no: stop reading until it says yes. */
    void decodingPaused() {
        decodingPaused = true;
        updateReading();
    }

    /** Bytes of a request head arrived: the header timeout runs from the first of them. */
    void headStarted() {
        if (headStartNanos == 0) {
            headStartNanos = System.nanoTime();
        }
        headBytesSeen = true;
    }

    /** Whether the response being written answers a HEAD request. */
    boolean answeringHead() {
        return writingHead || current != null && current.head();
    }

    /** A proxied request's upstream can take no more of its body ({@code true}), or can again. */
    void pauseForProxy(boolean paused) {
        proxyPaused = paused;
        updateReading();
    }

    private void updateReading() {
        context.channel().config().setAutoRead(!decodingPaused && !proxyPaused);
    }

    /** Reads again where the decoder paused, once the connection takes requests again. */
    private void resumeDecodingIfPossible() {
        if (decodingPaused && !closing && acceptsRequest()) {
            decodingPaused = false;
            updateReading();
            context.executor().execute(decoder::resume);
        }
    }

    // --- answering

    private void enqueue(Exchange exchange) {
        if (closing) {
            exchange.release(shared.budget);
            return;
        }
        queue.add(exchange);
        queuedBodyBytes += exchange.request().body().length();
        next();
    }

    private void next() {
        if (current == null && !queue.isEmpty() && !closing && context.channel().isWritable()) {
            dispatch(queue.poll());
        }
        if (current == null && queue.isEmpty()) {
            continueIfInFront();
        }
        resumeDecodingIfPossible();
    }

    private void dispatch(Exchange exchange) {
        queuedBodyBytes -= exchange.request().body().length();
        current = exchange;
        dispatchedNanos = System.nanoTime();
        if (exchange.immediate() != null) {
            complete(exchange, Handled.of(exchange.immediate()));
            return;
        }
        if (exchange.proxy() != null) {
            exchange.proxy().start();
            return;
        }
        Runnable giveUp = shared.handler.handle(exchange.request(), handled -> {
            exchange.release(shared.budget); // the handler has returned: nothing reads the body any more
            if (context.executor().inEventLoop()) {
                complete(exchange, handled);
            } else {
                context.executor().execute(() -> complete(exchange, handled));
            }
        });
        // a handler that answered at once (a non-blocking plugin) has completed the exchange, and the
        // next one may be in flight already: its way of giving up is not this one's
        if (current == exchange) {
            abandon = giveUp;
        }
    }

    /** Sends 100 Continue to a client waiting for it once every earlier response went out before it. */
    private void continueIfInFront() {
        IncomingRequest in = incoming;
        if (in != null && in.continuePending && current == null && queue.isEmpty() && !closing) {
            in.continuePending = false;
            in.startNanos = in.lastReadNanos = System.nanoTime(); // the body's time starts now
            context.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }

    private void timedOut(Exchange exchange) {
        shared.diagnostics.warn(Event.REQUEST_TIMED_OUT, exchange.request().method() + " "
                + exchange.request().target() + ": no answer within " + Duration.ofNanos(shared.requestTimeoutNanos)
                + "; answered 504");
        abandon.run();
        complete(exchange, Handled.of(TIMED_OUT));
    }

    /** Answers {@code exchange} unless it was answered already (a late answer after its timeout is dropped). */
    private void complete(Exchange exchange, Handled handled) {
        if (exchange != current) {
            handled.response().body().release();
            return;
        }
        current = null;
        abandon = NOTHING;
        if (exchange.immediate() != null) {
            exchange.release(shared.budget);
        }
        if (!context.channel().isActive()) {
            handled.response().body().release();
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
            shared.diagnostics.warn(Event.REQUEST_FAILED, exchange.request().target()
                    + ": the plugin's response is not valid HTTP: " + e.getMessage());
            handled.response().body().release();
            answer = new Handled(Response.text(500, "Internal Server Error\n"), handled.preAllocated(),
                    handled.allocated());
            response = ResponseWriter.toNetty(answer.response(), exchange.head());
        }
        setConnectionHeader(response, exchange.request().protocol(), close);
        write(exchange, answer, ttfb, response, close);
        idleSinceNanos = System.nanoTime();
        if (close) {
            closing = true;
            dropQueued();
        } else {
            next();
        }
    }

    /**
     * Writes the response. A large one, or one the client does not take at once,
     * counts against the shared budget until it is written: it holds memory that
     * request bodies then cannot have.
     */
    private void write(Exchange exchange, Handled answer, long ttfb, FullHttpResponse response, boolean close) {
        long bytes = response.content().readableBytes();
        boolean large = bytes > HEAP_BODY_BYTES;
        if (large) {
            shared.budget.force(bytes);
        }
        writingHead = exchange.head();
        ChannelFuture written = context.writeAndFlush(response);
        writingHead = false;
        boolean held = large || !written.isDone() && bytes > 0;
        if (held && !large) {
            shared.budget.force(bytes);
        }
        boolean linger = refused;
        written.addListener((ChannelFutureListener) future -> {
            if (held) {
                shared.budget.release(bytes);
            }
            log(exchange, answer, ttfb);
            if (close) {
                closeAfterWrite(future.channel(), linger);
            }
        });
    }

    /**
     * Closes once a response went out. After a refusal the client is likely still
     * sending what was refused, and closing with its bytes unread would make the
     * kernel reset the connection, which can destroy the response before the client
     * read it: so this side only stops writing, and reads and drops what comes until
     * the client closes too, for at most {@link #LINGER_NANOS}.
     */
    private void closeAfterWrite(Channel channel, boolean linger) {
        if (linger && channel instanceof DuplexChannel duplex && channel.isActive()) {
            lingerUntilNanos = System.nanoTime() + LINGER_NANOS;
            channel.config().setAutoRead(true);
            duplex.shutdownOutput();
        } else {
            channel.close();
        }
    }

    /** Forgets the requests not answered yet (the connection closes), releasing their bodies. */
    private void dropQueued() {
        queue.forEach(exchange -> exchange.release(shared.budget));
        queue.clear();
        queuedBodyBytes = 0;
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
        shared.accessLog.log(new AccessLog.Entry(request.remoteAddress(), request.method(), request.target(),
                request.protocol(), handled.response().status(), ttfb, handled.response().body().length(),
                System.nanoTime() - exchange.headNanos(), handled.preAllocated(), handled.allocated()));
    }

    // --- timeouts

    /** Called by the loop's sweep: closes what waited too long on the client, answers what waited too long on us. */
    void checkTimeouts(long now) {
        if (lingerUntilNanos != 0 && now - lingerUntilNanos > 0) {
            context.close();
            return;
        }
        if (writeStalled(now)) {
            shared.diagnostics.info(Event.CONNECTION_ERROR, remoteAddress() + ": took none of the response for "
                    + Duration.ofNanos(shared.idleTimeoutNanos) + "; closing the connection");
            context.close();
            return;
        }
        Exchange exchange = current;
        if (exchange != null && exchange.proxy() != null) {
            exchange.proxy().checkTimeout(now); // the upstream's response timeout
        }
        if (closing) {
            return;
        }
        if (exchange != null && exchange.immediate() == null && exchange.proxy() == null
                && now - dispatchedNanos > shared.requestTimeoutNanos) {
            timedOut(exchange);
        }
        if (refused || decodingPaused || proxyPaused) {
            return; // not waiting on the client: this side stopped reading
        }
        if (incoming != null) {
            checkBody(incoming, now);
        } else if (headStartNanos != 0) {
            if (now - headStartNanos > shared.headerTimeoutNanos) {
                headTimedOut(now);
            }
        } else if (current == null && queue.isEmpty() && streaming == null
                && now - idleSinceNanos > shared.idleTimeoutNanos) {
            context.close();
        }
    }

    /** A request body must keep coming: a part at least every body timeout, and the minimum rate after the grace. */
    private void checkBody(IncomingRequest in, long now) {
        if (in.continuePending) {
            return; // the client waits for this side's 100 Continue
        }
        long elapsed = now - in.startNanos;
        int rate = shared.settings.minBodyRate();
        boolean slow = rate > 0 && elapsed > shared.bodyRateGraceNanos
                && in.bytes < rate * ((elapsed - shared.bodyRateGraceNanos) / 1e9);
        if (now - in.lastReadNanos > shared.bodyTimeoutNanos || slow) {
            shared.diagnostics.info(Event.CONNECTION_ERROR, remoteAddress() + ": " + in.head.method() + " "
                    + in.head.target() + ": the body came too slowly (" + in.bytes + " bytes in "
                    + Duration.ofNanos(elapsed).toSeconds() + " s); answered 408");
            refuse(in.head, REQUEST_TIMEOUT, in.headNanos);
        }
    }

    private void headTimedOut(long now) {
        if (!headBytesSeen && current == null && queue.isEmpty()) {
            context.close(); // nothing was asked: nothing to answer
            return;
        }
        headStartNanos = 0;
        refuse(unknownRequest(), REQUEST_TIMEOUT, now);
    }

    /** Whether bytes have waited to be written, without any of them moving, for longer than the idle timeout. */
    private boolean writeStalled(long now) {
        ChannelOutboundBuffer out = context.channel().unsafe().outboundBuffer();
        if (out == null || out.totalPendingWriteBytes() == 0) {
            writeSample = null;
            return false;
        }
        Object message = out.current();
        long progress = out.currentProgress() + out.totalPendingWriteBytes();
        if (message != writeSample || progress != writeSampleProgress) {
            writeSample = message;
            writeSampleProgress = progress;
            writeSampleNanos = now;
            return false;
        }
        return now - writeSampleNanos > shared.idleTimeoutNanos;
    }

    // --- the proxy's side

    /** The proxied exchange {@code call} wrote its whole response (or the client or upstream went away). */
    void proxyFinished(ProxyCall call, boolean closeClient) {
        Exchange exchange = current;
        if (exchange == null || exchange.proxy() != call) {
            return;
        }
        current = null;
        long now = System.nanoTime();
        idleSinceNanos = now;
        Request request = exchange.request();
        long ttfb = (call.responseHeadNanos() == 0 ? now : call.responseHeadNanos()) - exchange.headNanos();
        shared.accessLog.log(new AccessLog.Entry(request.remoteAddress(), request.method(), request.target(),
                request.protocol(), call.status(), ttfb, call.responseBytes(), now - exchange.headNanos(), 0, 0));
        boolean close = closeClient || closeAfterResponse || !exchange.keepAlive() || draining;
        closeAfterResponse = false;
        if (proxyPaused) {
            proxyPaused = false;
            updateReading();
        }
        if (streaming == call && !closeClient && context.channel().isActive()) {
            discarding = call;
            closeAfterDiscard = close;
            context.flush();
            discardTimer = context.executor().schedule(this::discardTimedOut, DISCARD_NANOS, TimeUnit.NANOSECONDS);
            return;
        }
        if (close) {
            closing = true;
            dropQueued();
            context.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            next();
        }
    }

    /** The rest of an answered request's body arrived: the connection goes on as it would have. */
    private void discarded() {
        discarding = null;
        discardTimer.cancel(false);
        if (closeAfterDiscard) {
            closing = true;
            dropQueued();
            context.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            next();
        }
    }

    private void discardTimedOut() {
        if (discarding != null) {
            discarding = null;
            streaming = null;
            closing = true;
            dropQueued();
            context.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
        shared.accessLog.log(new AccessLog.Entry(request.remoteAddress(), request.method(), request.target(),
                request.protocol(), call.status(), now - exchange.headNanos(), 0, now - exchange.headNanos(), 0, 0));
        ChannelPipeline pipeline = context.pipeline();
        pipeline.addLast(new Relay(upstream));
        context.channel().config().setAutoRead(true);
        for (ChannelHandler handler : List.<ChannelHandler>of(encoder, this)) {
            pipeline.remove(handler);
        }
        pipeline.remove(decoder); // last: what it read beyond the request goes to the relay
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

    // --- the channel's events

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (current != null && current.proxy() != null) {
                current.proxy().clientWritable();
            }
            next();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == DRAIN) {
            draining = true;
            if (current == null && queue.isEmpty()) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (incoming != null) {
            shared.diagnostics.info(Event.CONNECTION_ERROR, remoteAddress() + ": closed by the client in the middle of "
                    + "the body of " + incoming.head.method() + " " + incoming.head.target() + " (" + incoming.bytes
                    + " bytes read)");
            incoming.release(shared.budget);
            incoming = null;
        }
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

    /**
     * A fault of the network or the client (a reset, a broken pipe) is one line at
     * INFO; anything else is this server's own bug and gets its stack trace.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause.getCause() instanceof IOException) {
            shared.diagnostics.info(Event.CONNECTION_ERROR, remoteAddress() + ": " + cause.getMessage());
        } else {
            shared.diagnostics.error(Event.CONNECTION_ERROR, remoteAddress() + ": closing the connection", cause);
        }
        ctx.close();
    }
}
