package dev.flexilib.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.RawHttp;
import dev.flexilib.ServerProcess;
import dev.flexilib.TestServer;
import dev.flexilib.Wire;
import dev.flexilib.Wire.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that try to take the server down — by never reading, by flooding it
 * with connections, pipelined requests or large uploads, by trickling bytes, by
 * leaving mid-request — against flexilib as users run it: a supervisor and a
 * serving child on the launcher's JVM options (a 64 MiB heap), so that its
 * memory limits are the real ones. After each attack the same child is alive
 * and serving, and other clients were served during it.
 */
class HostileClientTest {
    private static final Pattern CHILD_STARTED = Pattern.compile("child\\.started server child (\\d+) started");
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    /** Default limits. */
    static ServerProcess server;
    static int port;
    /** 200 connections at most, a 2 s header timeout, a 1 s body timeout. */
    static ServerProcess tight;
    static int tightPort;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("proxy.ini"), """
                /hello = %s
                /echo = %s
                """.formatted(TestServer.example("hello"), TestServer.example("echo")));
        server = ServerProcess.launched(dir, Map.of("PORT", "0"));
        port = server.awaitPort();
        tight = ServerProcess.launched(dir, Map.of("PORT", "0", "FLEXILIB_MAX_CONNECTIONS", "200",
                "FLEXILIB_HEADER_TIMEOUT_S", "2", "FLEXILIB_BODY_TIMEOUT_S", "1"));
        tightPort = tight.awaitPort();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        tight.close();
    }

    @AfterEach
    void theSameChildServesAfterTheAttack() throws Exception {
        threads.shutdownNow();
        for (ServerProcess process : List.of(server, tight)) {
            assertThat(helloOnceCounted(process == server ? port : tightPort)).as("GET /hello after the attack")
                    .startsWith("HTTP/1.1 200");
            assertThat(process.stderr()).as("the child never died").doesNotContain("child.exited")
                    .doesNotContain("OutOfMemoryError");
            assertThat(childrenStarted(process)).as("one child, ever").isEqualTo(1);
        }
    }

    // --- 1: write back-pressure

    @Test
    void clientsThatPipelineLargeBodiesAndNeverReadAreThrottledNotFatal() throws Exception {
        byte[] post = post("/echo/pipelined", MIB);
        List<SocketChannel> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                attackers.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
            }
            long limit = 64L * MIB * attackers.size();
            long sent = pushUntilTheServerStopsReading(attackers, post, limit);

            assertThat(sent).as("the server stopped reading long before taking every request").isLessThan(limit);
            assertThat(hello(port)).as("another client, during the attack").startsWith("HTTP/1.1 200");

            // the answers waited: the first attacker reads them now, whole and in order
            SocketChannel first = attackers.getFirst();
            first.configureBlocking(true);
            Wire wire = Wire.over(first.socket());
            for (int i = 0; i < 3; i++) {
                Reply reply = wire.read();
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.body()).hasSize(MIB);
            }
        } finally {
            for (SocketChannel channel : attackers) {
                channel.close();
            }
        }
    }

    /**
     * Writes {@code post} over and over to every attacker until {@code limit} bytes
     * went out or none of them could write for 3 s: the server stopped reading them.
     */
    private static long pushUntilTheServerStopsReading(List<SocketChannel> attackers, byte[] post, long limit)
            throws IOException {
        long sent = 0;
        try (Selector selector = Selector.open()) {
            for (SocketChannel channel : attackers) {
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_WRITE, ByteBuffer.wrap(post));
            }
            while (sent < limit && selector.select(TimeUnit.SECONDS.toMillis(3)) > 0) {
                for (SelectionKey key : selector.selectedKeys()) {
                    ByteBuffer buffer = (ByteBuffer) key.attachment();
                    sent += ((SocketChannel) key.channel()).write(buffer);
                    if (!buffer.hasRemaining()) {
                        key.attach(ByteBuffer.wrap(post));
                    }
                }
                selector.selectedKeys().clear();
            }
        } // closing the selector deregisters the channels, so they can block again
        return sent;
    }

    // --- 2: connection flood

    @Test
    void connectionsOverTheLimitAre503AndTheIdleOnesAreClosedAfterTheHeaderTimeout() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                idle.add(RawHttp.open(tightPort));
            }
            // the limit is counted as the server accepts: the flood is in once an over-limit connection is refused
            assertThat(awaitRefusal(tightPort)).startsWith("HTTP/1.1 503 ").contains("connection: close");
            assertThat(tight.awaitStderr(line -> line.contains("limit.reached FLEXILIB_MAX_CONNECTIONS=200")))
                    .isNotNull();

            for (Socket socket : idle) {
                assertThat(RawHttp.readAll(socket.getInputStream())).as("closed, unanswered: nothing was asked").isEmpty();
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    /** Opens connections until one is refused (the server may not have counted the last ones yet); its answer. */
    private static String awaitRefusal(int port) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Socket socket = RawHttp.open(port)) {
                socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                if (answer.startsWith("HTTP/1.1 503")) {
                    return answer + RawHttp.readAll(socket.getInputStream());
                }
            }
        }
        throw new AssertionError("no connection was refused");
    }

    // --- 3: pipelining

    @Test
    void fiveThousandPipelinedRequestsInOneWriteAreAllAnsweredInOrder() throws Exception {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            requests.append("GET /echo/p").append(i).append(" HTTP/1.1\r\nHost: t\r\n\r\n");
        }
        try (Wire wire = Wire.open(port)) {
            Future<?> writing = threads.submit(() -> wire.send(requests.toString()));
            for (int i = 0; i < 5000; i++) {
                Reply reply = wire.read();
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.header("x-echo-target")).hasValue("/echo/p" + i);
            }
            writing.get(30, TimeUnit.SECONDS);
        }
        assertThat(server.stderr()).doesNotContain("maxPipelineDepth").doesNotContain("ERROR");
    }

    // --- 4: large uploads at once

    @Test
    void uploadsAtTheBodyLimitAreEachAnsweredEitherWholeOr503BeforeTheBody() throws Exception {
        List<Future<Integer>> uploads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            uploads.add(threads.submit(() -> uploadExpectingContinue(16 * MIB)));
        }
        assertThat(hello(port)).as("another client, during the uploads").startsWith("HTTP/1.1 200");
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> upload : uploads) {
            statuses.add(upload.get(60, TimeUnit.SECONDS));
        }

        assertThat(statuses).as("each upload got a status").allMatch(status -> status == 200 || status == 503)
                .contains(200);
    }

    /** As curl uploads: the head with Expect: 100-continue, the body only after 100 Continue. */
    private static int uploadExpectingContinue(int size) throws IOException {
        try (Socket socket = RawHttp.open(port); Wire wire = Wire.over(socket)) {
            wire.send("POST /echo/upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: " + size
                    + "\r\n\r\n");
            Reply first = wire.readHead();
            if (first.status() != 100) {
                assertThat(first.header("connection")).hasValue("close");
                return first.status();
            }
            byte[] body = new byte[size];
            Arrays.fill(body, (byte) 'u');
            socket.getOutputStream().write(body);
            Reply reply = wire.readHead();
            assertThat(reply.header("content-length")).as("the whole body comes back").hasValue(Integer.toString(size));
            assertThat(wire.skip(size)).isEqualTo(size);
            return reply.status();
        }
    }

    // --- 5: slow clients

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() throws Exception {
        long start = System.nanoTime();
        try (Socket socket = RawHttp.open(tightPort)) {
            assertThat(RawHttp.readAll(socket.getInputStream())).isEmpty();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(1500L, 10_000L);
    }

    @Test
    void aHeadTrickledLineByLineIsAnswered408WhenTheHeaderTimeoutEnds() throws Exception {
        try (Socket socket = RawHttp.open(tightPort); Wire wire = Wire.over(socket)) {
            wire.send("GET /hello HTTP/1.1\r\nHost: t\r\n");
            Future<Object> trickle = threads.submit(() -> trickle(socket.getOutputStream(), "X-Slow: 1\r\n", 40));
            assertThat(hello(tightPort)).as("another client, meanwhile").startsWith("HTTP/1.1 200");

            Reply reply = wire.read();

            assertThat(reply.status()).isEqualTo(408);
            assertThat(reply.header("connection")).hasValue("close");
            trickle.cancel(true);
        }
    }

    @Test
    void aBodyTrickledBelowTheMinimumRateIsAnswered408() throws Exception {
        try (Socket socket = RawHttp.open(tightPort); Wire wire = Wire.over(socket)) {
            wire.send("POST /echo/slow HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
            // a byte every 0.4 s keeps within the 1 s body timeout, but not within 240 bytes a second
            Future<Object> trickle = threads.submit(() -> trickle(socket.getOutputStream(), "b", 1000));

            Reply reply = wire.read();

            assertThat(reply.status()).isEqualTo(408);
            trickle.cancel(true);
        }
    }

    @Test
    void aBodyThatStopsComingIsAnswered408AfterTheBodyTimeout() throws Exception {
        try (Wire wire = Wire.open(tightPort)) {
            Reply reply = wire.send("POST /echo/stalled HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nonly this")
                    .read();

            assertThat(reply.status()).isEqualTo(408);
            assertThat(wire.readUntilClosed()).isEmpty();
        }
    }

    /** Writes {@code piece} {@code times} times, 0.4 s apart (the pace is the attack). */
    private static Object trickle(OutputStream out, String piece, int times) throws IOException, InterruptedException {
        for (int i = 0; i < times; i++) {
            TimeUnit.MILLISECONDS.sleep(400);
            out.write(piece.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return null;
    }

    // --- 6: clients that leave mid-request

    @Test
    void clientsThatLeaveMidBodyCostOneShortLineEachAndNoStackTrace() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (Socket socket = RawHttp.open(port)) {
                socket.getOutputStream().write(("POST /echo/left-" + i + " HTTP/1.1\r\nHost: t\r\nContent-Length: 100000"
                        + "\r\n\r\npart of it").getBytes(StandardCharsets.US_ASCII));
            }
        }
        for (int i = 0; i < 20; i++) {
            String target = "/echo/left-" + i + " ";
            assertThat(server.awaitStderr(line -> line.contains(target))).contains("INFO ").contains("connection.error");
        }
        assertThat(server.stderr()).doesNotContain("ERROR").doesNotContain("\tat ");
    }

    // --- helpers

    private static String hello(int port) throws IOException {
        return RawHttp.exchange(port, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    }

    /**
     * GET /hello, again while the answer is 503: a connection the client saw closed
     * may not be counted out yet (the count drops right after the close, on the
     * server's side of it).
     */
    private static String helloOnceCounted(int port) throws IOException {
        String answer = hello(port);
        for (int attempt = 0; attempt < 20 && answer.startsWith("HTTP/1.1 503"); attempt++) {
            answer = hello(port);
        }
        return answer;
    }

    private static byte[] post(String target, int size) {
        byte[] head = ("POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + size + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = Arrays.copyOf(head, head.length + size);
        Arrays.fill(request, head.length, request.length, (byte) 'p');
        return request;
    }

    private static int childrenStarted(ServerProcess process) {
        Matcher matcher = CHILD_STARTED.matcher(process.stderr());
        int children = 0;
        while (matcher.find()) {
            children++;
        }
        return children;
    }
}
