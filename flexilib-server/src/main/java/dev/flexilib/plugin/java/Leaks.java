package dev.flexilib.plugin.java;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import java.lang.reflect.Field;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * What a plugin can leave behind that would keep its class loader, and so every
 * class it loaded, alive after unload. Handled at unload and reported, so the
 * plugin's author can fix the cause:
 * <ul>
 * <li>threads it started and did not stop: interrupted, and their context class loader cleared;
 * <li>JDBC drivers it registered: deregistered;
 * <li>shutdown hooks it added: removed (needs {@code --add-opens java.base/java.lang=ALL-UNNAMED},
 *     which the launcher passes; without it they are not found).
 * </ul>
 * ThreadLocals need nothing here: handlers and {@code init} run on virtual threads
 * that end with the request, taking their thread-locals with them.
 */
final class Leaks {
    private Leaks() {}

    static void release(String plugin, ClassLoader loader, Diagnostics diagnostics) {
        threads(plugin, loader, diagnostics);
        drivers(plugin, loader, diagnostics);
        shutdownHooks(plugin, loader, diagnostics);
    }

    private static boolean owned(Object object, ClassLoader loader) {
        return object != null && object.getClass().getClassLoader() == loader;
    }

    private static void threads(String plugin, ClassLoader loader, Diagnostics diagnostics) {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getContextClassLoader() == loader || owned(thread, loader)) {
                diagnostics.warn(Event.PLUGIN_LEAK, plugin + " left thread '" + thread.getName()
                        + "' running after close(); interrupting it");
                thread.setContextClassLoader(null);
                thread.interrupt();
            }
        }
    }

    private static void drivers(String plugin, ClassLoader loader, Diagnostics diagnostics) {
        List<Driver> drivers = DriverManager.drivers().filter(driver -> owned(driver, loader)).toList();
        for (Driver driver : drivers) {
            try {
                DriverManager.deregisterDriver(driver);
                diagnostics.warn(Event.PLUGIN_LEAK, plugin + " left JDBC driver " + driver.getClass().getName()
                        + " registered after close(); deregistered it");
            } catch (SQLException | SecurityException e) {
                diagnostics.warn(Event.PLUGIN_LEAK, plugin + " left JDBC driver " + driver.getClass().getName()
                        + " registered, and it cannot be deregistered: " + e);
            }
        }
    }

    private static void shutdownHooks(String plugin, ClassLoader loader, Diagnostics diagnostics) {
        Map<Thread, Thread> hooks = registeredHooks();
        for (Thread hook : hooks.keySet().toArray(Thread[]::new)) {
            if (hook.getContextClassLoader() == loader || owned(hook, loader)) {
                Runtime.getRuntime().removeShutdownHook(hook);
                diagnostics.warn(Event.PLUGIN_LEAK, plugin + " left shutdown hook '" + hook.getName()
                        + "' registered after close(); removed it");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<Thread, Thread> registeredHooks() {
        try {
            Field field = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
            field.setAccessible(true);
            Map<Thread, Thread> hooks = (Map<Thread, Thread>) field.get(null);
            synchronized (Class.forName("java.lang.ApplicationShutdownHooks")) {
                return hooks == null ? Map.of() : Map.copyOf(hooks);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Map.of(); // not opened to us: hooks cannot be listed
        }
    }
}
