package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The access-log line, character for character as FlexiLib writes it. */
class AccessLogTest {

    @Test
    void aLineHasFlexilibsFormat() {
        AccessLog.Entry entry = new AccessLog.Entry(new InetSocketAddress("127.0.0.1", 59940), "GET", "/", "HTTP/1.1",
                200, 2_000_420_000L, 11, 2_000_568_123L, 1569, 4350);

        assertThat(AccessLog.format(entry))
                .isEqualTo("127.0.0.1:59940 - - \"GET / HTTP/1.1\" 200 ttfb 2000.420ms 11 ttlb 2000.568ms (pre-alloc: 1569, alloc: 4350)\n");
    }

    @Test
    void smallTimesKeepTheirLeadingZerosAndIpv6AddressesTheirBrackets() {
        AccessLog.Entry entry = new AccessLog.Entry(new InetSocketAddress("::1", 8080), "HEAD", "/x?y", "HTTP/1.0",
                404, 7_000, 0, 95_000, 0, 0);

        assertThat(AccessLog.format(entry))
                .isEqualTo("[0:0:0:0:0:0:0:1]:8080 - - \"HEAD /x?y HTTP/1.0\" 404 ttfb 0.007ms 0 ttlb 0.095ms (pre-alloc: 0, alloc: 0)\n");
    }

    @Test
    void everyLineFromManyThreadsIsWrittenWholeAndInEachThreadsOrderByClose() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLog log = new AccessLog(out);
        int threads = 4;
        int perThread = 5_000;
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            writers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    log.log(entry("/t" + thread + "/" + i));
                }
            }));
        }
        for (Thread writer : writers) {
            writer.join();
        }
        log.close();

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(threads * perThread);
        for (int t = 0; t < threads; t++) {
            String prefix = "\"GET /t" + t + "/";
            List<String> own = lines.stream().filter(line -> line.contains(prefix)).toList();
            assertThat(own).hasSize(perThread);
            for (int i = 0; i < perThread; i++) {
                assertThat(own.get(i)).isEqualTo(AccessLog.format(entry("/t" + t + "/" + i)).stripTrailing());
            }
        }
    }

    @Test
    void aLoneLineIsWrittenWithoutWaitingForMoreOrForClose() throws InterruptedException {
        CountDownLatch written = new CountDownLatch(1);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                text.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                text.write(bytes, offset, length);
                written.countDown();
            }
        };
        AccessLog log = new AccessLog(out);
        try {
            log.log(entry("/alone"));

            assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(text.toString(StandardCharsets.UTF_8)).contains("\"GET /alone HTTP/1.1\" 200");
        } finally {
            log.close();
        }
    }

    private static AccessLog.Entry entry(String target) {
        return new AccessLog.Entry(new InetSocketAddress("127.0.0.1", 40000), "GET", target, "HTTP/1.1", 200,
                1_000, 13, 2_000, 8192, 100);
    }
}
