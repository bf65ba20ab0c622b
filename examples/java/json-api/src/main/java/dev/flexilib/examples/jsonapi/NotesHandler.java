package dev.flexilib.examples.jsonapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.flexilib.api.Handler;
import dev.flexilib.api.PluginContext;
import dev.flexilib.api.Request;
import dev.flexilib.api.Response;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory notes API:
 * <pre>
 * GET  /api/notes        200 [{"id": 1, "text": "..."}, ...]
 * POST /api/notes        {"text": "..."} → 201 {"id": 1, "text": "..."} and Location: /api/notes/1
 * GET  /api/notes/{id}   200 {"id": 1, "text": "..."}, or 404
 * </pre>
 * Errors are JSON too: {@code {"error": "..."}} with 400 (malformed body), 404 or 405.
 * The server passes the whole request-target, so the paths include the route's {@code /api}.
 */
public final class NotesHandler implements Handler {
    private static final String NOTES = "/api/notes";
    private static final Pattern ONE_NOTE = Pattern.compile(Pattern.quote(NOTES) + "/(\\d{1,18})");

    /** Configured once, then shared: an ObjectMapper is thread-safe once built. */
    private final ObjectMapper json = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final Notes notes = new Notes();

    /** What a client sends to add a note. */
    record NewNote(String text) {}

    @Override
    public void init(PluginContext context) {
        context.logger().log(System.Logger.Level.INFO, "serving notes under " + NOTES);
    }

    @Override
    public Response handle(Request request) throws JsonProcessingException {
        String path = request.path();
        if (path.equals(NOTES)) {
            return switch (request.method()) {
                case "GET", "HEAD" -> json(200, notes.all());
                case "POST" -> add(request);
                default -> methodNotAllowed("GET, HEAD, POST");
            };
        }
        Matcher one = ONE_NOTE.matcher(path);
        if (one.matches()) {
            if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
                return methodNotAllowed("GET, HEAD");
            }
            long id = Long.parseLong(one.group(1));
            Optional<Note> note = notes.get(id);
            return note.isPresent() ? json(200, note.get()) : error(404, "no note " + id);
        }
        return error(404, "no such resource: the API is GET and POST " + NOTES + ", GET " + NOTES + "/{id}");
    }

    private Response add(Request request) throws JsonProcessingException {
        NewNote input;
        try {
            input = json.readValue(request.bodyStream(), NewNote.class);
        } catch (IOException e) {
            // The parser's message quotes the body back; a fixed text is enough for the client.
            return error(400, "the body must be a JSON object such as {\"text\": \"...\"}");
        }
        if (input == null || input.text() == null) {
            return error(400, "'text' is required");
        }
        Note note = notes.add(input.text());
        return Response.status(201)
                .header("content-type", "application/json")
                .header("location", NOTES + "/" + note.id())
                .body(json.writeValueAsBytes(note))
                .build();
    }

    private Response methodNotAllowed(String allowed) throws JsonProcessingException {
        return Response.status(405)
                .header("content-type", "application/json")
                .header("allow", allowed)
                .body(json.writeValueAsBytes(Map.of("error", "method not allowed; use " + allowed)))
                .build();
    }

    private Response error(int status, String message) throws JsonProcessingException {
        return json(status, Map.of("error", message));
    }

    private Response json(int status, Object value) throws JsonProcessingException {
        return Response.status(status).header("content-type", "application/json")
                .body(json.writeValueAsBytes(value)).build();
    }
}
