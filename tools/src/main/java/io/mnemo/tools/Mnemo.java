package io.mnemo.tools;

import io.mnemo.core.error.IoErrors;
import io.mnemo.tools.cmd.BenchCommand;
import io.mnemo.tools.cmd.DataCommand;
import io.mnemo.tools.cmd.FsckCommand;
import io.mnemo.tools.cmd.LayoutCommand;
import io.mnemo.tools.cmd.MetaCommand;
import io.mnemo.tools.cmd.MountCommand;
import io.mnemo.tools.cmd.StatusCommand;
import io.mnemo.tools.cmd.UpCommand;
import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mnemo} command's root: dispatches to subcommands and turns failures into one line. */
@Command(
        name = "mnemo",
        mixinStandardHelpOptions = true,
        versionProvider = Mnemo.Version.class,
        description = "Mnemo: a distributed POSIX file system for AI clusters, mounted with FUSE.",
        footer = {"", "Run the whole test suite with: ./mnemo test"},
        subcommands = {UpCommand.class, MetaCommand.class, DataCommand.class, MountCommand.class,
                StatusCommand.class, FsckCommand.class, LayoutCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Mnemo {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; failures print {@code mnemo: <reason>}. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Mnemo()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("mnemo: " + oneLine(e));
            return 1;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("mnemo: " + oneLine(e) + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        return cli.execute(args);
    }

    static String oneLine(Throwable e) {
        if (e instanceof IOException io) {
            return IoErrors.describe(io).lines().findFirst().orElse("");
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Mnemo.class.getPackage().getImplementationVersion();
            return new String[] {"mnemo " + (v == null ? "development build" : v)};
        }
    }
}
