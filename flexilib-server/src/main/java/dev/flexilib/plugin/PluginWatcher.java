package dev.flexilib.plugin;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tells plugin slots that their file (or directory) changed. It watches the file's directory,
 * not the file, because a rename into place or a compiler's output replaces the
 * file itself; and it waits until the file has been quiet for the quiet period,
 * so that a half-written file is not loaded.
 */
final class PluginWatcher implements AutoCloseable {
    private final Diagnostics diagnostics;
    private final Duration quietPeriod;
    private final WatchService service;
    private final Map<WatchKey, Path> directories = new ConcurrentHashMap<>();
    private final Map<Path, List<Runnable>> listeners = new ConcurrentHashMap<>();
    private final Map<Path, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService debouncer;
    private final Thread thread;

    PluginWatcher(Diagnostics diagnostics, Duration quietPeriod) {
        this.diagnostics = diagnostics;
        this.quietPeriod = quietPeriod;
        try {
            this.service = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch plugin files", e);
        }
        this.debouncer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                .name("flexilib-reload").daemon().factory());
        this.thread = Thread.ofPlatform().name("flexilib-watcher").daemon().start(this::run);
    }

    /**
     * Calls {@code onChange} (on the reload thread) after each quiet change of {@code file}.
     * Throws if the file's directory cannot be watched (for example, it does not exist yet).
     */
    AutoCloseable watch(Path file, Runnable onChange) throws IOException {
        // a directory (a Lambda function's code) is watched itself: a change of an entry in it is its change
        Path directory = Files.isDirectory(file) ? file : file.getParent();
        synchronized (directories) {
            if (!directories.containsValue(directory)) {
                try {
                    directories.put(directory.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE), directory);
                } catch (ClosedWatchServiceException e) {
                    throw new IOException("the watcher is closed", e);
                }
            }
        }
        listeners.computeIfAbsent(file, f -> new CopyOnWriteArrayList<>()).add(onChange);
        return () -> listeners.computeIfPresent(file, (f, list) -> {
            list.remove(onChange);
            return list.isEmpty() ? null : list;
        });
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                Path directory;
                synchronized (directories) {
                    directory = directories.get(key);
                }
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        listeners.keySet().stream().filter(file -> directory.equals(file.getParent())
                                        || file.equals(directory)).forEach(this::changed);
                    } else if (directory != null) {
                        changed(directory.resolve((Path) event.context()));
                        changed(directory);
                    }
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private void changed(Path file) {
        if (!listeners.containsKey(file)) {
            return;
        }
        pending.compute(file, (f, previous) -> {
            if (previous != null) {
                previous.cancel(false);
            }
            return debouncer.schedule(() -> quiet(f), quietPeriod.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void quiet(Path file) {
        pending.remove(file);
        for (Runnable listener : listeners.getOrDefault(file, List.of())) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                diagnostics.error(Event.PLUGIN_LOAD_FAILED, "reloading " + file + " failed", e);
            }
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException ignored) {
            // nothing left to watch
        }
        thread.interrupt();
        debouncer.shutdownNow();
    }
}
