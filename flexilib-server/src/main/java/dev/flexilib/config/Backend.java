package dev.flexilib.config;

/** What answers a route: a plugin file, or upstream HTTP servers. */
public sealed interface Backend permits PluginSpec, ProxySpec {
}
