package dev.tether.gateway;

import dev.tether.protocol.Checks;
import java.time.Duration;

/**
 * Which conversation handler a gateway node runs, and the settings of the built-in one. Immutable; build with
 * {@link #builder()}.
 *
 * @param name      the handler's name, resolved by {@link ConversationHandlers#named}; default {@link #DEFAULT_NAME}
 * @param echoDelay pause before each word of the echo handler; default {@link #DEFAULT_ECHO_DELAY}
 */
public record HandlerOptions(String name, Duration echoDelay) {

    /** Default conversation handler: {@value ConversationHandlers#ECHO}. */
    public static final String DEFAULT_NAME = ConversationHandlers.ECHO;
    /** Default pause between the echo handler's words: 20 milliseconds. */
    public static final Duration DEFAULT_ECHO_DELAY = Duration.ofMillis(20);

    public HandlerOptions {
        Checks.nonBlank("name", name);
        Checks.between("echoDelay", echoDelay, Duration.ZERO, Duration.ofMinutes(1));
    }

    /** The defaults. */
    public static HandlerOptions defaults() {
        return new HandlerOptions(DEFAULT_NAME, DEFAULT_ECHO_DELAY);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link HandlerOptions}; each setter validates its argument. */
    public static final class Builder {
        private HandlerOptions o;

        private Builder(HandlerOptions options) {
            this.o = options;
        }

        /** The handler's name, non-empty. */
        public Builder name(String name) {
            o = new HandlerOptions(name, o.echoDelay);
            return this;
        }

        /** Pause between the echo handler's words, 0 to 1 minute. */
        public Builder echoDelay(Duration echoDelay) {
            o = new HandlerOptions(o.name, echoDelay);
            return this;
        }

        public HandlerOptions build() {
            return o;
        }
    }
}
