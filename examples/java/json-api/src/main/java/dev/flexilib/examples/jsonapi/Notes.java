package dev.flexilib.examples.jsonapi;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The notes of one loaded generation of the plugin, in memory and in id order.
 * Many request threads use it at once; a reload starts a new, empty one.
 */
final class Notes {
    private final AtomicLong lastId = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Note> byId = new ConcurrentSkipListMap<>();

    Note add(String text) {
        Note note = new Note(lastId.incrementAndGet(), text);
        byId.put(note.id(), note);
        return note;
    }

    Optional<Note> get(long id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** A snapshot in id order; a note added meanwhile may or may not be in it. */
    List<Note> all() {
        return List.copyOf(byId.values());
    }
}
