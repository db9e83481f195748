package dev.tether.protocol;

/** A frame sent by the gateway to the client. */
public sealed interface ServerFrame extends Frame
        permits Welcome, Sequenced, ServerAck, AuthOk, ErrorFrame, Ping, Pong {
}
