package dev.flexilib.plugin.lambda;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.plugin.lambda.Outcome.Cause;
import dev.flexilib.plugin.lambda.Outcome.Failure;
import java.util.Locale;

/**
 * A function's log as CloudWatch shows it, on flexilib's stderr: the runtime's
 * output lines with the request id of the invocation they came during, and
 * Lambda's own {@code START}, {@code END} and {@code REPORT} lines with measured
 * figures (Max Memory Used is the environment process's peak resident set).
 */
final class FunctionLog {
    private final String name;
    private final int memoryMb;
    private final boolean billsInit;
    private final Diagnostics diagnostics;

    FunctionLog(String name, int memoryMb, boolean billsInit, Diagnostics diagnostics) {
        this.name = name;
        this.memoryMb = memoryMb;
        this.billsInit = billsInit;
        this.diagnostics = diagnostics;
    }

    void start(Invocation invocation) {
        line(invocation, "START RequestId: " + invocation.requestId + " Version: $LATEST");
    }

    /** A line the runtime printed, during {@code invocation} (or between invocations: null). */
    void output(Invocation invocation, String line) {
        line(invocation, line);
    }

    /**
     * The end of {@code invocation}: what went wrong, if anything, then {@code END} and
     * {@code REPORT}; {@code initNanos} is the environment's cold start, -1 after its first.
     */
    void end(Invocation invocation, Outcome outcome, long initNanos, long peakKb) {
        double millis = (System.nanoTime() - invocation.startNanos) / 1e6;
        String status = "";
        if (outcome instanceof Failure failure && failure.cause() != Cause.FUNCTION) {
            line(invocation, new String(failure.payload(), java.nio.charset.StandardCharsets.UTF_8));
            status = switch (failure.cause()) {
                case TIMEOUT -> "Status: timeout\t";
                default -> "Status: error\tError Type: " + failure.errorType() + "\t";
            };
        }
        line(invocation, "END RequestId: " + invocation.requestId);
        double init = initNanos < 0 ? 0 : initNanos / 1e6;
        long billed = (long) Math.ceil(millis + (billsInit ? init : 0));
        line(invocation, "REPORT RequestId: " + invocation.requestId + "\tDuration: " + millis(millis)
                + " ms\tBilled Duration: " + billed + " ms\tMemory Size: " + memoryMb + " MB\tMax Memory Used: "
                + Math.max(1, (peakKb + 1023) / 1024) + " MB\t" + (initNanos < 0 ? "" : "Init Duration: "
                + millis(init) + " ms\t") + status);
    }

    /** An execution environment started, became ready, or stopped. */
    void environment(Environment environment, String what) {
        diagnostics.info(Event.LAMBDA_ENVIRONMENT, name + ": execution environment " + environment.number()
                + " (pid " + environment.pid() + ") " + what);
    }

    private void line(Invocation invocation, String line) {
        if (invocation != null) {
            invocation.log(line);
        }
        diagnostics.info(Event.LAMBDA_LOG, name + (invocation == null ? "" : " " + invocation.requestId) + ": " + line);
    }

    private static String millis(double millis) {
        return String.format(Locale.ROOT, "%.2f", millis);
    }
}
