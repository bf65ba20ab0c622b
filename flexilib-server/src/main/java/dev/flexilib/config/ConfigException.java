package dev.flexilib.config;

import dev.flexilib.FlexilibException;
import java.util.List;
import java.util.stream.Collectors;

/** A config file that cannot be used; carries every error found, not just the first. */
public final class ConfigException extends FlexilibException {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
