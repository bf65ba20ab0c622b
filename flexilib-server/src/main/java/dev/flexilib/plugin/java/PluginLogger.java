package dev.flexilib.plugin.java;

import dev.flexilib.Diagnostics;
import dev.flexilib.Diagnostics.Event;
import java.text.MessageFormat;
import java.util.ResourceBundle;

/** A plugin's {@link System.Logger}: INFO and above go to the server's diagnostics, tagged with the plugin. */
final class PluginLogger implements System.Logger {
    private final String plugin;
    private final Diagnostics diagnostics;

    PluginLogger(String plugin, Diagnostics diagnostics) {
        this.plugin = plugin;
        this.diagnostics = diagnostics;
    }

    @Override
    public String getName() {
        return plugin;
    }

    @Override
    public boolean isLoggable(Level level) {
        return level.getSeverity() >= Level.INFO.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        if (!isLoggable(level)) {
            return;
        }
        String text = plugin + ": " + message;
        if (thrown != null) {
            diagnostics.error(Event.PLUGIN_LOG, text, thrown);
        } else if (level.getSeverity() >= Level.WARNING.getSeverity()) {
            diagnostics.warn(Event.PLUGIN_LOG, text);
        } else {
            diagnostics.info(Event.PLUGIN_LOG, text);
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (isLoggable(level)) {
            log(level, bundle, params == null || params.length == 0 ? format : MessageFormat.format(format, params),
                    (Throwable) null);
        }
    }
}
