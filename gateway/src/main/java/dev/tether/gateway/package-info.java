/**
 * The Tether gateway: {@link dev.tether.gateway.TetherGateway} built from a {@link dev.tether.gateway.GatewayConfig},
 * the {@link dev.tether.gateway.ConversationHandler} SPI, and the embedded
 * {@link dev.tether.gateway.InMemorySessionStore}.
 */
package dev.tether.gateway;
