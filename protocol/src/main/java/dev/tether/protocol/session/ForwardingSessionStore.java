package dev.tether.protocol.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A store that forwards every operation to another, for decorators that change only a few of them.
 *
 * <p>A subclass overrides the operations it changes; to intercept all of them at once (to fail them while there is
 * no store yet, say) it overrides {@link #forwardMono} and {@link #forwardFlux}, through which every operation
 * returning a {@code Mono} or a {@code Flux} passes with its name. {@link #isReady()} and {@link #close()} go to
 * {@link #delegate()} directly.
 */
public abstract class ForwardingSessionStore implements SessionStore {

    /** Constructor for subclasses. */
    protected ForwardingSessionStore() {
    }

    /** The store that the operations go to. */
    protected abstract SessionStore delegate();

    /**
     * Runs one operation that answers a {@code Mono} on the {@link #delegate()}.
     *
     * @param operation the operation's name in {@link SessionStore}, for error messages
     * @param call      the operation with its arguments bound
     */
    protected <T> Mono<T> forwardMono(String operation, Function<SessionStore, Mono<T>> call) {
        return call.apply(delegate());
    }

    /**
     * Runs one operation that answers a {@code Flux} on the {@link #delegate()}.
     *
     * @param operation the operation's name in {@link SessionStore}, for error messages
     * @param call      the operation with its arguments bound
     */
    protected <T> Flux<T> forwardFlux(String operation, Function<SessionStore, Flux<T>> call) {
        return call.apply(delegate());
    }

    @Override
    public Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId, String user) {
        return forwardMono("create", s -> s.create(sessionId, tokenDigest, nodeId, user));
    }

    @Override
    public Flux<String> sessionsOf(String user) {
        return forwardFlux("sessionsOf", s -> s.sessionsOf(user));
    }

    @Override
    public Mono<SessionRecord> find(String sessionId) {
        return forwardMono("find", s -> s.find(sessionId));
    }

    @Override
    public Mono<Attachment> attach(String sessionId, String nodeId) {
        return forwardMono("attach", s -> s.attach(sessionId, nodeId));
    }

    @Override
    public Mono<Void> detach(String sessionId, long generation) {
        return forwardMono("detach", s -> s.detach(sessionId, generation));
    }

    @Override
    public Mono<Sequenced> append(String sessionId, Sequenced frame) {
        return forwardMono("append", s -> s.append(sessionId, frame));
    }

    @Override
    public Mono<OnceAppend> appendOnce(String sessionId, String key, Sequenced frame) {
        return forwardMono("appendOnce", s -> s.appendOnce(sessionId, key, frame));
    }

    @Override
    public Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                       Duration ttl) {
        return forwardMono("appendReply", s -> s.appendReply(sessionId, replyTo, part, frame, nodeId, ttl));
    }

    @Override
    public Flux<Sequenced> read(String sessionId, long afterSeq) {
        return forwardFlux("read", s -> s.read(sessionId, afterSeq));
    }

    @Override
    public Flux<Sequenced> follow(String sessionId, long afterSeq) {
        return forwardFlux("follow", s -> s.follow(sessionId, afterSeq));
    }

    @Override
    public Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId,
                                           Duration lease) {
        return forwardMono("appendClient", s -> s.appendClient(sessionId, message, nodeId, lease));
    }

    @Override
    public Flux<ClientMessage> readClient(String sessionId, long afterCseq) {
        return forwardFlux("readClient", s -> s.readClient(sessionId, afterCseq));
    }

    @Override
    public Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl) {
        return forwardMono("renewReply", s -> s.renewReply(sessionId, replyTo, nodeId, ttl));
    }

    @Override
    public Mono<ReplyLease> findReplyLease(String sessionId, long replyTo) {
        return forwardMono("findReplyLease", s -> s.findReplyLease(sessionId, replyTo));
    }

    @Override
    public Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl) {
        return forwardFlux("endLapsedReplies", s -> s.endLapsedReplies(sessionId, producing, nodeId, ttl));
    }

    @Override
    public Flux<ReplyLease> findReplyLeases(String sessionId) {
        return forwardFlux("findReplyLeases", s -> s.findReplyLeases(sessionId));
    }

    @Override
    public Flux<TakenReply> takeOverReplies(String sessionId, Set<String> fromNodes, String nodeId, Duration ttl) {
        return forwardFlux("takeOverReplies", s -> s.takeOverReplies(sessionId, fromNodes, nodeId, ttl));
    }

    @Override
    public Mono<Void> heartbeatNode(String nodeId, Duration ttl) {
        return forwardMono("heartbeatNode", s -> s.heartbeatNode(nodeId, ttl));
    }

    @Override
    public Mono<Boolean> isNodeAlive(String nodeId) {
        return forwardMono("isNodeAlive", s -> s.isNodeAlive(nodeId));
    }

    @Override
    public Flux<String> deadNodes() {
        return forwardFlux("deadNodes", SessionStore::deadNodes);
    }

    @Override
    public Flux<String> sessionsOfNode(String nodeId) {
        return forwardFlux("sessionsOfNode", s -> s.sessionsOfNode(nodeId));
    }

    @Override
    public Mono<Void> forgetNode(String nodeId) {
        return forwardMono("forgetNode", s -> s.forgetNode(nodeId));
    }

    @Override
    public Mono<Void> renewEvent(String sessionId, long cseq, String nodeId, Duration ttl) {
        return forwardMono("renewEvent", s -> s.renewEvent(sessionId, cseq, nodeId, ttl));
    }

    @Override
    public Mono<Void> eventHandled(String sessionId, long cseq) {
        return forwardMono("eventHandled", s -> s.eventHandled(sessionId, cseq));
    }

    @Override
    public Flux<ClientEvent> claimLapsedEvents(String sessionId, Set<Long> handling, String nodeId, Duration ttl) {
        return forwardFlux("claimLapsedEvents", s -> s.claimLapsedEvents(sessionId, handling, nodeId, ttl));
    }

    @Override
    public Mono<Void> requestCancel(String sessionId, long replyTo) {
        return forwardMono("requestCancel", s -> s.requestCancel(sessionId, replyTo));
    }

    @Override
    public Flux<CancelRequest> cancelRequests(String nodeId) {
        return forwardFlux("cancelRequests", s -> s.cancelRequests(nodeId));
    }

    @Override
    public Mono<SessionState> readState(String sessionId) {
        return forwardMono("readState", s -> s.readState(sessionId));
    }

    @Override
    public Mono<SessionState> writeState(String sessionId, long ifVersion, ObjectNode state) {
        return forwardMono("writeState", s -> s.writeState(sessionId, ifVersion, state));
    }

    @Override
    public Mono<Void> remove(String sessionId) {
        return forwardMono("remove", s -> s.remove(sessionId));
    }

    @Override
    public boolean isReady() {
        return delegate().isReady();
    }

    @Override
    public Mono<SessionStats> stats() {
        return forwardMono("stats", SessionStore::stats);
    }

    @Override
    public void close() {
        delegate().close();
    }
}
