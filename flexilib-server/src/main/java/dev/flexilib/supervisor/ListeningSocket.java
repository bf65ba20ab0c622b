package dev.flexilib.supervisor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The listening socket the supervisor owns for the lifetime of the service.
 * Children serve from it as their standard input (see {@code System.inheritedChannel()}),
 * so connections that arrive while a child restarts wait in its backlog.
 */
record ListeningSocket(int fd, int port) {
    private static final int BACKLOG = 4096;

    /** Binds {@code address:port} (port 0: any free port) and listens. */
    static ListeningSocket open(InetAddress address, int port) throws IOException {
        boolean ipv6 = address instanceof Inet6Address;
        int fd = Posix.socket(ipv6 ? Posix.AF_INET6 : Posix.AF_INET);
        try (Arena arena = Arena.ofConfined()) {
            Posix.reuseAddress(fd);
            MemorySegment sockaddr = sockaddr(arena, address, port);
            Posix.bind(fd, sockaddr);
            Posix.listen(fd, BACKLOG);
            Posix.getsockname(fd, sockaddr);
            return new ListeningSocket(fd, Short.toUnsignedInt(Short.reverseBytes(sockaddr.get(JAVA_SHORT, 2))));
        } catch (IOException e) {
            Posix.close(fd);
            throw new IOException("cannot listen on " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes), port in network byte order. */
    private static MemorySegment sockaddr(Arena arena, InetAddress address, int port) {
        byte[] bytes = address.getAddress();
        boolean ipv6 = bytes.length == 16;
        MemorySegment sockaddr = arena.allocate(ipv6 ? 28 : 16, 4);
        sockaddr.set(JAVA_SHORT, 0, (short) (ipv6 ? Posix.AF_INET6 : Posix.AF_INET));
        sockaddr.set(JAVA_SHORT, 2, Short.reverseBytes((short) port));
        MemorySegment.copy(bytes, 0, sockaddr, JAVA_BYTE, ipv6 ? 8 : 4, bytes.length);
        return sockaddr;
    }

    /** Makes the socket this process's standard input, which children started with an inherited stdin receive. */
    void becomeStandardInput() throws IOException {
        Posix.dup2(fd, 0);
    }

    /** Stops listening in this process (children that hold the socket keep it until they close it too). */
    void close() throws IOException {
        Posix.close(0);
        Posix.close(fd);
    }
}
