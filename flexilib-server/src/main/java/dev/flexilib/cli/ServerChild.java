package dev.flexilib.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.List;

/**
 * The entry point of the serving process the supervisor starts:
 * {@code ServerChild --inherited-socket --config FILE}, with the listening
 * socket as standard input. Only the supervisor writes this command line (after
 * parsing the user's with picocli), so it is read here directly: building
 * picocli's model by reflection took a third of the child's start-up.
 */
public final class ServerChild {
    private ServerChild() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3 || !args[0].equals("--inherited-socket") || !args[1].equals("--config")) {
            System.err.println("flexilib: ServerChild is started by the supervisor as "
                    + "'ServerChild --inherited-socket --config FILE', not with " + List.of(args));
            System.exit(2);
        }
        System.exit(ServeCommand.serve(Path.of(args[2]), true, true, Map.of()));
    }

    /** The main class and arguments that start a child serving {@code config}. */
    public static List<String> command(Path config) {
        return List.of(ServerChild.class.getName(), "--inherited-socket", "--config", config.toString());
    }
}
