package dev.flexilib;

/** The root of flexilib's own unchecked exceptions. */
public class FlexilibException extends RuntimeException {
    public FlexilibException(String message) {
        super(message);
    }

    public FlexilibException(String message, Throwable cause) {
        super(message, cause);
    }
}
