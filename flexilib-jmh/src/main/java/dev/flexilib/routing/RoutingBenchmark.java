package dev.flexilib.routing;

import dev.flexilib.Diagnostics;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.ProxyIni;
import dev.flexilib.plugin.Plugins;
import dev.flexilib.plugin.natives.NativeHost;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Finding the route for a request in FlexiLib's example table (a header route first, the catch-all last). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoutingBenchmark {
    private Plugins plugins;
    private RouteTable table;
    private Request lastRoute;

    @Setup(Level.Trial)
    public void build() {
        // the plugins are never loaded: matching does not touch them
        plugins = new Plugins(Map.of(PluginSpec.Kind.NATIVE, new NativeHost(1, 0)), new Diagnostics(new PrintStream(OutputStream.nullOutputStream())),
                Duration.ofMillis(200));
        table = RouteTable.build(ProxyIni.parse(Path.of("proxy.ini").toAbsolutePath(), List.of(
                "Host: iam / = zig-out/lib/libflexilib-sample-lib.so",
                "/c = zig-out/lib/libflexilib-in-c.so",
                "/universal = zig-out/lib/libuniversal-lambda-example.so",
                "/ = zig-out/lib/libflexilib-sample-lib.so")), plugins, RouteTable.empty());
        lastRoute = new Request("GET", "/index.html?x=1", "HTTP/1.1", List.of(new Header("Host", "localhost:8069"),
                new Header("User-Agent", "wrk"), new Header("Accept", "*/*")), new byte[0], new InetSocketAddress(0));
    }

    @TearDown(Level.Trial)
    public void close() {
        plugins.close();
    }

    @Benchmark
    public Optional<Route> matchCatchAll() {
        return table.match(lastRoute);
    }
}
