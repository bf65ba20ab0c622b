package dev.flexilib.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/** Header rules of a reverse proxy (RFC 9110 section 7.6.1 and RFC 7239). */
final class ProxyHeaders {
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-connection", "proxy-authenticate", "proxy-authorization");

    private ProxyHeaders() {}

    static boolean isUpgrade(HttpHeaders headers) {
        return headers.contains(HttpHeaderNames.UPGRADE)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /** Removes the headers that describe this hop, including those the Connection header names. */
    static void removeHopByHop(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String name : value.split(",")) {
                headers.remove(name.strip());
            }
        }
        HOP_BY_HOP.forEach(headers::remove);
        headers.names().stream().filter(name -> name.toLowerCase(Locale.ROOT).startsWith("proxy-")).toList()
                .forEach(headers::remove);
    }

    static void addForwarded(HttpHeaders headers, InetSocketAddress client, String host) {
        String ip = client.getAddress().getHostAddress();
        String forwardedFor = headers.get("x-forwarded-for");
        headers.set("x-forwarded-for", forwardedFor == null ? ip : forwardedFor + ", " + ip);
        headers.set("x-forwarded-proto", "http");
        if (!host.isEmpty()) {
            headers.set("x-forwarded-host", host);
        }
        String node = ip.indexOf(':') >= 0 ? "\"[" + ip + "]\"" : ip;
        String element = "for=" + node + (host.isEmpty() ? "" : ";host=\"" + host + "\"") + ";proto=http";
        String forwarded = headers.get("forwarded");
        headers.set("forwarded", forwarded == null ? element : forwarded + ", " + element);
    }
}
