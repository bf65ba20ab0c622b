package dev.flexilib.supervisor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few C library calls the supervisor needs and the JDK does not offer:
 * a listening socket it can hand to a child as a file descriptor, {@code dup2},
 * and {@code kill} with any signal. Failures throw IOException with strerror's text.
 */
final class Posix {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    static final int SIGHUP = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = call("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = call("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = call("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = call("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = call("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle DUP2 = call("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle KILL = call("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Posix() {}

    static int socket(int family) throws IOException {
        return check("socket", invoke(SOCKET, family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    }

    static void reuseAddress(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(JAVA_INT, 1);
            check("setsockopt(SO_REUSEADDR)", invoke(SETSOCKOPT, fd, SOL_SOCKET, SO_REUSEADDR, one, 4));
        }
    }

    static void bind(int fd, MemorySegment address) throws IOException {
        check("bind", invoke(BIND, fd, address, (int) address.byteSize()));
    }

    static void listen(int fd, int backlog) throws IOException {
        check("listen", invoke(LISTEN, fd, backlog));
    }

    /** Fills {@code address} with the socket's bound address. */
    static void getsockname(int fd, MemorySegment address) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) address.byteSize());
            check("getsockname", invoke(GETSOCKNAME, fd, address, length));
        }
    }

    static void dup2(int from, int to) throws IOException {
        check("dup2", invoke(DUP2, from, to));
    }

    static void close(int fd) throws IOException {
        check("close", invoke(CLOSE, fd));
    }

    static void kill(long pid, int signal) throws IOException {
        check("kill", invoke(KILL, (int) pid, signal));
    }

    private record Result(int value, int errno) {}

    private static Result invoke(MethodHandle handle, Object... arguments) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            Object[] all = new Object[arguments.length + 1];
            all[0] = state;
            System.arraycopy(arguments, 0, all, 1, arguments.length);
            int value = (int) handle.invokeWithArguments(all);
            return new Result(value, (int) ERRNO.get(state, 0L));
        } catch (Throwable e) {
            throw new IllegalStateException("calling the C library failed", e);
        }
    }

    private static int check(String what, Result result) throws IOException {
        if (result.value() < 0) {
            throw new IOException(what + " failed: " + strerror(result.errno()));
        }
        return result.value();
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(1024).getString(0) + " (errno " + errno + ")";
        } catch (Throwable e) {
            return "errno " + errno;
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("the C library has no " + name));
        return LINKER.downcallHandle(address, descriptor, CAPTURE_ERRNO);
    }
}
