package dev.flexilib.plugin.wasm;

import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import dev.flexilib.Diagnostics;
import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.config.PluginSpec;
import dev.flexilib.config.WasmConfig;
import dev.flexilib.plugin.Plugin;
import java.io.OutputStream;
import java.io.PrintStream;
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
 * A WAGI request without the network. {@code helloCall} and {@code echo1KiBCall} are the
 * whole of {@link Plugin#handle}: the CGI variables, a reset instance, {@code _start} on a
 * guest thread and back, the CGI output parsed. {@code helloResetAndRun} is the instance's
 * part alone (reset + run, on this thread); {@code helloFreshInstance} is what it replaces,
 * an instantiation per request as WAGI does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WasmCallBenchmark {
    private WasmHost host;
    private Plugin hello;
    private Plugin echo;
    private CompiledModule module;
    private GuestInstance instance;
    private Request request;
    private Request body;

    @Setup(Level.Trial)
    public void load() {
        host = new WasmHost(new Diagnostics(new PrintStream(OutputStream.nullOutputStream())), 2, 64L * 1024 * 1024);
        Path helloModule = example("hello");
        hello = host.load(PluginSpec.wasm(helloModule, "/hello"), helloModule);
        echo = host.load(PluginSpec.wasm(example("echo"), "/echo"), example("echo"));
        module = CompiledModule.compile(helloModule, WasmConfig.read(helloModule));
        instance = GuestInstance.create(module);
        List<Header> headers = List.of(new Header("Host", "localhost:8069"), new Header("User-Agent", "wrk"),
                new Header("Accept", "*/*"));
        request = new Request("GET", "/hello", "HTTP/1.1", headers, new byte[0], new InetSocketAddress(0));
        body = new Request("POST", "/echo", "HTTP/1.1", headers, new byte[1024], new InetSocketAddress(0));
    }

    private static Path example(String name) {
        Path module = Path.of(System.getProperty("flexilib.examples.wasm", "examples/wasm"), name + ".wasm");
        if (!Files.exists(module)) {
            throw new IllegalStateException(module.toAbsolutePath() + " is missing: run from the repository root after bin/build");
        }
        return module;
    }

    @TearDown(Level.Trial)
    public void unload() {
        hello.close();
        echo.close();
        host.close();
    }

    @Benchmark
    public Handled helloCall() {
        return hello.handle(request);
    }

    @Benchmark
    public Handled echo1KiBCall() {
        return echo.handle(body);
    }

    @Benchmark
    public boolean helloResetAndRun() {
        run(instance);
        return instance.reset();
    }

    @Benchmark
    public int helloFreshInstance() {
        GuestInstance fresh = GuestInstance.create(module);
        run(fresh);
        return fresh.pages();
    }

    private static void run(GuestInstance guest) {
        BoundedOutput out = new BoundedOutput(1 << 20);
        try (WasiPreview1 wasi = WasiPreview1.builder().withLogger(WasmPlugin.QUIET)
                .withOptions(WasiOptions.builder().withStdout(out, false).withArguments(List.of("/hello")).build())
                .build()) {
            guest.run(wasi, new Sandbox(List.of()));
        }
    }
}
