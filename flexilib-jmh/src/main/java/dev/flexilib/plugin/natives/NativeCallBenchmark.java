package dev.flexilib.plugin.natives;

import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.config.PluginSpec;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

/**
 * The host's overhead for one native call, without the network: marshal the
 * request into the worker's arena, call handle_request through FFM, copy the
 * response out, reset the arena. {@code hello} answers a fixed body, so nearly
 * all of the time is the host's; {@code echo} copies a body and headers both ways.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NativeCallBenchmark {
    private NativeHost host;
    private NativePlugin hello;
    private NativePlugin echo;
    private WorkerArena arena;
    private Request request;
    private Request body;

    @Setup(Level.Trial)
    public void load() {
        host = new NativeHost(1, 8 * 1024);
        hello = load("hello");
        echo = load("echo");
        arena = new WorkerArena(8 * 1024);
        List<Header> headers = List.of(new Header("Host", "localhost:8069"), new Header("User-Agent", "wrk"),
                new Header("Accept", "*/*"));
        request = new Request("GET", "/", "HTTP/1.1", headers, new byte[0], new InetSocketAddress(0));
        body = new Request("POST", "/echo", "HTTP/1.1", headers, new byte[1024], new InetSocketAddress(0));
    }

    private NativePlugin load(String name) {
        Path library = Path.of(System.getProperty("flexilib.examples", "examples/native/build"), "lib" + name + ".so");
        if (!Files.exists(library)) {
            throw new IllegalStateException(library.toAbsolutePath() + " is missing: run from the repository root after bin/build");
        }
        return (NativePlugin) host.load(new PluginSpec(PluginSpec.Kind.NATIVE, library), library);
    }

    @TearDown(Level.Trial)
    public void unload() {
        hello.close();
        echo.close();
        arena.close();
        host.close();
    }

    @Benchmark
    public Handled helloCall() {
        return hello.handle(request, arena);
    }

    @Benchmark
    public Handled echo1KiBCall() {
        return echo.handle(body, arena);
    }
}
