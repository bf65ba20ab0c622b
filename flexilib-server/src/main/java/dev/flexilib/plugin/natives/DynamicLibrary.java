package dev.flexilib.plugin.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.flexilib.plugin.PluginLoadException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A shared library opened with {@code dlopen}. The JDK's own library lookup
 * reports only "cannot open library"; calling the loader directly lets the log
 * say why in the loader's words (a missing dependency, a wrong ELF class, ...).
 */
final class DynamicLibrary implements AutoCloseable {
    private static final int RTLD_NOW = 2;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle DLOPEN = libc("dlopen", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle DLSYM = libc("dlsym", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle DLCLOSE = libc("dlclose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DLERROR = libc("dlerror", FunctionDescriptor.of(ADDRESS));

    private final Path file;
    private final MemorySegment handle;

    private DynamicLibrary(Path file, MemorySegment handle) {
        this.file = file;
        this.handle = handle;
    }

    /** Opens {@code file} with every symbol resolved now (RTLD_NOW) and kept local to it. */
    static DynamicLibrary open(Path file) throws PluginLoadException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(file.toString()), RTLD_NOW);
            if (handle.equals(MemorySegment.NULL)) {
                throw new PluginLoadException("dlopen failed: " + lastError());
            }
            return new DynamicLibrary(file, handle);
        } catch (PluginLoadException e) {
            throw e;
        } catch (Throwable e) {
            throw new PluginLoadException("dlopen of " + file + " failed: " + e, e);
        }
    }

    /** The address of an exported symbol, if the library has it. */
    Optional<MemorySegment> find(String symbol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = (MemorySegment) DLSYM.invokeExact(handle, arena.allocateFrom(symbol));
            return address.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(address);
        } catch (Throwable e) {
            throw new IllegalStateException("dlsym failed", e);
        }
    }

    Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            int ignored = (int) DLCLOSE.invokeExact(handle);
        } catch (Throwable e) {
            throw new IllegalStateException("dlclose failed", e);
        }
    }

    private static String lastError() throws Throwable {
        MemorySegment message = (MemorySegment) DLERROR.invokeExact();
        return message.equals(MemorySegment.NULL) ? "unknown error" : message.reinterpret(Integer.MAX_VALUE).getString(0);
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("the C library has no " + name));
        return LINKER.downcallHandle(address, descriptor);
    }
}
