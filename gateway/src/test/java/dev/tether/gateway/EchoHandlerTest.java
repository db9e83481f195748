package dev.tether.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.SessionState;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class EchoHandlerTest {

    private static final ConversationContext CONTEXT = new ConversationContext() {
        @Override
        public String sessionId() {
            return "s";
        }

        @Override
        public Flux<ClientMessage> clientMessages() {
            return Flux.empty();
        }

        @Override
        public Flux<Sequenced> frames() {
            return Flux.empty();
        }

        @Override
        public Mono<List<Turn>> history(long beforeCseq, HistoryLimits limits) {
            return Mono.just(List.of());
        }

        @Override
        public Mono<Long> appendEventOnce(String key, String name, JsonNode data) {
            return Mono.error(new UnsupportedOperationException("the echo handler appends no events"));
        }

        @Override
        public Mono<SessionState> state() {
            return Mono.just(SessionState.initial());
        }

        @Override
        public Mono<SessionState> updateState(UnaryOperator<ObjectNode> change) {
            return Mono.error(new UnsupportedOperationException("the echo keeps no state"));
        }
    };

    @Test
    void wordsAddUpToTheOriginalText() {
        assertThat(EchoHandler.words("  hello  brave\tworld ")).containsExactly("  hello", "  brave", "\tworld", " ");
        assertThat(String.join("", EchoHandler.words("a b  c"))).isEqualTo("a b  c");
        assertThat(EchoHandler.words("")).isEmpty();
    }

    @Test
    void streamsOneWordPerDelay() {
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
        EchoHandler echo = new EchoHandler(Duration.ofMillis(20), scheduler);

        StepVerifier.withVirtualTime(() -> echo.reply(CONTEXT, new UserMessage(1, "one two three")), () -> scheduler,
                        Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(19))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(ReplyPart.text("one"))
                .thenAwait(Duration.ofMillis(20))
                .expectNext(ReplyPart.text(" two"))
                .thenAwait(Duration.ofMillis(20))
                .expectNext(ReplyPart.text(" three"))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void handlersAreFoundByName() {
        assertThat(ConversationHandlers.names()).contains("echo");
        assertThat(ConversationHandlers.named("echo", GatewayConfig.defaults())).isInstanceOf(EchoHandler.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ConversationHandlers.named("gpt", GatewayConfig.defaults()))
                .hasMessage("unknown handler \"gpt\"; available: echo, http, openai");
    }
}
