package dev.tether.protocol;

/** A frame sent by the client to the gateway. */
public sealed interface ClientFrame extends Frame
        permits Hello, ClientMessage, ClientAck, ClientAuth, Ping, Pong, Bye {
}
