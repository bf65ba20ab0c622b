package dev.flexilib.plugin.wasm;

import dev.flexilib.Header;
import dev.flexilib.Request;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a WAGI module is given for one request: the CGI/1.1 meta-variables of RFC 3875 with
 * WAGI's additions ({@code X_MATCHED_ROUTE}, {@code X_FULL_URL}, {@code X_RAW_PATH_INFO}), and
 * its arguments: the path, then the query's {@code &}-separated parts, as WAGI passes them.
 *
 * <p>Where WAGI is wrong this is not: {@code CONTENT_TYPE} is the request's Content-Type
 * (WAGI looked up a header named CONTENT_TYPE and always passed ""), repeated headers are
 * joined with ", " as RFC 3875 says instead of the last one winning, and headers that
 * would forge another variable are left out: {@code Proxy} (httpoxy), {@code Authorization}
 * and {@code Connection} (RFC 3875 4.1.18), and any name with an underscore, which would read
 * the same as the one with a dash.
 */
record CgiRequest(Map<String, String> environment, List<String> arguments) {
    static final String SERVER_SOFTWARE = "flexilib WAGI/1";

    /** The module's view of {@code request}, mounted at {@code prefix}, beside its configured {@code extra} variables. */
    static CgiRequest of(Request request, String prefix, Map<String, String> extra) {
        String target = request.target();
        int question = target.indexOf('?');
        String rawPath = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? "" : target.substring(question + 1);
        String scriptName = prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1)
                : prefix.equals("/") ? "" : prefix;
        String rawPathInfo = rawPath.startsWith(scriptName) ? rawPath.substring(scriptName.length()) : rawPath;
        String pathInfo = decode(rawPathInfo);
        String host = request.header("Host").orElse("localhost");
        String serverName = hostName(host);
        String serverPort = hostPort(host);

        // the configured variables first, so that none of them can replace a CGI one
        Map<String, String> env = new LinkedHashMap<>(extra);
        env.put("AUTH_TYPE", "");
        env.put("CONTENT_LENGTH", Integer.toString(request.body().length()));
        env.put("CONTENT_TYPE", request.header("Content-Type").orElse(""));
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("PATH_INFO", pathInfo);
        env.put("PATH_TRANSLATED", pathInfo);
        env.put("QUERY_STRING", query);
        env.put("REMOTE_ADDR", request.remoteAddress().getAddress().getHostAddress());
        env.put("REMOTE_HOST", request.remoteAddress().getAddress().getHostAddress());
        env.put("REMOTE_USER", "");
        env.put("REQUEST_METHOD", request.method());
        env.put("SCRIPT_NAME", scriptName);
        env.put("SERVER_NAME", serverName);
        env.put("SERVER_PORT", serverPort);
        env.put("SERVER_PROTOCOL", request.protocol());
        env.put("SERVER_SOFTWARE", SERVER_SOFTWARE);
        env.put("X_FULL_URL", "http://" + serverName + ":" + serverPort + target);
        env.put("X_MATCHED_ROUTE", prefix);
        env.put("X_RAW_PATH_INFO", rawPathInfo);
        headers(request, env);

        List<String> arguments = new ArrayList<>();
        arguments.add(rawPath);
        if (!query.isEmpty()) {
            arguments.addAll(List.of(query.split("&")));
        }
        return new CgiRequest(env, arguments);
    }

    private static void headers(Request request, Map<String, String> env) {
        Map<String, String> joined = new LinkedHashMap<>();
        for (Header header : request.headers()) {
            String name = header.name();
            if (name.indexOf('_') >= 0 || name.equalsIgnoreCase("Proxy") || name.equalsIgnoreCase("Authorization")
                    || name.equalsIgnoreCase("Connection")) {
                continue;
            }
            String key = "HTTP_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
            joined.merge(key, header.value(), (first, next) -> first + ", " + next);
        }
        env.putAll(joined);
    }

    /** Percent-decoded as a path is ('+' stays a plus); a malformed escape leaves the path as sent. */
    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    private static String hostName(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private static String hostPort(String host) {
        int colon = host.lastIndexOf(':');
        int bracket = host.lastIndexOf(']');
        return colon > bracket && colon < host.length() - 1 ? host.substring(colon + 1) : "80";
    }
}
