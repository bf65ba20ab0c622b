package dev.flexilib.config;

/** One route as written in the config file, with the line it came from. */
public record RouteSpec(int line, RouteKey key, Backend backend) {}
