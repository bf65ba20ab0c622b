package dev.flexilib.examples.jsonapi;

/** One note, as stored and as sent: {@code {"id": 1, "text": "..."}}. */
record Note(long id, String text) {}
