package dev.flexilib.plugin.workers;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the build put Cloudflare's workerd and the esbuild it bundles wrangler
 * projects with: {@code workerd/node_modules/} beside the server's JAR (or its
 * classes directory); {@code FLEXILIB_WORKERD} and {@code FLEXILIB_ESBUILD} name
 * other binaries.
 */
record Workerd(Path workerd, Path esbuild) {
    private static final String PACKAGE = "node_modules/@cloudflare/workerd-linux-64/bin/workerd";
    private static final String ESBUILD = "node_modules/@esbuild/linux-x64/bin/esbuild";

    static Workerd locate(Map<String, String> environment) {
        Path installed = installed();
        return new Workerd(Path.of(environment.getOrDefault("FLEXILIB_WORKERD", installed.resolve(PACKAGE).toString())),
                Path.of(environment.getOrDefault("FLEXILIB_ESBUILD", installed.resolve(ESBUILD).toString())));
    }

    private static Path installed() {
        try {
            Path code = Path.of(Workerd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("workerd");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("workerd");
        }
    }

    /** Why workerd cannot run, if it cannot. */
    String missing() {
        if (!Files.isExecutable(workerd)) {
            return "workerd is not installed at " + workerd + ": build flexilib (bin/build installs it from the npm "
                    + "registry), or set FLEXILIB_WORKERD to a workerd binary";
        }
        return null;
    }
}
