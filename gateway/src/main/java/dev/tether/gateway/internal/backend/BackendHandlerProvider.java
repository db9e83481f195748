package dev.tether.gateway.internal.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tether.gateway.ConversationHandler;
import dev.tether.gateway.ConversationHandlerProvider;
import dev.tether.gateway.GatewayConfig;
import reactor.core.scheduler.Schedulers;

/** Makes the application's backend selectable as {@code --handler http}. Found by {@link java.util.ServiceLoader}. */
public final class BackendHandlerProvider implements ConversationHandlerProvider {

    /** The handler's name. */
    public static final String NAME = "http";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ConversationHandler create(GatewayConfig config) {
        return new BackendHandler(config.backend(), new ObjectMapper(), Schedulers.parallel());
    }
}
