package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawWebSocket;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Hello;
import dev.tether.testkit.Eventually;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A connection that ends in the middle of a fragmented message is an ordinary end: the first fragments are dropped
 * and nothing is logged as an error, whether the client cut the connection or broke the protocol.
 */
class UnfinishedMessagesIT {

    private static final FrameCodec CODEC = new FrameCodec();

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension();

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void watchTheLog() {
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void stopWatching() {
        root.detachAppender(log);
    }

    @Test
    void aCutInsideAFragmentedMessageLogsNoError() {
        RawWebSocket socket = helloThenFirstFragment();

        socket.close();

        Eventually.await("the gateway saw the end", Duration.ofSeconds(10), () -> gateway.gateway().connections() == 0);
        assertThat(errors()).isEmpty();
    }

    @Test
    void aProtocolErrorInsideAFragmentedMessageClosesWithoutLoggingAnError() {
        RawWebSocket socket = helloThenFirstFragment();

        // A new text frame while a fragmented one is open breaks RFC 6455 §5.4: the gateway fails the connection.
        socket.write(RawWebSocket.frame(true, 0, RawWebSocket.TEXT, bytes("{\"type\":\"ping\",\"t\":1}")));

        assertThat(socket.nextExcept(RawWebSocket.TEXT).opcode()).isEqualTo(RawWebSocket.CLOSE);
        Eventually.await("the gateway saw the end", Duration.ofSeconds(10), () -> gateway.gateway().connections() == 0);
        assertThat(errors()).isEmpty();
    }

    private RawWebSocket helloThenFirstFragment() {
        RawWebSocket socket = gateway.connectRaw();
        socket.sendText(CODEC.encode(Hello.fresh()));
        assertThat(socket.next().text()).contains("\"welcome\"");
        socket.write(RawWebSocket.frame(false, 0, RawWebSocket.TEXT, bytes("{\"type\":\"ping\",")));
        return socket;
    }

    private List<String> errors() {
        return log.list.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.ERROR)
                        || event.getLevel().isGreaterOrEqual(Level.WARN) && event.getThrowableProxy() != null)
                .map(event -> event.getLoggerName() + ": " + event.getFormattedMessage())
                .toList();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
