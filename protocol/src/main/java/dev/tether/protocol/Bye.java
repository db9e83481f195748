package dev.tether.protocol;

/** Ends the session for good; the gateway deletes it and closes with {@link CloseCode#NORMAL}. */
public record Bye() implements ClientFrame {

    public static final String TYPE = "bye";

    @Override
    public String type() {
        return TYPE;
    }
}
