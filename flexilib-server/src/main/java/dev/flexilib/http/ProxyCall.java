package dev.flexilib.http;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Response;
import dev.flexilib.config.ProxySpec.Upstream;
import dev.flexilib.plugin.PluginOverloaded;
import dev.flexilib.proxy.ProxyTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One request forwarded to an upstream server, streamed both ways on the client
 * connection's event loop: the request head and body parts go up as they arrive,
 * the response parts come back as they arrive. Each side reads only while the
 * other can take more (back-pressure), so a body of any size passes through in
 * bounded memory. Runs on the client connection's event loop only.
 */
final class ProxyCall {
    /** Stop reading the client's body while this many parts wait for the upstream connection. */
    private static final int MAX_PENDING = 16;

    private final Connection connection;
    private final ChannelHandlerContext client;
    private final CompletionStage<ProxyTarget> targetLater;
    private ProxyTarget target;
    private boolean released;
    private final HttpRequest head;
    private final Upstreams upstreams;
    private final Duration responseTimeout;
    private final Diagnostics diagnostics;
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();

    private Upstream upstream;
    private Channel channel;
    private boolean reused;
    private boolean retried;
    private boolean bodyless;
    private boolean upgrade;
    private int refusals;
    private String originalUri;
    private boolean requestSent;
    /**
     * A write to the upstream failed: it closed its side, often right after answering
     * without reading the whole body (a 401 to an upload). Its answer is still read and
     * relayed; the rest of the body is dropped and the connection not reused.
     */
    private boolean upstreamRefusedBody;
    private boolean responseStarted;
    private boolean informational;
    private boolean responseKeepAlive;
    private boolean finished;
    private int status;
    private long responseBytes;
    private long responseHeadNanos;
    /** When the upstream's response head is due (System.nanoTime), 0 when none is awaited. */
    private long responseDueNanos;

    /**
     * {@code target}: where the request goes, known now for a reverse-proxy route, and
     * once its generation is ready for a Worker route (the client's body waits meanwhile).
     */
    ProxyCall(Connection connection, ChannelHandlerContext client, CompletionStage<ProxyTarget> target,
              HttpRequest head, Upstreams upstreams, Duration responseTimeout, Diagnostics diagnostics) {
        this.connection = connection;
        this.client = client;
        this.targetLater = target;
        this.head = head;
        this.upstreams = upstreams;
        this.responseTimeout = responseTimeout;
        this.diagnostics = diagnostics;
    }

    int status() {
        return status;
    }

    long responseBytes() {
        return responseBytes;
    }

    /** When the upstream's response head arrived (System.nanoTime), for the access log's ttfb. */
    long responseHeadNanos() {
        return responseHeadNanos;
    }

    /** Once the target is known: picks an upstream, connects (or reuses a kept-alive one), sends what the client sent. */
    void start() {
        CompletableFuture<ProxyTarget> known = targetLater.toCompletableFuture();
        if (known.isDone()) {
            begin(known);
        } else {
            known.whenComplete((ignored, failure) -> client.executor().execute(() -> begin(known)));
        }
    }

    private void begin(CompletableFuture<ProxyTarget> known) {
        if (known.isCompletedExceptionally()) {
            Throwable failure = known.exceptionNow();
            if (failure instanceof CompletionException wrapped && wrapped.getCause() != null) {
                failure = wrapped.getCause();
            }
            if (!finished) {
                finished = true;
                releasePending();
                status = failure instanceof PluginOverloaded ? 503 : 500;
                diagnostics.warn(Event.REQUEST_FAILED, describe() + ": " + failure.getMessage() + "; answered " + status);
                connection.proxyFailed(this, status == 503 ? Response.text(503, "Service Unavailable\n")
                        : Response.text(500, "Internal Server Error\n"));
            }
            return;
        }
        target = known.resultNow();
        if (finished) { // the client left while the target was being made ready
            releaseTarget();
            return;
        }
        upstream = target.group().choose();
        prepareHead();
        Channel idle = upstreams.idle(upstream);
        if (idle != null) {
            reused = true;
            attach(idle);
            return;
        }
        reused = false;
        connectNew();
    }

    private void connectNew() {
        Future<Channel> connecting = upstreams.connect(client.channel().eventLoop(), upstream);
        connecting.addListener(future -> {
            if (finished) {
                if (future.isSuccess()) {
                    connecting.getNow().close();
                }
            } else if (future.isSuccess()) {
                attach(connecting.getNow());
            } else {
                connectFailed(future.cause());
            }
        });
    }

    private void attach(Channel connected) {
        channel = connected;
        channel.pipeline().get(UpstreamHandler.class).attach(this);
        channel.config().setAutoRead(true);
        // checked by the client connection's timer sweep: a timer per request cost 4 % of a proxy route's CPU
        responseDueNanos = Math.max(1, System.nanoTime() + responseTimeout.toNanos());
        channel.write(head).addListener(upstreamWrite);
        if (retried) {
            sendUp(LastHttpContent.EMPTY_LAST_CONTENT); // only a request without a body is retried
        }
        while (!pending.isEmpty()) {
            sendUp(pending.poll());
        }
        channel.flush();
        if (channel.isWritable()) {
            connection.pauseForProxy(false);
        }
    }

    /** A body part from the client. */
    void fromClient(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        if (channel == null) {
            pending.add(content);
            if (pending.size() >= MAX_PENDING) {
                connection.pauseForProxy(true);
            }
            return;
        }
        sendUp(content);
        channel.flush();
    }

    private void sendUp(HttpContent content) {
        requestSent |= content instanceof LastHttpContent;
        if (upstreamRefusedBody) {
            content.release();
            return;
        }
        channel.write(content).addListener(upstreamWrite);
        if (!channel.isWritable()) {
            connection.pauseForProxy(true);
        }
    }

    void upstreamWritable() {
        connection.pauseForProxy(false);
    }

    void clientWritable() {
        if (channel != null) {
            channel.config().setAutoRead(true);
        }
    }

    /** A response part from the upstream. */
    void fromUpstream(Object message) {
        if (finished) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof HttpResponse response) {
            responseHead(response);
        }
        if (message instanceof HttpContent content) {
            if (informational) {
                informational = !(content instanceof LastHttpContent);
                content.release();
                return;
            }
            responseBytes += content.content().readableBytes();
            boolean last = content instanceof LastHttpContent;
            client.writeAndFlush(content).addListener(last ? (ChannelFutureListener) f -> finish(f.isSuccess()) : VOID);
            if (!last && !client.channel().isWritable()) {
                channel.config().setAutoRead(false);
            }
        } else if (!(message instanceof HttpResponse)) {
            ReferenceCountUtil.release(message);
        }
    }

    private static final ChannelFutureListener VOID = future -> { };

    private final ChannelFutureListener upstreamWrite = future -> {
        if (!future.isSuccess()) {
            upstreamRefusedBody = true;
        }
    };

    private void responseHead(HttpResponse response) {
        int code = response.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            // e.g. 100 Continue: pass it on whole (the upstream's empty end of it is dropped); the final response follows
            informational = true;
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(),
                    Unpooled.EMPTY_BUFFER, response.headers(), EmptyHttpHeaders.INSTANCE));
            return;
        }
        cancelTimeout();
        responseStarted = true;
        responseHeadNanos = System.nanoTime();
        status = code;
        target.group().answered(upstream);
        if (code == 101 && upgrade) {
            tunnel(response);
            return;
        }
        responseKeepAlive = HttpUtil.isKeepAlive(response);
        HttpHeaders headers = response.headers();
        boolean hadLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        ProxyHeaders.removeHopByHop(headers);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        boolean bodyless = head.method().equals(HttpMethod.HEAD) || code == 204 || code == 304;
        if (!hadLength && !bodyless) {
            if (connection.clientSpeaksHttp11()) {
                HttpUtil.setTransferEncodingChunked(response, true);
            } else {
                connection.closeAfterResponse(); // an HTTP/1.0 client learns where the body ends by the close
            }
        }
        if (connection.closesAfterResponse()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        client.write(response);
    }

    /**
     * The upstream switched protocols (a WebSocket): pass the 101 on, then turn both
     * connections into a byte tunnel. Bytes either side already read beyond the
     * HTTP part reach the relay when the HTTP codecs are removed.
     */
    private void tunnel(HttpResponse response) {
        finished = true;
        HttpHeaders headers = response.headers();
        String protocol = headers.get(HttpHeaderNames.UPGRADE);
        ProxyHeaders.removeHopByHop(headers);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        if (protocol != null) {
            headers.set(HttpHeaderNames.UPGRADE, protocol);
        }
        client.writeAndFlush(response);
        channel.pipeline().get(UpstreamHandler.class).detach();
        channel.pipeline().addLast(new Relay(client.channel()));
        channel.pipeline().remove(UpstreamHandler.class);
        channel.pipeline().remove(io.netty.handler.timeout.IdleStateHandler.class);
        connection.tunnelled(this, channel);
        channel.pipeline().remove(io.netty.handler.codec.http.HttpClientCodec.class);
        releaseTarget(); // a Worker's generation does not wait for a tunnel to end
    }

    /** The exchange no longer needs its target (a Worker's generation may stop once none does). */
    private void releaseTarget() {
        if (target != null && !released) {
            released = true;
            target.release().run();
        }
    }

    /** The last response part was written (or failed to be): the exchange is over. */
    private void finish(boolean written) {
        if (finished) {
            return;
        }
        finished = true;
        releaseUpstream(written && requestSent && responseKeepAlive && !upstreamRefusedBody);
        connection.proxyFinished(this, !written);
    }

    private void releaseUpstream(boolean reusable) {
        cancelTimeout();
        releasePending();
        releaseTarget();
        if (channel == null) {
            return;
        }
        channel.pipeline().get(UpstreamHandler.class).detach();
        if (reusable) {
            upstreams.release(upstream, channel);
        } else {
            channel.close();
        }
    }

    private void connectFailed(Throwable cause) {
        if (cause instanceof ConnectException && !(cause instanceof ConnectTimeoutException)) {
            target.group().refused(upstream);
            Upstream next = target.group().choose();
            if (++refusals < target.group().spec().upstreams().size() && !next.equals(upstream)) {
                diagnostics.warn(Event.PROXY_FAILED, describe() + ": upstream " + upstream + " refused the connection;"
                        + " trying " + next);
                upstream = next;
                head.setUri(target.rewrite(upstream, originalUri));
                if (!upstreams.passHost() && !target.worker()) {
                    head.headers().set(HttpHeaderNames.HOST, upstreamHost());
                }
                connectNew();
                return;
            }
            fail(502, "connection refused: " + cause.getMessage());
        } else if (cause instanceof ConnectTimeoutException) {
            fail(504, "connect timed out: " + cause.getMessage());
        } else {
            fail(502, "cannot connect: " + cause);
        }
    }

    /** The upstream connection closed or failed. */
    void upstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        String why = cause == null ? "closed the connection" : "failed: " + cause;
        if (!responseStarted) {
            if (reused && !retried && bodyless && requestSent) {
                retryOnNewConnection(); // a kept-alive connection the upstream had closed meanwhile
                return;
            }
            fail(502, why + " before answering");
            return;
        }
        diagnostics.warn(Event.PROXY_FAILED, describe() + ": upstream " + why + " in the middle of the response;"
                + " closing the client connection");
        finished = true;
        releaseUpstream(false);
        connection.proxyFinished(this, true);
    }

    private void retryOnNewConnection() {
        retried = true;
        cancelTimeout();
        Channel stale = channel;
        channel = null;
        stale.pipeline().get(UpstreamHandler.class).detach();
        stale.close();
        reused = false;
        connectNew();
    }

    /** Called by the client connection's timer sweep, on its event loop. */
    void checkTimeout(long now) {
        if (responseDueNanos != 0 && now - responseDueNanos > 0) {
            responseDueNanos = 0;
            if (!finished && !responseStarted) {
                fail(504, "no response within " + responseTimeout);
            }
        }
    }

    /** Answers the client with {@code code} (nothing was sent to it yet) and drops the upstream connection. */
    private void fail(int code, String why) {
        if (finished) {
            return;
        }
        diagnostics.warn(Event.PROXY_FAILED, describe() + ": upstream " + upstream + " " + why + "; answered " + code);
        finished = true;
        releaseUpstream(false);
        status = code;
        connection.proxyFailed(this, Response.text(code, code == 504 ? "Gateway Timeout\n" : "Bad Gateway\n"));
    }

    /** The client went away: cancel the upstream request by closing its connection. */
    void clientClosed() {
        if (finished) {
            return;
        }
        finished = true;
        releaseUpstream(false);
    }

    private void releasePending() {
        while (!pending.isEmpty()) {
            pending.poll().release();
        }
    }

    private void cancelTimeout() {
        responseDueNanos = 0;
    }

    private void prepareHead() {
        HttpHeaders headers = head.headers();
        upgrade = ProxyHeaders.isUpgrade(headers);
        String originalHost = headers.get(HttpHeaderNames.HOST, "");
        String upgradeTo = headers.get(HttpHeaderNames.UPGRADE);
        boolean chunked = HttpUtil.isTransferEncodingChunked(head);
        bodyless = !chunked && HttpUtil.getContentLength(head, 0L) == 0;
        ProxyHeaders.removeHopByHop(headers);
        if (upgrade && upgradeTo != null) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
        }
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(head, true);
        }
        InetSocketAddress from = (InetSocketAddress) client.channel().remoteAddress();
        if (target.worker()) {
            // a Worker sees the client's request as Cloudflare hands it over: its own headers, and who sent it
            headers.set("cf-connecting-ip", from.getAddress().getHostAddress());
        } else {
            ProxyHeaders.addForwarded(headers, from, originalHost);
        }
        originalUri = head.uri();
        head.setUri(target.rewrite(upstream, originalUri));
        head.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (originalHost.isEmpty() || !(upstreams.passHost() || target.worker())) {
            headers.set(HttpHeaderNames.HOST, upstreamHost());
        }
    }

    private String upstreamHost() {
        String host = upstream.host().indexOf(':') >= 0 ? "[" + upstream.host() + "]" : upstream.host();
        int defaultPort = upstream.https() ? 443 : 80;
        return upstream.port() == defaultPort ? host : host + ":" + upstream.port();
    }

    private String describe() {
        return head.method() + " " + head.uri();
    }
}
