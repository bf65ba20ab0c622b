package dev.flexilib;

import java.util.Objects;

/**
 * One HTTP header field. Name and value hold the bytes as received or as a plugin
 * produced them, one char per byte (ISO-8859-1), so any byte sequence survives a
 * round trip through a plugin unchanged.
 */
public record Header(String name, String value) {
    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
