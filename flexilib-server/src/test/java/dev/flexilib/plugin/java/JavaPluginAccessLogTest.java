package dev.flexilib.plugin.java;

import dev.flexilib.JarBuilder;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flexilib.TestServer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log's alloc figure for a Java plugin: the bytes its handler allocated for the request. */
class JavaPluginAccessLogTest {
    private static final Pattern ALLOC = Pattern.compile("\\(pre-alloc: 0, alloc: (-?\\d+)\\)$");

    @TempDir
    Path dir;

    @Test
    void allocCountsWhatTheHandlerAllocated() throws Exception {
        JarBuilder.plugin()
                .source("alloc.Allocating", """
                        package alloc;

                        import dev.flexilib.api.*;

                        public final class Allocating implements Handler {
                            @Override
                            public Response handle(Request request) {
                                int size = Integer.parseInt(request.query().orElse("0"));
                                byte[] buffer = new byte[size];
                                return Response.ok(Integer.toString(buffer.length));
                            }
                        }
                        """)
                .service("alloc.Allocating")
                .build().writeInPlace(dir.resolve("alloc.jar"));
        try (TestServer server = TestServer.withConfig(dir, "/alloc = alloc.jar\n")) {
            server.get("/alloc?0");
            server.get("/alloc?4000000");

            long small = allocated(server.nextAccessLogLineFor("/alloc?0"));
            long large = allocated(server.nextAccessLogLineFor("/alloc?4000000"));

            assertThat(large).isGreaterThanOrEqualTo(4_000_000).isGreaterThan(small);
            assertThat(small).isNotNegative().isLessThan(1_000_000);
        }
    }

    private static long allocated(String line) {
        Matcher matcher = ALLOC.matcher(line);
        assertThat(matcher.find()).as(line).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
