package dev.flexilib.plugin.java;

import dev.flexilib.api.Handler;
import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * The parent of every Java plugin's class loader: it sees the JDK's platform
 * modules and the plugin API, and nothing else of the server — not its classes,
 * not Netty, not its other dependencies. API classes come from the server's own
 * loader, so a plugin's {@code Handler} is the server's {@code Handler}.
 */
final class ApiOnlyClassLoader extends ClassLoader {
    private static final String API_PACKAGE = Handler.class.getPackageName() + ".";
    private static final String API_RESOURCES = API_PACKAGE.replace('.', '/');

    static {
        registerAsParallelCapable();
    }

    ApiOnlyClassLoader() {
        super("flexilib-plugin-api", ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(API_PACKAGE)) {
            return Handler.class.getClassLoader().loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return name.startsWith(API_RESOURCES) ? Handler.class.getClassLoader().getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return name.startsWith(API_RESOURCES) ? Handler.class.getClassLoader().getResources(name)
                : name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
    }
}
