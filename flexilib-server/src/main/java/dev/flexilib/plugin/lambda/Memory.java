package dev.flexilib.plugin.lambda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of processes, from Linux's {@code /proc/PID/status}; 0 where it cannot be read. */
final class Memory {
    private Memory() {}

    /** The resident set of {@code process} and everything it started, in KiB. */
    static long treeKb(ProcessHandle process) {
        return field(process.pid(), "VmRSS:") + process.descendants().mapToLong(child -> field(child.pid(), "VmRSS:")).sum();
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
