package dev.tether.gateway;

/**
 * Makes a {@link ConversationHandler} selectable by name ({@code --handler NAME}). Providers are found with
 * {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/dev.tether.gateway.ConversationHandlerProvider}.
 */
public interface ConversationHandlerProvider {

    /** The name selected with {@code --handler}. */
    String name();

    /**
     * A handler configured from the gateway's configuration. If it is {@link AutoCloseable}, it is closed when the
     * node stops.
     */
    ConversationHandler create(GatewayConfig config);
}
