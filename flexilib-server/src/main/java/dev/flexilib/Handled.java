package dev.flexilib;

/**
 * A response with what it cost, for the access log.
 *
 * @param preAllocated bytes preallocated for the thread that handled it
 * @param allocated    bytes the request used (native: arena high-water mark)
 */
public record Handled(Response response, long preAllocated, long allocated) {

    /** A response the server produced itself, with no plugin memory behind it. */
    public static Handled of(Response response) {
        return new Handled(response, 0, 0);
    }
}
