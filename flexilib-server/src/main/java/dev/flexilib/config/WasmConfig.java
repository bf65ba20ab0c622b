package dev.flexilib.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox of one WebAssembly module, from {@code NAME.properties} beside {@code NAME.wasm}
 * (every setting has a default, so the file is optional):
 *
 * <pre>
 * memory_limit = 8MiB          # the most linear memory the module may have (rounded up to 64 KiB pages)
 * time_limit = 10s             # per request; past it the module is stopped and the request answered 504
 * output_limit = 16MiB         # the most it may write to stdout per request (502 past it)
 * concurrency = 2              # requests it runs at once, on threads of its own (default: FLEXILIB_WASM_CONCURRENCY)
 * volume./data = files         # a directory it may read, at /data inside (relative to the module's directory)
 * volume./scratch = rw:scratch # one it may also write
 * env.GREETING = hello         # an environment variable it sees beside the CGI ones
 * </pre>
 *
 * @param module       the {@code .wasm} file
 * @param settings     the properties file, whether or not it exists
 * @param memoryPages  memory ceiling in 64 KiB pages
 * @param concurrency  requests run at once, when set
 * @param volumes      directories granted, in file order
 * @param environment  extra environment variables, in file order
 */
public record WasmConfig(Path module, Path settings, int memoryPages, Duration timeLimit, long outputLimit,
                         OptionalInt concurrency, List<Volume> volumes, Map<String, String> environment) {
    public static final int PAGE_SIZE = 64 * 1024;
    public static final long DEFAULT_MEMORY_LIMIT = 8L * 1024 * 1024;
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(10);
    public static final long DEFAULT_OUTPUT_LIMIT = 16L * 1024 * 1024;
    private static final int MAX_PAGES = 65536;
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final List<String> KEYS = List.of("memory_limit", "time_limit", "output_limit", "concurrency",
            "volume.GUEST", "env.NAME");

    public WasmConfig {
        volumes = List.copyOf(volumes);
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /** A directory granted to the module: {@code guest} is the path it sees. */
    public record Volume(String guest, Path host, boolean writable) {}

    /** Whether {@code file} names a WebAssembly module route. */
    public static boolean isModule(String file) {
        return file.endsWith(".wasm");
    }

    /** The settings file of {@code module}: {@code NAME.properties} beside {@code NAME.wasm}. */
    public static Path settingsOf(Path module) {
        return module.resolveSibling(module.getFileName().toString().replaceFirst("\\.wasm$", "") + ".properties");
    }

    /** Reads the settings of {@code module}; every error is reported with its line. */
    public static WasmConfig read(Path module) throws ConfigException {
        Path settings = settingsOf(module);
        if (!Files.exists(settings)) {
            return defaults(module);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(settings);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(settings, 0, "cannot read: " + e.getMessage())));
        }
        return new Reader(module, settings).read(lines);
    }

    /** The settings of a module without a settings file. */
    public static WasmConfig defaults(Path module) {
        return new WasmConfig(module, settingsOf(module), pages(DEFAULT_MEMORY_LIMIT), DEFAULT_TIME_LIMIT,
                DEFAULT_OUTPUT_LIMIT, OptionalInt.empty(), List.of(), Map.of());
    }

    private static int pages(long bytes) {
        return (int) Math.min(MAX_PAGES, (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    }

    /** The settings in a line, as {@code flexilib check} prints them. */
    public String describe() {
        StringBuilder text = new StringBuilder("memory ≤ " + size((long) memoryPages * PAGE_SIZE) + ", "
                + timeLimit.toMillis() + " ms a request, output ≤ " + size(outputLimit));
        concurrency.ifPresent(n -> text.append(", ").append(n).append(" at once"));
        for (Volume volume : volumes) {
            text.append(", ").append(volume.guest()).append(" = ").append(volume.host())
                    .append(volume.writable() ? " (read-write)" : " (read-only)");
        }
        if (!environment.isEmpty()) {
            text.append(", env ").append(String.join(" ", environment.keySet()));
        }
        return text.toString();
    }

    private static String size(long bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB"
                : bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
    }

    private static final class Reader {
        private final Path module;
        private final Path settings;
        private final List<ConfigError> errors = new ArrayList<>();
        private long memoryLimit = DEFAULT_MEMORY_LIMIT;
        private Duration timeLimit = DEFAULT_TIME_LIMIT;
        private long outputLimit = DEFAULT_OUTPUT_LIMIT;
        private OptionalInt concurrency = OptionalInt.empty();
        private final Map<String, Volume> volumes = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();

        Reader(Path module, Path settings) {
            this.module = module;
            this.settings = settings;
        }

        WasmConfig read(List<String> lines) throws ConfigException {
            for (int i = 0; i < lines.size(); i++) {
                line(i + 1, lines.get(i).strip());
            }
            if (!errors.isEmpty()) {
                throw new ConfigException(errors);
            }
            return new WasmConfig(module, settings, pages(memoryLimit), timeLimit, outputLimit, concurrency,
                    List.copyOf(volumes.values()), environment);
        }

        private void line(int line, String text) {
            if (text.isEmpty() || text.startsWith("#") || text.startsWith("!")) {
                return;
            }
            int equals = text.indexOf('=');
            if (equals <= 0) {
                error(line, "expected 'setting = value', found '" + text + "'");
                return;
            }
            String key = text.substring(0, equals).strip();
            String value = text.substring(equals + 1).strip();
            switch (key) {
                case "memory_limit" -> size(line, key, value).ifPresent(bytes -> {
                    if (bytes < PAGE_SIZE || bytes > (long) MAX_PAGES * PAGE_SIZE) {
                        error(line, "memory_limit must be between 64KiB (one page) and 4GiB, found " + value);
                    } else {
                        memoryLimit = bytes;
                    }
                });
                case "output_limit" -> size(line, key, value).ifPresent(bytes -> outputLimit = bytes);
                case "time_limit" -> duration(line, value).ifPresent(limit -> timeLimit = limit);
                case "concurrency" -> {
                    try {
                        int n = Integer.parseInt(value);
                        if (n < 1) {
                            throw new NumberFormatException();
                        }
                        concurrency = OptionalInt.of(n);
                    } catch (NumberFormatException e) {
                        error(line, "concurrency must be a whole number ≥ 1, found '" + value + "'");
                    }
                }
                default -> prefixed(line, key, value);
            }
        }

        private void prefixed(int line, String key, String value) {
            if (key.startsWith("env.")) {
                String name = key.substring("env.".length());
                if (!ENV_NAME.matcher(name).matches()) {
                    error(line, "'" + name + "' is not an environment variable name");
                } else {
                    environment.put(name, value);
                }
            } else if (key.startsWith("volume.")) {
                volume(line, key.substring("volume.".length()), value);
            } else {
                error(line, "unknown setting '" + key + "'; the settings are " + String.join(", ", KEYS));
            }
        }

        private void volume(int line, String guest, String value) {
            if (!guest.startsWith("/") || guest.contains("..")) {
                error(line, "a volume's path inside the module must be absolute, such as volume./data, found '"
                        + guest + "'");
                return;
            }
            boolean writable = value.startsWith("rw:");
            String hostText = writable || value.startsWith("ro:") ? value.substring(3).strip() : value;
            Path host;
            try {
                host = module.toAbsolutePath().getParent().resolve(hostText).normalize();
            } catch (InvalidPathException e) {
                error(line, "'" + hostText + "' is not a valid path: " + e.getReason());
                return;
            }
            if (hostText.isEmpty() || !Files.isDirectory(host)) {
                error(line, "volume " + guest + ": " + host + " is not a directory");
                return;
            }
            String normalized = guest.length() > 1 && guest.endsWith("/") ? guest.substring(0, guest.length() - 1)
                    : guest;
            volumes.put(normalized, new Volume(normalized, host, writable));
        }

        private Optional<Long> size(int line, String key, String value) {
            Matcher m = SIZE.matcher(value.toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                error(line, key + " must be a size such as 16MiB, 512KiB or 65536 (bytes), found '" + value + "'");
                return Optional.empty();
            }
            long scale = switch (m.group(2)) {
                case "k", "kb", "kib" -> 1024L;
                case "m", "mb", "mib" -> 1024L * 1024;
                case "g", "gb", "gib" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            try {
                return Optional.of(Math.multiplyExact(Long.parseLong(m.group(1)), scale));
            } catch (ArithmeticException | NumberFormatException e) {
                error(line, key + " is too large: " + value);
                return Optional.empty();
            }
        }

        private Optional<Duration> duration(int line, String value) {
            Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
            long amount = m.matches() ? Long.parseLong(m.group(1)) : 0;
            Duration limit = !m.matches() ? Duration.ZERO : switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMinutes(amount);
            };
            if (limit.isZero() || limit.compareTo(Duration.ofHours(1)) > 0) {
                error(line, "time_limit must be a duration from 1ms to 60m, such as 500ms, 10s or 2m, found '"
                        + value + "'");
                return Optional.empty();
            }
            return Optional.of(limit);
        }

        private void error(int line, String message) {
            errors.add(new ConfigError(settings, line, message));
        }
    }
}
