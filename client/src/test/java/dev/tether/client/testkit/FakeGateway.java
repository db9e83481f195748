package dev.tether.client.testkit;

import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Bye;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.AuthOk;
import dev.tether.protocol.ClientAck;
import dev.tether.protocol.ClientAuth;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientFrame;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.ErrorCode;
import dev.tether.protocol.ErrorFrame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Hello;
import dev.tether.protocol.Ping;
import dev.tether.protocol.Pong;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerAck;
import dev.tether.protocol.ServerFrame;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.Welcome;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A small scripted gateway over real sockets for the client's integration tests: it speaks protocol v1 with an
 * in-memory session log and an echo handler that replies word by word, and lets a test cut connections, close
 * them with a code, hold back output or lose acks. Not the real gateway: just enough of it to test the client.
 */
public final class FakeGateway implements AutoCloseable {

    private static final FrameCodec CODEC = new FrameCodec();

    /** The heartbeat interval put in every welcome, in milliseconds. */
    public static final long HEARTBEAT_MS = 25_000;

    private final DisposableServer server;
    private final Map<String, Session> sessions = new HashMap<>();
    private final List<Link> links = new ArrayList<>();
    private boolean holdOutput;
    private boolean dropAcks;
    private int byes;

    /** One session: its log of sequenced frames and the client messages stored, each once. */
    private static final class Session {
        final String id = UUID.randomUUID().toString();
        final String token = UUID.randomUUID().toString();
        final List<Sequenced> log = new ArrayList<>();
        final List<ClientMessage> stored = new ArrayList<>();
        Link link;
    }

    private static final class Link {
        final Sinks.Many<String> out = Sinks.many().unicast().onBackpressureBuffer();
        WebsocketOutbound outbound;
        Connection connection;
        Session session;
    }

    public FakeGateway() {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.ws("/ws", this::handle))
                .bindNow();
    }

    /** The WebSocket endpoint. */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
    }

    private Mono<Void> handle(WebsocketInbound in, WebsocketOutbound out) {
        Link link = new Link();
        link.outbound = out;
        in.withConnection(connection -> link.connection = connection);
        synchronized (this) {
            links.add(link);
        }
        Mono<Void> receiving = in.receive().asString()
                .doOnNext(text -> onText(link, text))
                .then();
        return Flux.merge(receiving, out.sendString(link.out.asFlux()).then())
                .doFinally(signal -> {
                    synchronized (this) {
                        links.remove(link);
                        if (link.session != null && link.session.link == link) {
                            link.session.link = null;
                        }
                    }
                })
                .then();
    }

    private synchronized void onText(Link link, String text) {
        ClientFrame frame = CODEC.decodeClient(text);
        switch (frame) {
            case Hello hello -> welcome(link, hello);
            case ClientMessage message -> store(link, message);
            case ClientAck ack -> {
                // The real gateway trims its log here; this one keeps everything.
            }
            case Ping ping -> send(link, new Pong(ping.t()));
            case Pong pong -> {
            }
            case ClientAuth auth -> send(link, new AuthOk(0));
            case Bye bye -> {
                byes++;
                sessions.remove(link.session.id);
                link.outbound.sendClose(1000, "bye").subscribe();
            }
        }
    }

    private void welcome(Link link, Hello hello) {
        Hello.Resume resume = hello.resume();
        Session session = resume == null ? null : sessions.get(resume.sessionId());
        ResumeFailure failure = null;
        if (resume != null && session == null) {
            failure = ResumeFailure.NOT_FOUND;
        } else if (session != null && !session.token.equals(resume.token())) {
            failure = ResumeFailure.BAD_TOKEN;
            session = null;
        }
        boolean resumed = session != null;
        if (session == null) {
            session = new Session();
            sessions.put(session.id, session);
        }
        if (session.link != null && session.link != link) {
            // Like the real gateway: the newer connection takes the session over.
            session.link.outbound.sendClose(4009, "session taken over").subscribe();
        }
        session.link = link;
        link.session = session;
        send(link, new Welcome(1, session.id, session.token, 1, resumed, failure, session.log.size(),
                session.stored.size(), HEARTBEAT_MS));
        long from = resumed ? resume.lastSeq() : 0;
        for (Sequenced logged : session.log) {
            if (logged.seq() > from) {
                send(link, logged);
            }
        }
    }

    private void store(Link link, ClientMessage message) {
        Session session = link.session;
        long expected = session.stored.size() + 1;
        if (message.cseq() > expected) {
            send(link, new ErrorFrame(ErrorCode.OUT_OF_ORDER, "expected cseq " + expected));
            return;
        }
        if (message.cseq() == expected) {
            session.stored.add(message);
            switch (message) {
                case UserMessage user -> {
                    for (String word : user.text().split(" ")) {
                        append(session, AssistantDelta.of(user.cseq(), word + " "));
                    }
                    append(session, AssistantDone.of(user.cseq(), DoneReason.COMPLETE));
                }
                case Cancel cancel -> {
                }
                case ClientEvent event -> {
                }
            }
        }
        // A message stored before (its ack was lost) is acknowledged again, never stored twice.
        if (!dropAcks) {
            send(link, new ServerAck(session.stored.size()));
        }
    }

    private void append(Session session, Sequenced frame) {
        Sequenced logged = frame.withSeq(session.log.size() + 1);
        session.log.add(logged);
        if (session.link != null && !holdOutput) {
            send(session.link, logged);
        }
    }

    private static void send(Link link, ServerFrame frame) {
        link.out.tryEmitNext(CODEC.encode(frame));
    }

    /** While held, frames are logged but not sent: a cut then leaves the client with frames to replay. */
    public synchronized void holdOutput(boolean hold) {
        this.holdOutput = hold;
    }

    /** While set, messages are stored but never acknowledged, as if every ack were lost. */
    public synchronized void dropAcks(boolean drop) {
        this.dropAcks = drop;
    }

    /** Cuts every connection at the TCP level, with no close frame. */
    public void cutAll() {
        List<Link> current;
        synchronized (this) {
            current = List.copyOf(links);
        }
        current.forEach(link -> link.connection.channel().close());
    }

    /** Closes every connection with a close frame. */
    public void closeAll(int code, String reason) {
        List<Link> current;
        synchronized (this) {
            current = List.copyOf(links);
        }
        current.forEach(link -> link.outbound.sendClose(code, reason).subscribe());
    }

    /** How many connections are open. */
    public synchronized int connections() {
        return links.size();
    }

    /** The client messages stored in the only session, in order; each appears once. */
    public synchronized List<ClientMessage> stored() {
        return sessions.values().stream().findFirst().map(session -> List.copyOf(session.stored)).orElse(List.of());
    }

    /** How many {@code bye} frames arrived. */
    public synchronized int byes() {
        return byes;
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
