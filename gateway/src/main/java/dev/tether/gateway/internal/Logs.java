package dev.tether.gateway.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.tether.gateway.LogOptions;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * Sets up the logging of the command-line gateway from its {@link LogOptions}: the classpath's {@code logback.xml}
 * writes text; JSON replaces it with {@code dev/tether/gateway/logback-json.xml}. May change without notice.
 */
public final class Logs {

    static final String JSON_CONFIG = "dev/tether/gateway/logback-json.xml";

    private Logs() {
    }

    /** Applies {@code options} to Logback, with {@code nodeId} as the {@code node} field of every JSON line. */
    public static void apply(LogOptions options, String nodeId) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            // Another SLF4J binding was put on the classpath: its own configuration decides.
            return;
        }
        if (options.format() == LogOptions.Format.JSON) {
            URL config = Logs.class.getClassLoader().getResource(JSON_CONFIG);
            if (config == null) {
                throw new IllegalStateException(JSON_CONFIG + " is missing from the classpath");
            }
            context.reset();
            context.putProperty("node", nodeId);
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            try {
                configurator.doConfigure(config);
            } catch (JoranException e) {
                throw new IllegalStateException("cannot read " + JSON_CONFIG + ": " + e.getMessage(), e);
            }
        }
        context.getLogger("dev.tether").setLevel(Level.toLevel(options.level(), Level.INFO));
    }
}
