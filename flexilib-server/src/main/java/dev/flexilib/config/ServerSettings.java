package dev.flexilib.config;

import dev.flexilib.FlexilibException;
import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything the server is started with apart from the route table. Built from
 * the environment with FlexiLib's variable names and defaults; tests build it in code.
 *
 * @param port                    PORT, 0 for any free port
 * @param listenAddress           LISTEN_ADDRESS
 * @param workerThreads           SERVER_THREAD_COUNT: native worker threads
 * @param preallocationBytes      RESPONSE_PREALLOCATION_KB × 1024: each worker's native arena
 * @param maxRequestLineBytes     FLEXILIB_MAX_REQUEST_LINE: longer request lines answer 414
 * @param maxHeaderBytes          FLEXILIB_MAX_HEADER_SIZE: larger header sections answer 431
 * @param maxBodyBytes            FLEXILIB_MAX_BODY_SIZE: larger bodies answer 413
 * @param idleTimeout             FLEXILIB_IDLE_TIMEOUT_S: an idle keep-alive connection is closed after it
 * @param reloadQuietPeriod       FLEXILIB_RELOAD_QUIET_MS: a changed plugin file must be quiet this long before it loads
 * @param requestTimeout          FLEXILIB_REQUEST_TIMEOUT_S: a plugin that takes longer is answered 504 for it
 * @param javaConcurrency         FLEXILIB_JAVA_CONCURRENCY: requests one Java plugin runs at once; more answer 503
 * @param shutdownTimeout         FLEXILIB_SHUTDOWN_TIMEOUT_S: on SIGTERM, requests in flight get this long to finish
 * @param preload                 FLEXILIB_PRELOAD=1: load every plugin at start instead of on its first request
 * @param proxyConnectTimeout     FLEXILIB_PROXY_CONNECT_TIMEOUT_MS: connecting to an upstream longer answers 504
 * @param proxyPassesHost         FLEXILIB_PROXY_HOST: "client" (default) sends the client's Host upstream,
 *                                "upstream" sends the upstream's host:port
 * @param maxConnections          FLEXILIB_MAX_CONNECTIONS: client connections open at once; more are answered 503
 *                                and closed
 * @param maxBodyMemoryBytes      FLEXILIB_MAX_BODY_MEMORY: bytes of request bodies (and of responses the clients
 *                                are slow to take) held in memory at once; a body that would go over answers 503
 * @param maxHeaders              FLEXILIB_MAX_HEADERS: header fields in a request; more answer 431
 * @param headerTimeout           FLEXILIB_HEADER_TIMEOUT_S: a request head (or a new connection's first one) must
 *                                arrive whole within this; else 408 and close
 * @param bodyTimeout             FLEXILIB_BODY_TIMEOUT_S: the longest wait for the next part of a request body;
 *                                else 408 and close
 * @param minBodyRate             FLEXILIB_MIN_BODY_RATE: bytes per second a request body must average after its
 *                                first {@link #BODY_RATE_GRACE}; 0 turns the check off
 * @param lambdaIdleTimeout       FLEXILIB_LAMBDA_IDLE_TIMEOUT_S: a Lambda execution environment idle this long stops
 * @param wasmConcurrency         FLEXILIB_WASM_CONCURRENCY: requests one WebAssembly module runs at once, on
 *                                threads of its own (default the number of CPUs, at least 2), unless its settings
 *                                say; up to 1024 more wait, further ones answer 503
 * @param wasmMemoryBytes         FLEXILIB_WASM_MEMORY: the memory ceilings of the WebAssembly guests running at
 *                                once, summed (default a quarter of the heap); a request waits until its module's fits
 * @param sam                     what SAM templates are read with: FLEXILIB_SAM_PARAMETERS, their parameters as
 *                                {@code Name=value Other=value} (the SAM CLI's --parameter-overrides), and
 *                                FLEXILIB_SAM_ENV_VARS, a JSON file of environment values for their functions (the
 *                                SAM CLI's --env-vars)
 */
public record ServerSettings(
        int port,
        InetAddress listenAddress,
        int workerThreads,
        int preallocationBytes,
        int maxRequestLineBytes,
        int maxHeaderBytes,
        int maxBodyBytes,
        Duration idleTimeout,
        Duration reloadQuietPeriod,
        Duration requestTimeout,
        int javaConcurrency,
        Duration shutdownTimeout,
        boolean preload,
        Duration proxyConnectTimeout,
        boolean proxyPassesHost,
        int maxConnections,
        long maxBodyMemoryBytes,
        int maxHeaders,
        Duration headerTimeout,
        Duration bodyTimeout,
        int minBodyRate,
        Duration lambdaIdleTimeout,
        int wasmConcurrency,
        long wasmMemoryBytes,
        SamTemplate.Overrides sam) {

    public static final int DEFAULT_PORT = 8069;

    /** How long a request body may take before {@code minBodyRate} applies to it. */
    public static final Duration BODY_RATE_GRACE = Duration.ofSeconds(5);

    /**
     * Connections a serving JVM is sized for by default: idle ones cost about a
     * kilobyte of heap each, so that many fit the launcher's 64 MiB heap with most of
     * it left for requests; fewer where the process may not open that many files.
     */
    private static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    /** The defaults, listening on {@code 0.0.0.0:8069}. */
    public static ServerSettings defaults() {
        return fromEnvironment(Map.of());
    }

    /** Reads the settings from environment variables; an invalid value throws, naming the variable. */
    public static ServerSettings fromEnvironment(Map<String, String> env) {
        Reader r = new Reader(env);
        return new ServerSettings(
                r.integer("PORT", DEFAULT_PORT, 0, 65535),
                r.value("LISTEN_ADDRESS", address("0.0.0.0"), ServerSettings::address),
                r.integer("SERVER_THREAD_COUNT", Runtime.getRuntime().availableProcessors(), 1, 4096),
                r.integer("RESPONSE_PREALLOCATION_KB", 8, 0, 1024 * 1024) * 1024,
                r.integer("FLEXILIB_MAX_REQUEST_LINE", 8 * 1024, 64, 1024 * 1024),
                r.integer("FLEXILIB_MAX_HEADER_SIZE", 16 * 1024, 256, 16 * 1024 * 1024),
                r.integer("FLEXILIB_MAX_BODY_SIZE", 16 * 1024 * 1024, 0, Integer.MAX_VALUE),
                Duration.ofSeconds(r.integer("FLEXILIB_IDLE_TIMEOUT_S", 75, 1, 86_400)),
                Duration.ofMillis(r.integer("FLEXILIB_RELOAD_QUIET_MS", 200, 10, 60_000)),
                Duration.ofSeconds(r.integer("FLEXILIB_REQUEST_TIMEOUT_S", 60, 1, 86_400)),
                r.integer("FLEXILIB_JAVA_CONCURRENCY", 1024, 1, 1_000_000),
                Duration.ofSeconds(r.integer("FLEXILIB_SHUTDOWN_TIMEOUT_S", 30, 0, 86_400)),
                r.integer("FLEXILIB_PRELOAD", 0, 0, 1) == 1,
                Duration.ofMillis(r.integer("FLEXILIB_PROXY_CONNECT_TIMEOUT_MS", 5000, 1, 600_000)),
                r.value("FLEXILIB_PROXY_HOST", true, ServerSettings::hostPolicy),
                r.integer("FLEXILIB_MAX_CONNECTIONS", defaultMaxConnections(), 1, 10_000_000),
                r.longInteger("FLEXILIB_MAX_BODY_MEMORY", Runtime.getRuntime().maxMemory() / 2, 0, Long.MAX_VALUE),
                r.integer("FLEXILIB_MAX_HEADERS", 256, 1, 100_000),
                Duration.ofSeconds(r.integer("FLEXILIB_HEADER_TIMEOUT_S", 20, 1, 86_400)),
                Duration.ofSeconds(r.integer("FLEXILIB_BODY_TIMEOUT_S", 20, 1, 86_400)),
                r.integer("FLEXILIB_MIN_BODY_RATE", 240, 0, Integer.MAX_VALUE),
                Duration.ofSeconds(r.integer("FLEXILIB_LAMBDA_IDLE_TIMEOUT_S", 300, 1, 86_400)),
                r.integer("FLEXILIB_WASM_CONCURRENCY", Math.max(2, Runtime.getRuntime().availableProcessors()), 1, 4096),
                r.longInteger("FLEXILIB_WASM_MEMORY", Runtime.getRuntime().maxMemory() / 4, 64 * 1024, Long.MAX_VALUE),
                new SamTemplate.Overrides(r.value("FLEXILIB_SAM_PARAMETERS", Map.of(), ServerSettings::parameters),
                        r.value("FLEXILIB_SAM_ENV_VARS", Optional.empty(), text -> Optional.of(Path.of(text.strip())))));
    }

    /** {@code Name=value Other=value}, or the SAM CLI's {@code ParameterKey=Name,ParameterValue=value} form. */
    public static Map<String, String> parameters(String text) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : text.strip().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            if (pair.startsWith("ParameterKey=")) {
                String[] parts = pair.split(",ParameterValue=", 2);
                if (parts.length != 2) {
                    throw new IllegalArgumentException("expected ParameterKey=Name,ParameterValue=value, found " + pair);
                }
                parameters.put(parts[0].substring("ParameterKey=".length()), parts[1]);
                continue;
            }
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("expected Name=value, found " + pair);
            }
            parameters.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return parameters;
    }

    /**
     * {@value #DEFAULT_MAX_CONNECTIONS}, or fewer when the process's file limit is lower:
     * a few hundred descriptors stay for plugins, upstream connections and the JVM itself.
     */
    private static int defaultMaxConnections() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long files = unix.getMaxFileDescriptorCount();
            return (int) Math.max(64, Math.min(DEFAULT_MAX_CONNECTIONS, files - 512));
        }
        return DEFAULT_MAX_CONNECTIONS;
    }

    private static boolean hostPolicy(String text) {
        return switch (text.strip()) {
            case "client" -> true;
            case "upstream" -> false;
            default -> throw new IllegalArgumentException("expected 'client' or 'upstream'");
        };
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address this machine can listen on");
        }
    }

    /** An invalid environment variable; the message names it. */
    public static final class InvalidSetting extends FlexilibException {
        InvalidSetting(String message) {
            super(message);
        }
    }

    private record Reader(Map<String, String> env) {
        int integer(String name, int fallback, int min, int max) {
            int value = value(name, fallback, text -> Integer.parseInt(text.strip()));
            if (value < min || value > max) {
                throw new InvalidSetting(name + "=" + env.get(name) + " is out of range: expected " + min + ".." + max);
            }
            return value;
        }

        long longInteger(String name, long fallback, long min, long max) {
            long value = value(name, fallback, text -> Long.parseLong(text.strip()));
            if (value < min || value > max) {
                throw new InvalidSetting(name + "=" + env.get(name) + " is out of range: expected " + min + ".." + max);
            }
            return value;
        }

        <T> T value(String name, T fallback, Function<String, T> parse) {
            String text = env.get(name);
            if (text == null || text.isBlank()) {
                return fallback;
            }
            try {
                return parse.apply(text);
            } catch (IllegalArgumentException e) {
                String why = e instanceof NumberFormatException ? "expected a whole number" : e.getMessage();
                throw new InvalidSetting(name + "=" + text + " is invalid: " + why);
            }
        }
    }
}
