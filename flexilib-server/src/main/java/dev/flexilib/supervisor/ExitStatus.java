package dev.flexilib.supervisor;

import java.util.Map;

/** How a child process ended, in words: Java reports death by signal N as exit status 128 + N. */
record ExitStatus(int code) {
    private static final Map<Integer, String> SIGNALS = Map.ofEntries(
            Map.entry(1, "SIGHUP"), Map.entry(2, "SIGINT"), Map.entry(3, "SIGQUIT"), Map.entry(4, "SIGILL"),
            Map.entry(5, "SIGTRAP"), Map.entry(6, "SIGABRT"), Map.entry(7, "SIGBUS"), Map.entry(8, "SIGFPE"),
            Map.entry(9, "SIGKILL"), Map.entry(11, "SIGSEGV"), Map.entry(13, "SIGPIPE"), Map.entry(15, "SIGTERM"));

    boolean bySignal() {
        return code > 128 && code < 128 + 65;
    }

    @Override
    public String toString() {
        if (bySignal()) {
            int signal = code - 128;
            return "killed by " + SIGNALS.getOrDefault(signal, "signal") + " (" + signal + ")";
        }
        return code == 3 ? "exited with status 3 (out of memory)" : "exited with status " + code;
    }
}
