package dev.flexilib.api;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable HTTP header fields in their original order. Names compare
 * case-insensitively; a name may repeat.
 */
public final class Headers implements Iterable<Map.Entry<String, String>> {
    private static final Headers EMPTY = new Headers(List.of());

    private final List<Map.Entry<String, String>> entries;

    private Headers(List<Map.Entry<String, String>> entries) {
        this.entries = entries;
    }

    public static Headers empty() {
        return EMPTY;
    }

    /** Headers from alternating names and values: {@code Headers.of("a", "1", "b", "2")}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("expected name, value pairs");
        }
        List<Map.Entry<String, String>> list = new ArrayList<>(namesAndValues.length / 2);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            list.add(Map.entry(namesAndValues[i], namesAndValues[i + 1]));
        }
        return new Headers(List.copyOf(list));
    }

    /** Headers from entries, in their order. */
    public static Headers of(List<Map.Entry<String, String>> entries) {
        return entries.isEmpty() ? EMPTY : new Headers(List.copyOf(entries));
    }

    /** The first value of {@code name}. */
    public Optional<String> first(String name) {
        for (Map.Entry<String, String> entry : entries) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> entry : entries) {
            if (entry.getKey().equalsIgnoreCase(name)) {
                values.add(entry.getValue());
            }
        }
        return List.copyOf(values);
    }

    public boolean contains(String name) {
        return first(name).isPresent();
    }

    /** A copy with one more field at the end. */
    public Headers with(String name, String value) {
        List<Map.Entry<String, String>> list = new ArrayList<>(entries);
        list.add(Map.entry(Objects.requireNonNull(name), Objects.requireNonNull(value)));
        return new Headers(List.copyOf(list));
    }

    /** All fields in order. */
    public List<Map.Entry<String, String>> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return entries.iterator();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> entry : entries) {
            text.append(entry.getKey().toLowerCase(Locale.ROOT)).append(": ").append(entry.getValue()).append('\n');
        }
        return text.toString();
    }
}
