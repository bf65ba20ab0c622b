package dev.flexilib.plugin.lambda;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Resident memory of processes, from Linux's {@code /proc/PID/status}; 0 where it cannot be read. */
final class Memory {
    private Memory() {}

    /**
     * The resident set of process {@code pid} and everything it started, in KiB. The
     * children are read from {@code /proc/PID/task/TID/children}: the JDK's own
     * {@code ProcessHandle.descendants()} scans every process of the machine, which,
     * for every busy environment a few times a second, cost more than the invocations.
     */
    static long treeKb(long pid) {
        long total = field(pid, "VmRSS:");
        for (long child : children(pid)) {
            total += treeKb(child);
        }
        return total;
    }

    private static List<Long> children(long pid) {
        List<Long> children = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                for (String child : Files.readString(task.resolve("children")).split(" ")) {
                    if (!child.isBlank()) {
                        children.add(Long.parseLong(child.strip()));
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone, or this kernel does not list children
        }
        return children;
    }

    /** The largest resident set {@code pid} has had, in KiB. */
    static long peakKb(long pid) {
        return field(pid, "VmHWM:");
    }

    private static long field(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone, or this is not Linux
        }
        return 0;
    }
}
