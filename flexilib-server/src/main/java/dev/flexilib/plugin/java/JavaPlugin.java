package dev.flexilib.plugin.java;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import dev.flexilib.Handled;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.Response;
import dev.flexilib.api.Handler;
import dev.flexilib.api.Headers;
import dev.flexilib.plugin.Plugin;
import dev.flexilib.plugin.PluginFailure;
import dev.flexilib.plugin.PluginOverloaded;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/** One loaded generation of a Java plugin: its handler, its class loader and its concurrency limit. */
final class JavaPlugin implements Plugin {
    private final String name;
    private final Handler handler;
    private final URLClassLoader loader;
    private final Semaphore permits;
    private final int concurrencyLimit;
    private final Diagnostics diagnostics;

    JavaPlugin(String name, Handler handler, URLClassLoader loader, int concurrencyLimit, Diagnostics diagnostics) {
        this.name = name;
        this.handler = handler;
        this.loader = loader;
        this.permits = new Semaphore(concurrencyLimit);
        this.concurrencyLimit = concurrencyLimit;
        this.diagnostics = diagnostics;
    }

    @Override
    public Handled handle(Request request) {
        if (!permits.tryAcquire()) {
            throw new PluginOverloaded(name + " already runs its limit of " + concurrencyLimit + " requests");
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        AllocationMeter allocation = AllocationMeter.start();
        try {
            Response response = fromApi(handler.handle(toApi(request)));
            return new Handled(response, 0, allocation.allocated());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginFailure(name + " was interrupted", e);
        } catch (Exception e) {
            diagnostics.error(Event.REQUEST_FAILED, name + " threw while handling " + request.method() + " "
                    + request.target(), e);
            throw new PluginFailure(name + " threw " + e.getClass().getName(), e);
        } finally {
            thread.setContextClassLoader(previous);
            permits.release();
        }
    }

    private static dev.flexilib.api.Request toApi(Request request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(request.headers().size());
        for (Header header : request.headers()) {
            headers.add(Map.entry(header.name(), header.value()));
        }
        return dev.flexilib.api.Request.owning(request.method(), request.target(), Headers.of(headers),
                request.body().toArray(), request.remoteAddress());
    }

    private Response fromApi(dev.flexilib.api.Response response) {
        if (response == null) {
            throw new PluginFailure(name + " returned no response (null)");
        }
        List<Header> headers = new ArrayList<>(response.headers().size());
        for (Map.Entry<String, String> header : response.headers()) {
            headers.add(new Header(header.getKey(), header.getValue()));
        }
        return new Response(response.status(), response.reason(), headers, response.body());
    }

    @Override
    public void close() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            handler.close();
        } catch (Exception e) {
            diagnostics.error(Event.GENERATION_UNLOADED, name + ": close() threw", e);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        Leaks.release(name, loader, diagnostics);
        JavaHost.closeQuietly(loader);
    }
}
