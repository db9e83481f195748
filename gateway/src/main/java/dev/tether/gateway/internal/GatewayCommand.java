package dev.tether.gateway.internal;

import dev.tether.gateway.GatewayConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

/**
 * The gateway's command line, parsed by picocli: each setting of {@link GatewayFlags} from its flag, else its
 * {@code TETHER_*} environment variable, else the {@code --config} file, else its default; {@code --help} and
 * {@code --version} generated. May change without notice.
 */
public final class GatewayCommand {

    /** The flag naming the config file. */
    static final String CONFIG = "--config";
    /** The environment variable naming the config file when {@link #CONFIG} is absent. */
    static final String CONFIG_ENV = "TETHER_CONFIG";

    private static final String NAME = "tether-gateway";

    /**
     * What the command line asks for.
     *
     * @param config the configuration to run with; null when {@code output} is to be printed instead
     * @param output the help or version text to print before exiting; null when the gateway is to run
     */
    public record Invocation(GatewayConfig config, String output) {

        /** Whether the gateway is to run, rather than print {@link #output()}. */
        public boolean runs() {
            return config != null;
        }
    }

    private GatewayCommand() {
    }

    /**
     * Parses flags over environment variables over the config file over defaults.
     *
     * @throws IllegalArgumentException naming the flag, variable or file and what it accepts
     */
    public static Invocation parse(List<String> args, Map<String, String> env) {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(env, "env");
        CommandLine commandLine = commandLine();
        ParseResult flags;
        try {
            flags = commandLine.parseArgs(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (commandLine.isUsageHelpRequested()) {
            return new Invocation(null, commandLine.getUsageMessage());
        }
        if (commandLine.isVersionHelpRequested()) {
            return new Invocation(null, NAME + " " + version() + System.lineSeparator());
        }

        GatewayConfig.Builder builder = GatewayConfig.builder();
        Path file = flags.matchedOptionValue(CONFIG, present(env, CONFIG_ENV).map(Path::of).orElse(null));
        if (file != null) {
            Map<String, String> values = ConfigFile.read(file);
            List<String> unknown = values.keySet().stream()
                    .filter(key -> GatewayFlags.ALL.stream().noneMatch(flag -> flag.name().equals(key))).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("--config " + file + ": unknown key(s) " + unknown
                        + "; the keys are the flag names without --, see --help");
            }
            for (Flag<?> flag : GatewayFlags.ALL) {
                String value = values.get(flag.name());
                if (value != null) {
                    flag.applyText(builder, value, file + " " + flag.name());
                }
            }
        }
        for (Flag<?> flag : GatewayFlags.ALL) {
            present(env, flag.env()).ifPresent(value -> flag.applyText(builder, value, flag.env()));
        }
        for (Flag<?> flag : GatewayFlags.ALL) {
            if (flags.hasMatchedOption(flag.option())) {
                flag.applyValue(builder, flags.matchedOptionValue(flag.option(), null), flag.option());
            }
        }
        return new Invocation(builder.build(), null);
    }

    /** Every flag the command accepts, {@code --help} and {@code --version} included. */
    static List<String> options() {
        return commandLine().getCommandSpec().options().stream().map(OptionSpec::longestName).toList();
    }

    /** This build's version, from the runnable jar's manifest. */
    static String version() {
        return Optional.ofNullable(GatewayCommand.class.getPackage().getImplementationVersion())
                .orElse("(development build)");
    }

    private static CommandLine commandLine() {
        CommandSpec spec = CommandSpec.create().name(NAME).mixinStandardHelpOptions(true);
        spec.usageMessage()
                .description("Runs a Tether gateway: a WebSocket server whose sessions survive reconnects.")
                .footerHeading("%n")
                .footer("Each setting is taken from its flag, else its environment variable, else the --config "
                                + "file, else its default.",
                        "Durations are written like 20ms, 3s, 5m or 1h.")
                .sortOptions(false)
                .abbreviateSynopsis(true)
                .width(110)
                .longOptionsMaxWidth(32);
        spec.addOption(OptionSpec.builder(CONFIG).paramLabel("FILE").type(Path.class)
                .description("settings keyed by flag name without --: YAML (.yaml, .yml) or properties",
                        "env " + CONFIG_ENV)
                .build());
        for (Flag<?> flag : GatewayFlags.ALL) {
            OptionSpec.Builder option = OptionSpec.builder(flag.option()).paramLabel(flag.label()).type(flag.type())
                    .description(flag.description(), "env " + flag.env() + ", default " + flag.defaultText());
            // A repeated flag's values are collected as given; its setter checks each.
            if (!flag.type().isArray()) {
                // One value each, an on|off one too: picocli would read a lone Boolean flag as a switch.
                option.converters(converter(flag)).arity("1");
            }
            spec.addOption(option.build());
        }
        CommandLine commandLine = new CommandLine(spec);
        // One way to give settings from a file: --config, not picocli's @argument files as well.
        commandLine.setExpandAtFiles(false);
        return commandLine;
    }

    private static ITypeConverter<Object> converter(Flag<?> flag) {
        return text -> {
            try {
                return flag.read().apply(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        };
    }

    private static Optional<String> present(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).filter(value -> !value.isBlank());
    }
}
