package dev.flexilib;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** A client connection that writes requests verbatim and reads responses framed by content-length. */
public final class Wire implements AutoCloseable {
    /** One response as read off the socket; header names in lower case. */
    public record Reply(String statusLine, Map<String, String> headers, String body) {
        public int status() {
            return Integer.parseInt(statusLine.split(" ", 3)[1]);
        }

        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static Wire open(TestServer server) throws IOException {
        return open(server.port());
    }

    public static Wire open(int port) throws IOException {
        return new Wire(RawHttp.open(port));
    }

    /** A wire over a connection the caller opened (and may also write to directly). */
    public static Wire over(Socket socket) throws IOException {
        return new Wire(socket);
    }

    public Wire send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** The next response with its body. */
    public Reply read() throws IOException {
        Reply head = readHead();
        int length = Integer.parseInt(head.header("content-length").orElse("0"));
        return new Reply(head.statusLine(), head.headers(),
                new String(in.readNBytes(length), StandardCharsets.ISO_8859_1));
    }

    /** Reads and drops {@code count} bytes (a large body); returns how many there were before the end. */
    public long skip(long count) throws IOException {
        long skipped = 0;
        while (skipped < count && in.read() >= 0) {
            skipped++;
            skipped += in.skip(count - skipped);
        }
        return skipped;
    }

    /** The next status line and headers only: a response to HEAD, or a 100 Continue. */
    public Reply readHead() throws IOException {
        String statusLine = line();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(); !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return new Reply(statusLine, headers, "");
    }

    /**
     * Everything the server sends until it closes the connection. A server that
     * closes with request bytes still unread makes the kernel reset the
     * connection; that is a close too, and what arrived before it is kept.
     */
    public String readUntilClosed() throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try {
            for (int b = in.read(); b >= 0; b = in.read()) {
                received.write(b);
            }
        } catch (SocketException e) {
            if (!"Connection reset".equals(e.getMessage())) {
                throw e;
            }
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** Matches this connection's access-log lines with this status. */
    public Predicate<String> loggedWith(int status) {
        String client = socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort() + " ";
        return line -> line.startsWith(client) && line.contains("\" " + status + " ");
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-response after: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
