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
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code execve}, which the JDK does not offer: this process becomes another program, keeping its pid. */
final class Posix {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle EXECVE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("execve").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Posix() {}

    /** Runs {@code program} with {@code arguments} in this process, the environment this one's with {@code set}. */
    static IOException execve(Path program, List<String> arguments, Map<String, String> set) {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(set);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = (int) EXECVE.invokeExact(state, arena.allocateFrom(program.toString()),
                    strings(arena, arguments),
                    strings(arena, environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
            int errno = (int) ERRNO.get(state, 0L);
            return new IOException("cannot run " + program + ": " + (result < 0 ? strerror(errno) : "execve returned"));
        } catch (Throwable e) {
            return new IOException("cannot run " + program + ": " + e, e);
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(1024).getString(0) + " (errno " + errno + ")";
        } catch (Throwable e) {
            return "errno " + errno;
        }
    }
}
