package dev.flexilib;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
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
}
