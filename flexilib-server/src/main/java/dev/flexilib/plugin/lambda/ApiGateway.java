package dev.flexilib.plugin.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flexilib.Header;
import dev.flexilib.Request;
import dev.flexilib.Response;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What API Gateway does in front of a function: turns an HTTP request into the
 * event it sends — payload format 2.0 of HTTP APIs (and function URLs), or 1.0
 * of REST APIs — and the function's result into the HTTP response it gives,
 * including its own answers when the function fails, times out, is throttled or
 * returns something it cannot map (HTTP API: {@code {"message":"Internal Server
 * Error"}} 500; REST: {@code {"message": "Internal server error"}} 502).
 */
abstract sealed class ApiGateway {
    /** The largest event Lambda takes in a synchronous invocation: 6 MiB. */
    static final int MAX_EVENT_BYTES = 6 * 1024 * 1024;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US)
            .withZone(ZoneOffset.UTC);
    /** Bodies of these media types reach the function as text; every other body is base64, as HTTP APIs send it. */
    private static final Set<String> TEXT_TYPES = Set.of("application/json", "application/xml",
            "application/javascript");

    /** The header that carries the gateway's request id, and its own answers' bodies (each API kind words them its way). */
    private final String idHeader;
    private final int failedStatus;
    private final String failed;
    private final int timedOutStatus;
    private final String timedOut;
    private final String throttled;
    private final String tooLarge;

    private ApiGateway(String idHeader, int failedStatus, String failed, int timedOutStatus, String timedOut,
                       String throttled, String tooLarge) {
        this.idHeader = idHeader;
        this.failedStatus = failedStatus;
        this.failed = failed;
        this.timedOutStatus = timedOutStatus;
        this.timedOut = timedOut;
        this.throttled = throttled;
        this.tooLarge = tooLarge;
    }

    static ApiGateway of(String payloadFormat) {
        return payloadFormat.equals("1.0") ? new RestApi(null) : new HttpApi();
    }

    /**
     * A REST API whose {@code BinaryMediaTypes} are these ({@code image/png},
     * {@code image/*}, {@code *}{@code /*}; SAM's {@code ~1} for {@code /} taken): a body of
     * such a type reaches the function base64-encoded, any other as text.
     */
    static ApiGateway restApi(List<String> binaryMediaTypes) {
        return new RestApi(binaryMediaTypes.stream().map(type -> type.replace("~1", "/").toLowerCase(Locale.ROOT))
                .toList());
    }

    /** How long API Gateway waits for the function before answering on its own (HTTP API 30 s, REST 29 s). */
    abstract long integrationTimeoutMillis();

    /**
     * The route a request took: its key ({@code GET /items/{id}}, or {@code $default}), the
     * resource path ({@code /items/{id}}), the values of its path parameters, the path
     * as the API saw it (without a base path it is mounted at), and the stage.
     */
    record Match(String routeKey, String resource, Map<String, String> pathParameters, String path, String stage,
                 Map<String, String> stageVariables) {

        /** A function routed alone: every path is its, as an HTTP API's {@code $default} route or a REST {@code /{proxy+}}. */
        static Match everything(Request request, ApiGateway gateway) {
            String path = ApiGateway.path(request);
            boolean root = path.equals("/");
            return new Match("$default", root ? "/" : "/{proxy+}", root ? Map.of() : Map.of("proxy",
                    decodePath(path.substring(1))), path, gateway instanceof RestApi ? RestApi.STAGE : "$default", Map.of());
        }
    }

    /** The event for {@code request} on {@code match}, which arrived at {@code epochMillis}; {@code requestId} is the gateway's own. */
    abstract ObjectNode event(Request request, Match match, String requestId, long epochMillis);

    /** The HTTP response API Gateway gives for {@code outcome}. */
    abstract Response response(Outcome outcome, String requestId);

    /** A function error, or a result the gateway cannot map. */
    final Response failed(String requestId) {
        return message(failedStatus, failed, requestId);
    }

    /** No result within {@link #integrationTimeoutMillis()}. */
    final Response timedOut(String requestId) {
        return message(timedOutStatus, timedOut, requestId);
    }

    final Response throttled(String requestId) {
        return message(429, throttled, requestId);
    }

    final Response eventTooLarge(String requestId) {
        return message(413, tooLarge, requestId);
    }

    /** The gateway's request id, in its header. */
    final Header idHeader(String requestId) {
        return new Header(idHeader, requestId);
    }

    /** A new id for one request, in API Gateway's form. */
    abstract String newRequestId();

    // --- shared by both formats

    static String path(Request request) {
        int query = request.target().indexOf('?');
        return query < 0 ? request.target() : request.target().substring(0, query);
    }

    static String rawQuery(Request request) {
        int query = request.target().indexOf('?');
        return query < 0 ? "" : request.target().substring(query + 1);
    }

    /** Query parameters, decoded, each name with all its values in order. */
    static Map<String, List<String>> query(Request request) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        String raw = rawQuery(request);
        if (raw.isEmpty()) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    /** A path's percent-escapes decoded; unlike a query's, its '+' is a plus. */
    static String decodePath(String text) {
        return decode(text.replace("+", "%2B"));
    }

    static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text; // a malformed escape reaches the function as sent
        }
    }

    /** The body, as text for the text media types and base64 for the rest; sets isBase64Encoded. */
    static void body(ObjectNode event, Request request, boolean nullWhenEmpty) {
        body(event, request, nullWhenEmpty, !isText(request.header("content-type").orElse("")));
    }

    static void body(ObjectNode event, Request request, boolean nullWhenEmpty, boolean binary) {
        byte[] body = request.body().toArray();
        boolean text = !binary;
        if (body.length == 0) {
            if (nullWhenEmpty) {
                event.putNull("body");
            }
            event.put("isBase64Encoded", false);
            return;
        }
        event.put("body", text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body));
        event.put("isBase64Encoded", !text);
    }

    private static String mediaType(String contentType) {
        return contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    private static boolean isText(String contentType) {
        String type = mediaType(contentType);
        return type.startsWith("text/") || TEXT_TYPES.contains(type) || type.endsWith("+json") || type.endsWith("+xml");
    }

    static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    static String host(Request request) {
        return request.header("host").orElse("localhost").replaceFirst(":\\d+$", "");
    }

    private Response message(int status, String json, String requestId) {
        return new Response(status, "", List.of(new Header("content-type", "application/json"), idHeader(requestId)),
                json.getBytes(StandardCharsets.UTF_8));
    }

    /** The function's result as JSON, or null if it is not JSON. */
    static JsonNode parse(byte[] payload) {
        try {
            return Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            return null;
        }
    }

    /** A structured result's body: text, or base64 to decode; null if it cannot be a body. */
    static byte[] resultBody(JsonNode result) {
        JsonNode body = result.get("body");
        boolean base64 = result.path("isBase64Encoded").asBoolean(false) || result.path("base64Encoded").asBoolean(false);
        if (body == null || body.isNull()) {
            return new byte[0];
        }
        if (!body.isTextual()) {
            return null;
        }
        if (!base64) {
            return body.asText().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getDecoder().decode(body.asText());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static Integer statusCode(JsonNode result) {
        JsonNode status = result.get("statusCode");
        if (status == null || !status.canConvertToInt() || status.asInt() < 100 || status.asInt() > 599) {
            return null;
        }
        return status.asInt();
    }

    /** Payload format 2.0: HTTP APIs and function URLs. */
    static final class HttpApi extends ApiGateway {
        HttpApi() {
            super("apigw-requestid", 500, "{\"message\":\"Internal Server Error\"}", 503, "{\"message\":\"Service Unavailable\"}",
                    "{\"message\":\"Too Many Requests\"}", "{\"message\":\"Request Entity Too Large\"}");
        }

        @Override
        long integrationTimeoutMillis() {
            return 30_000;
        }

        @Override
        ObjectNode event(Request request, Match match, String requestId, long epochMillis) {
            ObjectNode event = Json.object();
            event.put("version", "2.0");
            event.put("routeKey", match.routeKey());
            String path = match.path();
            event.put("rawPath", path);
            event.put("rawQueryString", rawQuery(request));
            Map<String, String> headers = new LinkedHashMap<>();
            ArrayNode cookies = Json.MAPPER.createArrayNode();
            for (Header header : request.headers()) {
                String name = header.name().toLowerCase(Locale.ROOT);
                if (name.equals("cookie")) {
                    for (String cookie : header.value().split(";")) {
                        if (!cookie.isBlank()) {
                            cookies.add(cookie.strip());
                        }
                    }
                } else {
                    headers.merge(name, header.value(), (a, b) -> a + "," + b);
                }
            }
            if (!cookies.isEmpty()) {
                event.set("cookies", cookies);
            }
            ObjectNode headerNode = event.putObject("headers");
            headers.forEach(headerNode::put);
            Map<String, List<String>> query = query(request);
            if (!query.isEmpty()) {
                ObjectNode parameters = event.putObject("queryStringParameters");
                query.forEach((name, values) -> parameters.put(name, String.join(",", values)));
            }
            if (!match.pathParameters().isEmpty()) {
                ObjectNode parameters = event.putObject("pathParameters");
                match.pathParameters().forEach(parameters::put);
            }
            if (!match.stageVariables().isEmpty()) {
                ObjectNode variables = event.putObject("stageVariables");
                match.stageVariables().forEach(variables::put);
            }
            ObjectNode context = event.putObject("requestContext");
            String host = host(request);
            context.put("accountId", "123456789012");
            context.put("apiId", "flexilib");
            context.put("domainName", host);
            context.put("domainPrefix", host.split("\\.", 2)[0]);
            ObjectNode http = context.putObject("http");
            http.put("method", request.method());
            http.put("path", path);
            http.put("protocol", request.protocol());
            http.put("sourceIp", request.remoteAddress().getAddress() == null ? "127.0.0.1"
                    : request.remoteAddress().getAddress().getHostAddress());
            http.put("userAgent", request.header("user-agent").orElse(""));
            context.put("requestId", requestId);
            context.put("routeKey", match.routeKey());
            context.put("stage", match.stage());
            context.put("time", time(epochMillis));
            context.put("timeEpoch", epochMillis);
            body(event, request, false);
            return event;
        }

        @Override
        Response response(Outcome outcome, String requestId) {
            if (!(outcome instanceof Outcome.Result result)) {
                return failed(requestId);
            }
            JsonNode json = parse(result.payload());
            if (json == null) {
                return failed(requestId);
            }
            if (!json.isObject() || !json.has("statusCode")) {
                // API Gateway infers the rest: 200, application/json, the result as it came
                return new Response(200, "", List.of(new Header("content-type", "application/json"),
                        idHeader(requestId)), result.payload());
            }
            Integer status = statusCode(json);
            byte[] body = resultBody(json);
            if (status == null || body == null) {
                return failed(requestId);
            }
            List<Header> headers = new ArrayList<>();
            json.path("headers").properties().forEach(header ->
                    headers.add(new Header(header.getKey(), header.getValue().asText())));
            json.path("cookies").forEach(cookie -> headers.add(new Header("set-cookie", cookie.asText())));
            headers.add(idHeader(requestId));
            return new Response(status, "", headers, body);
        }





        /** 16 characters of base64, as HTTP APIs' request ids look ({@code JKJaXmPLvHcESHA=}). */
        @Override
        String newRequestId() {
            byte[] random = new byte[10];
            ThreadLocalRandom.current().nextBytes(random);
            return Base64.getEncoder().encodeToString(random).substring(0, 15) + "=";
        }
    }

    /** Payload format 1.0: REST APIs, through a {@code /{proxy+}} resource. */
    static final class RestApi extends ApiGateway {
        static final String STAGE = "local";
        /** Null: every body but text is binary (a function routed alone, through {@code /{proxy+}}). */
        private final List<String> binaryMediaTypes;

        RestApi(List<String> binaryMediaTypes) {
            this.binaryMediaTypes = binaryMediaTypes;
            super("x-amzn-RequestId", 502, "{\"message\": \"Internal server error\"}",
                    504, "{\"message\": \"Endpoint request timed out\"}", "{\"message\": \"Too Many Requests\"}",
                    "{\"message\": \"Request Too Long\"}");
        }

        /** Whether {@code type} is one of the API's binary media types (a {@code type/*} or {@code *}{@code /*} among them). */
        private boolean isBinary(String type) {
            for (String binary : binaryMediaTypes) {
                if (binary.equals(type) || binary.equals("*/*")
                        || (binary.endsWith("/*") && type.startsWith(binary.substring(0, binary.length() - 1)))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        long integrationTimeoutMillis() {
            return 29_000;
        }

        @Override
        ObjectNode event(Request request, Match match, String requestId, long epochMillis) {
            ObjectNode event = Json.object();
            String path = match.path();
            String resource = match.resource();
            event.put("resource", resource);
            event.put("path", path);
            event.put("httpMethod", request.method());
            ObjectNode headers = event.putObject("headers");
            ObjectNode multiHeaders = event.putObject("multiValueHeaders");
            for (Header header : request.headers()) {
                headers.put(header.name(), header.value());
                multiHeaders.withArray(header.name()).add(header.value());
            }
            Map<String, List<String>> query = query(request);
            if (query.isEmpty()) {
                event.putNull("queryStringParameters");
                event.putNull("multiValueQueryStringParameters");
            } else {
                ObjectNode single = event.putObject("queryStringParameters");
                ObjectNode multi = event.putObject("multiValueQueryStringParameters");
                query.forEach((name, values) -> {
                    single.put(name, values.getLast());
                    values.forEach(multi.withArray(name)::add);
                });
            }
            if (match.pathParameters().isEmpty()) {
                event.putNull("pathParameters");
            } else {
                ObjectNode parameters = event.putObject("pathParameters");
                match.pathParameters().forEach(parameters::put);
            }
            if (match.stageVariables().isEmpty()) {
                event.putNull("stageVariables");
            } else {
                ObjectNode variables = event.putObject("stageVariables");
                match.stageVariables().forEach(variables::put);
            }
            ObjectNode context = event.putObject("requestContext");
            String host = host(request);
            context.put("accountId", "123456789012");
            context.put("resourceId", "flexilib");
            context.put("stage", match.stage());
            context.put("requestId", requestId);
            context.put("extendedRequestId", requestId);
            ObjectNode identity = context.putObject("identity");
            for (String field : List.of("cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "apiKey")) {
                identity.putNull(field);
            }
            identity.put("sourceIp", request.remoteAddress().getAddress() == null ? "127.0.0.1"
                    : request.remoteAddress().getAddress().getHostAddress());
            for (String field : List.of("cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn")) {
                identity.putNull(field);
            }
            identity.put("userAgent", request.header("user-agent").orElse(""));
            identity.putNull("user");
            context.put("resourcePath", resource);
            context.put("httpMethod", request.method());
            context.put("apiId", "flexilib");
            context.put("path", "/" + match.stage() + path);
            context.put("protocol", request.protocol());
            context.put("requestTime", time(epochMillis));
            context.put("requestTimeEpoch", epochMillis);
            context.put("domainName", host);
            context.put("domainPrefix", host.split("\\.", 2)[0]);
            String contentType = request.header("content-type").orElse("");
            body(event, request, true, binaryMediaTypes == null ? !isText(contentType) : isBinary(mediaType(contentType)));
            return event;
        }

        @Override
        Response response(Outcome outcome, String requestId) {
            if (!(outcome instanceof Outcome.Result result)) {
                return failed(requestId);
            }
            JsonNode json = parse(result.payload());
            Integer status = json == null || !json.isObject() ? null : statusCode(json);
            byte[] body = status == null ? null : resultBody(json);
            if (body == null) {
                return failed(requestId); // "Malformed Lambda proxy response"
            }
            // multiValueHeaders first; a headers value is added unless the same one is there already
            Map<String, List<String>> merged = new LinkedHashMap<>();
            json.path("multiValueHeaders").properties().forEach(header -> header.getValue()
                    .forEach(value -> merged.computeIfAbsent(header.getKey(), n -> new ArrayList<>()).add(value.asText())));
            json.path("headers").properties().forEach(header -> {
                List<String> values = merged.computeIfAbsent(header.getKey(), n -> new ArrayList<>());
                if (!values.contains(header.getValue().asText())) {
                    values.add(header.getValue().asText());
                }
            });
            List<Header> headers = new ArrayList<>();
            merged.forEach((name, values) -> values.forEach(value -> headers.add(new Header(name, value))));
            if (merged.keySet().stream().noneMatch(name -> name.equalsIgnoreCase("content-type"))) {
                headers.add(new Header("content-type", "application/json"));
            }
            headers.add(idHeader(requestId));
            return new Response(status, "", headers, body);
        }





        @Override
        String newRequestId() {
            return UUID.randomUUID().toString();
        }
    }
}
