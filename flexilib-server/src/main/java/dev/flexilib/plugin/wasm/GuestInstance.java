package dev.flexilib.plugin.wasm;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.MutabilityType;
import java.util.ArrayList;
import java.util.List;

/**
 * One instance of a compiled module, run for one request at a time and then put back as it
 * was right after instantiation: its memory image, mutable globals and table entries are
 * restored, which is what a fresh instance would hold, for the cost of a copy instead of an
 * instantiation. An instance whose memory grew, whose tables grew or whose run ended
 * abnormally is not reused.
 *
 * <p>Its imports are wired once: each WASI function calls the request's own
 * {@link WasiPreview1} (set by {@link #run}), through the request's {@link Sandbox} for the
 * calls that touch the file system.
 */
final class GuestInstance {
    private final Instance instance;
    private final Memory memory;
    private final ExportFunction start;
    private final byte[] image;
    private final GlobalInstance[] mutableGlobals;
    private final long[] globalsLow;
    private final long[] globalsHigh;
    private final int[][] tableRefs;
    private HostFunction[] wasi;
    private Sandbox sandbox;

    private GuestInstance(CompiledModule module) {
        List<ImportFunction> imports = new ArrayList<>();
        List<HostFunction> template = module.wasiFunctions();
        for (int i = 0; i < template.size(); i++) {
            HostFunction function = template.get(i);
            int index = i;
            String name = function.name();
            imports.add(new HostFunction(function.module(), name, function.functionType(), Sandbox.guards(name)
                    ? (instance, args) -> sandbox.call(name, instance, args, wasi[index].handle())
                    : (instance, args) -> wasi[index].handle().apply(instance, args)));
        }
        this.instance = Instance.builder(module.module())
                .withImportValues(ImportValues.builder().withFunctions(imports).build())
                .withMachineFactory(module.machine())
                .withMemoryLimits(module.memoryLimits())
                .withStart(false)
                .build();
        this.memory = instance.memory();
        this.start = instance.export(Instance.START_FUNCTION_NAME);
        this.image = memory.readBytes(0, memory.pages() * Memory.PAGE_SIZE);
        List<GlobalInstance> mutable = new ArrayList<>();
        for (int g = 0; g < instance.globalCount(); g++) {
            if (instance.global(g).getMutabilityType() == MutabilityType.Var) {
                mutable.add(instance.global(g));
            }
        }
        this.mutableGlobals = mutable.toArray(GlobalInstance[]::new);
        this.globalsLow = new long[mutableGlobals.length];
        this.globalsHigh = new long[mutableGlobals.length];
        for (int g = 0; g < mutableGlobals.length; g++) {
            globalsLow[g] = mutableGlobals[g].getValueLow();
            globalsHigh[g] = mutableGlobals[g].getValueHigh();
        }
        this.tableRefs = new int[instance.tableCount()][];
        for (int t = 0; t < tableRefs.length; t++) {
            TableInstance table = instance.table(t);
            tableRefs[t] = new int[table.size()];
            for (int i = 0; i < tableRefs[t].length; i++) {
                tableRefs[t][i] = table.ref(i);
            }
        }
    }

    /** A new instance; throws Chicory's exception when the module cannot be instantiated. */
    static GuestInstance create(CompiledModule module) {
        return new GuestInstance(module);
    }

    /** Runs {@code _start} with this request's WASI; returns normally or throws what ended the run. */
    void run(WasiPreview1 requestWasi, Sandbox requestSandbox) {
        this.wasi = requestWasi.toHostFunctions();
        this.sandbox = requestSandbox;
        try {
            start.apply();
        } finally {
            this.wasi = null;
            this.sandbox = null;
        }
    }

    /** Pages of linear memory now. */
    int pages() {
        return memory.pages();
    }

    /** Pages it started with. */
    int initialPages() {
        return image.length / Memory.PAGE_SIZE;
    }

    /** Puts the instance back as it was instantiated; false if it cannot be, and must be dropped. */
    boolean reset() {
        if (memory.pages() != initialPages()) {
            return false;
        }
        for (int t = 0; t < tableRefs.length; t++) {
            if (instance.table(t).size() != tableRefs[t].length) {
                return false;
            }
        }
        memory.write(0, image, 0, image.length);
        for (int g = 0; g < mutableGlobals.length; g++) {
            mutableGlobals[g].setValueLow(globalsLow[g]);
            mutableGlobals[g].setValueHigh(globalsHigh[g]);
        }
        for (int t = 0; t < tableRefs.length; t++) {
            TableInstance table = instance.table(t);
            int[] refs = tableRefs[t];
            for (int i = 0; i < refs.length; i++) {
                if (table.ref(i) != refs[i]) {
                    table.setRef(i, refs[i], instance);
                }
            }
        }
        return true;
    }
}
