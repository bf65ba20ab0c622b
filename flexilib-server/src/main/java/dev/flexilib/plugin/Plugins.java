package dev.flexilib.plugin;

import dev.flexilib.Diagnostics;
import dev.flexilib.config.PluginSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The plugin side of a running server: one host per plugin kind, the private
 * copies directory and the file watcher that every {@link PluginSlot} uses.
 */
public final class Plugins implements AutoCloseable {
    private final Map<PluginSpec.Kind, PluginHost> hosts;
    private final Diagnostics diagnostics;
    private final PrivateCopies copies = new PrivateCopies();
    private final PluginWatcher watcher;

    public Plugins(Map<PluginSpec.Kind, PluginHost> hosts, Diagnostics diagnostics, Duration reloadQuietPeriod) {
        this.hosts = Map.copyOf(hosts);
        this.diagnostics = diagnostics;
        this.watcher = new PluginWatcher(diagnostics, reloadQuietPeriod);
    }

    /** A new, unloaded slot for {@code spec}, holding one reference for its owner. */
    public PluginSlot newSlot(PluginSpec spec) {
        PluginHost host = hosts.get(spec.kind());
        if (host == null) {
            throw new IllegalArgumentException("no host for " + spec.kind() + " plugins");
        }
        return new PluginSlot(spec, host, this, diagnostics);
    }

    PrivateCopies copies() {
        return copies;
    }

    AutoCloseable watch(Path file, Runnable onChange) throws IOException {
        return watcher.watch(file, onChange);
    }

    @Override
    public void close() {
        watcher.close();
        hosts.values().stream().distinct().forEach(PluginHost::close); // a host may host more than one kind
        copies.close();
    }
}
