package dev.flexilib;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Raw-socket HTTP for protocol edge cases that a client library would smooth over. */
public final class RawHttp {
    private RawHttp() {}

    /**
     * Sends {@code request} as ISO-8859-1 bytes and returns everything the server
     * sends until it closes the connection.
     */
    public static String exchange(int port, String request) throws IOException {
        try (Socket socket = open(port)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return readAll(socket.getInputStream());
        }
    }

    public static Socket open(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) TestServer.TIMEOUT.toMillis());
        return socket;
    }

    public static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
