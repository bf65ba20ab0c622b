package dev.flexilib.plugin.lambda;

import java.nio.charset.StandardCharsets;

/** How one invocation ended, as Lambda reports it to whoever invoked the function. */
sealed interface Outcome {

    /** The function's result: the bytes its runtime posted to {@code /response}. */
    record Result(byte[] payload, String contentType) implements Outcome {}

    /**
     * The invocation failed: {@code payload} is the error object the invoker receives
     * ({@code {"errorMessage", "errorType", ...}}); {@code errorType} is Lambda's name for
     * what happened (the runtime's {@code Lambda-Runtime-Function-Error-Type}, or
     * {@code Runtime.ExitError}, {@code Sandbox.Timedout}, ...), for the log.
     */
    record Failure(byte[] payload, String errorType, Cause cause) implements Outcome {

        /** An error that Lambda itself produced: {@code {"errorType": ..., "errorMessage": "RequestId: ... Error: ..."}}. */
        static Failure platform(String errorType, String requestId, String error, Cause cause) {
            String message = (requestId == null ? "" : "RequestId: " + requestId + " ") + "Error: " + error;
            return new Failure(("{\"errorType\":" + Json.string(errorType) + ",\"errorMessage\":" + Json.string(message)
                    + "}").getBytes(StandardCharsets.UTF_8), errorType, cause);
        }
    }

    /** Why an invocation failed. */
    enum Cause {
        /** The function reported an error (or its runtime did, through {@code /error}). */
        FUNCTION,
        /** The function's initialisation failed: {@code /init/error}, or the runtime exited before asking for work. */
        INIT,
        /** It ran past the function's Timeout; its environment was stopped. */
        TIMEOUT,
        /** Its runtime exited, or was stopped for using more than MemorySize, in the middle of it. */
        EXIT,
        /** Its response was larger than Lambda's 6 MB. */
        RESPONSE_TOO_LARGE
    }
}
