package dev.flexilib.plugin.wasm;

import dev.flexilib.Header;
import dev.flexilib.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A WAGI module's standard output read as a CGI response (RFC 3875 section 6): header lines
 * ended by LF or CRLF, an empty line, then the body, byte for byte. {@code Status: CODE
 * [reason]} sets the status; {@code Location} without a Status is a 302; at least one of
 * Content-Type, Location and Status must be there. Every other header is passed on, repeated
 * ones too (WAGI kept only the last Set-Cookie); an explicit Status wins over Location's 302
 * whatever their order (in WAGI the later line won).
 */
final class CgiResponse {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private CgiResponse() {
    }

    /** Output that is not a CGI response; the message says why, for the log. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    static Response parse(byte[] out, int length) throws Malformed {
        int end = headerEnd(out, length);
        if (end < 0) {
            throw new Malformed(length == 0 ? "the module wrote nothing to stdout"
                    : "no empty line ends the CGI headers in the " + length + " bytes the module wrote");
        }
        String head = new String(out, 0, end, StandardCharsets.ISO_8859_1);
        int bodyStart = end + (out[end] == '\r' ? 2 : 1);
        int status = 200;
        boolean explicitStatus = false;
        String reason = "";
        boolean sufficient = false;
        List<Header> headers = new ArrayList<>();
        for (String line : head.split("\n", -1)) {
            String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (text.isEmpty()) {
                continue;
            }
            int colon = text.indexOf(':');
            String name = colon < 0 ? text : text.substring(0, colon).strip();
            if (colon < 0 || !TOKEN.matcher(name).matches()) {
                throw new Malformed("'" + shorten(text) + "' is not a CGI header line (Name: value)");
            }
            String value = text.substring(colon + 1).strip();
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                throw new Malformed("the value of " + name + " has control characters");
            }
            if (name.equalsIgnoreCase("Status")) {
                String[] parts = value.split(" ", 2);
                status = statusCode(parts[0]);
                reason = parts.length > 1 ? parts[1].strip() : "";
                explicitStatus = true;
                sufficient = true;
            } else {
                if (name.equalsIgnoreCase("Location")) {
                    sufficient = true;
                    if (!explicitStatus) {
                        status = 302;
                    }
                } else if (name.equalsIgnoreCase("Content-Type")) {
                    sufficient = true;
                }
                headers.add(new Header(name, value));
            }
        }
        if (!sufficient) {
            throw new Malformed("the CGI headers have none of Content-Type, Location and Status");
        }
        return new Response(status, reason, headers, Arrays.copyOfRange(out, bodyStart, length));
    }

    /** Where the empty line after the headers starts (its CR or LF), or -1. */
    private static int headerEnd(byte[] out, int length) {
        int limit = Math.min(length, MAX_HEADER_BYTES);
        for (int i = 0; i < limit; i++) {
            if (out[i] != '\n') {
                continue;
            }
            if (i + 1 < length && out[i + 1] == '\n') {
                return i + 1;
            }
            if (i + 2 < length && out[i + 1] == '\r' && out[i + 2] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    private static int statusCode(String text) throws Malformed {
        try {
            int code = Integer.parseInt(text);
            if (code >= 100 && code <= 599) {
                return code;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Malformed("'Status: " + shorten(text) + "' is not a status code from 100 to 599");
    }

    private static String shorten(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "…" : printable;
    }
}
