package dev.flexilib.plugin.lambda;

/** The names Go's os package prints for the signals that end processes, as Lambda's messages carry them. */
final class Signals {
    private Signals() {}

    static String name(int signal) {
        return switch (signal) {
            case 1 -> "hangup";
            case 2 -> "interrupt";
            case 3 -> "quit";
            case 4 -> "illegal instruction";
            case 6 -> "aborted";
            case 7 -> "bus error";
            case 8 -> "floating point exception";
            case 9 -> "killed";
            case 11 -> "segmentation fault";
            case 13 -> "broken pipe";
            case 15 -> "terminated";
            default -> "signal " + signal;
        };
    }
}
