package dev.flexilib.plugin.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.flexilib.config.WasmConfig;
import dev.flexilib.plugin.PluginLoadException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A WAGI module parsed, validated and compiled to JVM bytecode once, for every request of
 * one generation: a WASI preview 1 command (it exports {@code _start} and its memory, and
 * imports nothing but WASI), its memory capped at the configured ceiling.
 */
record CompiledModule(WasmModule module, Function<Instance, Machine> machine, MemoryLimits memoryLimits,
                      List<HostFunction> wasiFunctions, boolean reusable) {
    static final String WASI = "wasi_snapshot_preview1";
    private static final List<HostFunction> WASI_FUNCTIONS = Arrays.asList(
            WasiPreview1.builder().withOptions(WasiOptions.builder().build()).build().toHostFunctions());

    /** Parses and checks {@code file} (the generation's private copy) without compiling it. */
    static WasmModule parse(Path file, WasmConfig config) throws PluginLoadException {
        WasmModule module;
        try {
            module = Parser.parse(file);
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new PluginLoadException("not a valid WebAssembly module: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new PluginLoadException("cannot read the module: " + e, e);
        }
        check(module, config);
        return module;
    }

    /** Parses, checks and compiles {@code file}. */
    static CompiledModule compile(Path file, WasmConfig config) throws PluginLoadException {
        WasmModule module = parse(file, config);
        Function<Instance, Machine> machine;
        try {
            machine = MachineFactoryCompiler.compile(module);
        } catch (RuntimeException e) {
            throw new PluginLoadException("cannot compile the module: " + e.getMessage(), e);
        }
        var declared = module.memorySection().orElseThrow().getMemory(0).limits();
        MemoryLimits limits = new MemoryLimits(declared.initialPages(),
                Math.min(declared.maximumPages(), config.memoryPages()));
        boolean reusable = Arrays.stream(module.dataSection().dataSegments())
                .noneMatch(segment -> segment instanceof PassiveDataSegment) && module.tagSection().isEmpty();
        return new CompiledModule(module, machine, limits, WASI_FUNCTIONS, reusable);
    }

    private static void check(WasmModule module, WasmConfig config) throws PluginLoadException {
        Set<String> provided = new TreeSet<>();
        WASI_FUNCTIONS.forEach(function -> provided.add(function.name()));
        List<String> foreign = new ArrayList<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import entry = module.importSection().getImport(i);
            if (!entry.module().equals(WASI) || entry.importType() != ExternalType.FUNCTION
                    || !provided.contains(entry.name())) {
                foreign.add(entry.module() + "." + entry.name() + " (" + entry.importType() + ")");
            }
        }
        if (!foreign.isEmpty()) {
            throw new PluginLoadException("the module imports " + String.join(", ", foreign)
                    + ", which a WAGI host does not provide: a WAGI module is a WASI preview 1 command"
                    + " (wasm32-wasi) importing only " + WASI + " functions");
        }
        boolean start = false;
        boolean memory = false;
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export export = module.exportSection().getExport(i);
            start |= export.name().equals(Instance.START_FUNCTION_NAME) && export.exportType() == ExternalType.FUNCTION;
            memory |= export.exportType() == ExternalType.MEMORY;
        }
        if (!start || !memory || module.memorySection().isEmpty()) {
            throw new PluginLoadException("the module does not export " + (start ? "its memory" : "_start")
                    + ": a WAGI module is a WASI command (built for wasm32-wasi with a main function)");
        }
        int initial = module.memorySection().get().getMemory(0).limits().initialPages();
        if (initial > config.memoryPages()) {
            throw new PluginLoadException("the module starts with " + initial + " pages of memory ("
                    + initial * 64 + " KiB), more than its memory_limit of " + config.memoryPages() * 64
                    + " KiB in " + config.settings().getFileName());
        }
    }
}
