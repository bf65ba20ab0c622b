package dev.flexilib.plugin.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * The file-system rules Chicory's WASI does not enforce by itself, checked on one request's
 * WASI calls: a volume granted read-only cannot be written, created in, renamed in, linked
 * from or have its times changed, through it or through anything opened from it; and no
 * symbolic link can be made (Chicory follows links wherever they point, so one made by the
 * module would reach outside its volumes). Paths that climb out of a volume are refused by
 * Chicory itself.
 *
 * <p>Descriptors are tracked from the preopened volumes on: one opened through a writable
 * descriptor is writable, anything else is not.
 */
final class Sandbox {
    private static final long RIGHT_FD_WRITE = 1L << 6;
    private static final int OFLAG_CREAT = 1;
    private static final int OFLAG_TRUNC = 8;
    private static final int FDFLAG_APPEND = 1;
    private static final int FIRST_PREOPEN = 3;
    /** WASI preview 1's errno values rofs and perm. */
    private static final long[] READ_ONLY = {69};
    private static final long[] NOT_PERMITTED = {63};
    private static final Set<String> GUARDED = Set.of("path_open", "path_create_directory", "path_remove_directory",
            "path_unlink_file", "path_filestat_set_times", "path_rename", "path_link", "path_symlink",
            "fd_filestat_set_times", "fd_filestat_set_size", "fd_allocate", "fd_close", "fd_renumber");

    private final BitSet writable = new BitSet();

    /** The rules for a request whose volumes are granted read-write or not, in preopen order. */
    Sandbox(List<Boolean> volumesWritable) {
        for (int i = 0; i < volumesWritable.size(); i++) {
            writable.set(FIRST_PREOPEN + i, volumesWritable.get(i));
        }
    }

    /** Whether calls to this WASI function go through {@link #call}. */
    static boolean guards(String function) {
        return GUARDED.contains(function);
    }

    long[] call(String function, Instance instance, long[] args, WasmFunctionHandle wasi) {
        switch (function) {
            case "path_symlink":
                return NOT_PERMITTED;
            case "path_open":
                return open(instance, args, wasi);
            case "path_rename":
                return writable(args[0]) && writable(args[3]) ? wasi.apply(instance, args) : READ_ONLY;
            case "path_link":
                return writable(args[0]) && writable(args[4]) ? wasi.apply(instance, args) : READ_ONLY;
            case "fd_close": {
                long[] result = wasi.apply(instance, args);
                writable.clear((int) args[0]);
                return result;
            }
            case "fd_renumber": {
                long[] result = wasi.apply(instance, args);
                if (result[0] == 0) {
                    writable.set((int) args[1], writable((int) args[0]));
                    writable.clear((int) args[0]);
                }
                return result;
            }
            default:
                // the other guarded calls change what their first argument's descriptor names
                return writable(args[0]) ? wasi.apply(instance, args) : READ_ONLY;
        }
    }

    private long[] open(Instance instance, long[] args, WasmFunctionHandle wasi) {
        int directory = (int) args[0];
        boolean writes = (args[4] & (OFLAG_CREAT | OFLAG_TRUNC)) != 0 || (args[5] & RIGHT_FD_WRITE) != 0
                || (args[7] & FDFLAG_APPEND) != 0;
        if (writes && !writable(directory)) {
            return READ_ONLY;
        }
        long[] result = wasi.apply(instance, args);
        if (result[0] == 0) {
            int opened = instance.memory().readInt((int) args[8]);
            writable.set(opened, writable(directory));
        }
        return result;
    }

    private boolean writable(long descriptor) {
        return descriptor >= 0 && descriptor < Integer.MAX_VALUE && writable.get((int) descriptor);
    }
}
