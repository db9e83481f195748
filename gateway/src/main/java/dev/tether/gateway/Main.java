package dev.tether.gateway;

import dev.tether.gateway.internal.GatewayCommand;
import dev.tether.gateway.internal.Logs;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code java -jar tether-gateway.jar [flags]}: runs one gateway node until SIGTERM, which drains it
 * ({@link DrainOptions}), or SIGINT, which stops it at once. Settings come from
 * flags, {@code TETHER_*} environment variables and an optional {@code --config} file; {@code --help} lists them.
 */
public final class Main {

    /** Exit code for a bad flag, environment variable or config file. */
    public static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        GatewayConfig config;
        ConversationHandler handler;
        try {
            GatewayCommand.Invocation invocation = GatewayCommand.parse(Arrays.asList(args), System.getenv());
            if (!invocation.runs()) {
                System.out.print(invocation.output());
                return;
            }
            config = invocation.config();
            try {
                handler = ConversationHandlers.named(config.handler().name(), config);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--handler: " + e.getMessage(), e);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tether-gateway: " + e.getMessage());
            System.err.println("Run with --help to see every flag.");
            System.exit(EXIT_USAGE);
            return;
        }

        Logs.apply(config.logs(), config.server().nodeId());
        Logger log = LoggerFactory.getLogger(Main.class);
        GatewayHandle gateway;
        try {
            gateway = TetherGateway.builder(config).handler(handler).build().start().block(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            log.error("gateway failed to start: {}", e.getMessage());
            System.exit(1);
            return;
        }
        // SIGTERM drains: handled here, since the JVM's own handler would run the shutdown hooks at once and ignore
        // a second SIGTERM, which must close every connection left without waiting.
        AtomicInteger terms = new AtomicInteger();
        Signal.handle(new Signal("TERM"), signal -> {
            if (terms.getAndIncrement() == 0) {
                log.info("SIGTERM: draining; a second SIGTERM closes every connection at once");
                gateway.drain().subscribe(null, e -> log.warn("drain did not finish cleanly: {}", e.getMessage()));
            } else {
                gateway.shutdown(config.server().shutdownTimeout()).subscribe(null,
                        e -> log.warn("shutdown did not finish cleanly: {}", e.getMessage()));
            }
        });
        // SIGINT (Ctrl-C) and System.exit run the hooks: close at once, without the drain's delay and spreading.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (gateway.isDisposed()) {
                return;
            }
            try {
                Duration timeout = config.server().shutdownTimeout();
                gateway.shutdown(timeout).block(timeout.plusSeconds(5));
            } catch (RuntimeException e) {
                log.warn("shutdown did not finish cleanly: {}", e.getMessage());
            }
            log.info("gateway {} stopped", config.server().nodeId());
        }, "tether-shutdown"));
        gateway.onDispose().block();
        log.info("gateway {} stopped", config.server().nodeId());
        System.exit(0);
    }
}
