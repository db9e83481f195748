package dev.tether.protocol.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.Sequenced;
import java.time.Duration;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where sessions live between and across connections: per session, a log of sequenced server frames, the stored
 * client messages, a small state ({@link SessionState}), and a little metadata.
 *
 * <p>Every implementation passes the contract suite {@code SessionStoreContract} in this module's test jar.
 * All methods are non-blocking. Operations on a session that does not exist (never created, expired or removed)
 * fail with {@link SessionStoreException#isNotFound()}; a store that cannot be reached fails them with
 * {@link SessionStoreException#isRetryable()}, and also with {@link SessionStoreException#isNotApplied()} when it
 * knows the operation never ran, which is the only case in which a write may be sent again blindly. A store never
 * reports success for something it did not store. Failures come as the error of the returned publisher, never
 * thrown, also for an argument out of range (only a null one may throw, as in Reactor); an id that no session can
 * have ({@link SessionIds}) names none.
 *
 * <p>Lifetimes, from {@link SessionLimits}: a session with no attached connection is removed after the grace
 * period, or after the shorter {@link SessionLimits#unusedGrace()} while it has never been used (no client message
 * or frame stored in it, never attached again by {@link #attach}); its log keeps at most
 * {@link SessionLimits#historyFrames()} frames and {@link SessionLimits#historyBytes()} bytes of them (each frame
 * counted by its JSON encoding in UTF-8, oldest dropped first, so that one larger than the bound on its own is not
 * retained), none older than {@link SessionLimits#historyMaxAge()}; its client messages are kept by the same three
 * bounds, so that the conversation ages out on both sides alike.
 */
public interface SessionStore extends AutoCloseable {

    /**
     * Creates a session with an empty log and a fresh epoch, attached to the caller's connection (generation 1).
     * Fails with {@link SessionStoreException#isAlreadyExists()} when a session with this id exists, changing
     * nothing, and with {@link IllegalArgumentException} for an id that {@link SessionIds#valid} refuses.
     *
     * @param sessionId   a new, random id
     * @param tokenDigest the digest of the session's token ({@link SessionTokens#digest(String)})
     * @param nodeId      the gateway node creating it
     */
    default Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId) {
        return create(sessionId, tokenDigest, nodeId, null);
    }

    /**
     * Creates a session like {@link #create(String, byte[], String)}, belonging to {@code user}: its record says so
     * ({@link SessionRecord#user()}), and it is among {@link #sessionsOf} that user until it is removed or expires.
     *
     * @param user the {@code sub} of the user it belongs to, or {@code null} for nobody
     */
    Mono<Attachment> create(String sessionId, byte[] tokenDigest, String nodeId, String user);

    /**
     * The ids of the live sessions (created and not yet removed or expired) that belong to {@code user}, in no
     * particular order, each once. A session that has just expired may still be listed for a moment; an operation on
     * it then fails with {@link SessionStoreException#isNotFound()}.
     */
    Flux<String> sessionsOf(String user);

    /** The session's current record, or empty when it does not exist. */
    Mono<SessionRecord> find(String sessionId);

    /**
     * Makes the caller's connection the session's only one: bumps the connection generation and marks the session
     * connected. The previous attachment, on whatever node, sees its {@link Attachment#superseded()} complete.
     */
    Mono<Attachment> attach(String sessionId, String nodeId);

    /**
     * Tells the store the connection of {@code generation} is gone. If it is still the current one, the session is
     * disconnected and its grace period starts; a stale generation changes nothing.
     */
    Mono<Void> detach(String sessionId, long generation);

    /**
     * Appends a server frame (write-ahead, before it is sent), assigning the next seq atomically across all nodes.
     * For frames that belong to no reply, such as pushed events; a reply's own frames go through
     * {@link #appendReply}. Leaves reply leases alone.
     *
     * @return the frame as stored, with its seq
     */
    Mono<Sequenced> append(String sessionId, Sequenced frame);

    /**
     * Appends a frame like {@link #append}, at most once per idempotency {@code key} and session: if a frame appended
     * under the same key is still retained, nothing is appended and its seq is returned as a duplicate. A backend
     * whose push timed out, or whose gateway node died before answering, sends it again with the same key, on any
     * node, and the client still sees the event once. Keys are remembered as long as their frame is retained.
     *
     * <p>A retry must carry the same frame: a key that comes with a frame other than the one first appended under it
     * (compared as encoded, seq aside) fails with {@link SessionStoreException#isKeyReused()}, appending nothing,
     * so that a different request reusing a key is not mistaken for a retry.
     */
    Mono<OnceAppend> appendOnce(String sessionId, String key, Sequenced frame);

    /**
     * Appends part {@code part} (0, 1, 2, ... in order) of the reply to user message {@code replyTo}, like
     * {@link #append}, but only while that reply is leased to {@code nodeId} (a lapsed lease that nobody has ended yet
     * still counts). A producer that is writing is alive, so the append renews the lease for {@code ttl};
     * appending the reply's {@link dev.tether.protocol.AssistantDone} ends the lease instead, in the same step.
     *
     * <p>Idempotent per part: the part stored last, sent again (a retry after a failure whose outcome was unknown), is
     * not stored twice; it comes back with the seq it was stored at. A part that is neither that one nor the next
     * fails with {@link SessionStoreException#isPartNotNext()}. So a producer whose store call timed out simply
     * tries it again.
     *
     * <p>This is also the fence that keeps a reply from ending twice: once the reply is finished, or ended
     * {@code interrupted} by {@link #endLapsedReplies} because its producer looked dead, the lease is gone and this
     * fails with {@link SessionStoreException#isReplyEnded()}, appending nothing, so a slow producer that was given
     * up on stops instead of writing after the end. A reply taken over by another node ({@link #takeOverReplies}) is
     * ended for its former producer in the same way.
     */
    Mono<Sequenced> appendReply(String sessionId, long replyTo, long part, Sequenced frame, String nodeId,
                                Duration ttl);

    /**
     * The retained frames with seq above {@code afterSeq}, in order, then completes. Fails with
     * {@link SessionStoreException#isHistoryTruncated()} if frame {@code afterSeq + 1} is no longer retained.
     */
    Flux<Sequenced> read(String sessionId, long afterSeq);

    /**
     * Every frame with seq above {@code afterSeq}, in order, with no gap and no duplicate: the retained history,
     * then frames as they are appended by any node, until cancelled. Completes when the session is removed; fails
     * like {@link #read(String, long)} when frames it still has to deliver were trimmed.
     */
    Flux<Sequenced> follow(String sessionId, long afterSeq);

    /**
     * Stores a client message exactly once: {@code cseq} must be the next one; an already stored cseq is a
     * duplicate and is not stored again; a cseq further ahead is out of order and is not stored.
     *
     * <p>Storing a {@link dev.tether.protocol.UserMessage} also leases its reply to {@code nodeId} for
     * {@code lease}, in the same atomic step: a node that dies after storing a message and before producing its
     * reply leaves a lease that lapses, so the reply still ends ({@code interrupted}) instead of being owed forever.
     * Storing a {@link dev.tether.protocol.ClientEvent} leases its handling to {@code nodeId} for {@code lease} the
     * same way, so that an event whose node died before its handler finished is handed to a handler again
     * ({@link #claimLapsedEvents}). A duplicate takes no lease.
     */
    Mono<ClientAppend> appendClient(String sessionId, ClientMessage message, String nodeId, Duration lease);

    /**
     * The retained client messages with cseq above {@code afterCseq}, in order: the conversation so far, trimmed by
     * count and age like the log.
     */
    Flux<ClientMessage> readClient(String sessionId, long afterCseq);

    /**
     * Renews the lease of the reply to {@code replyTo}: {@code nodeId} is still producing it, until {@code ttl} from
     * now. Never creates a lease (storing the user message does): fails with
     * {@link SessionStoreException#isReplyEnded()} when the reply has ended, so a renewal that arrives after the
     * reply's done cannot bring its lease back, and also when another node holds the lease now (it took the reply
     * over), which is left alone.
     */
    Mono<Void> renewReply(String sessionId, long replyTo, String nodeId, Duration ttl);

    /**
     * The lease of the reply to {@code replyTo}, or empty when there is none: the message was never stored, it is
     * not a user message, or its reply has ended. A node whose store call for a user message failed ambiguously reads
     * it to learn whether its own call stored the message after all, which leases the reply to that node.
     */
    Mono<ReplyLease> findReplyLease(String sessionId, long replyTo);

    /**
     * Ends the replies whose lease ran out: their producer is gone and they would never finish. For each, in one
     * atomic step, the lease is removed and an {@link dev.tether.protocol.AssistantDone} with reason
     * {@code interrupted} is appended, so that each lapsed reply is ended once, by one caller, even when several
     * nodes look at once, and its producer, if it was only slow, is fenced out ({@link #appendReply}).
     *
     * <p>Lapsed leases of the replies in {@code producing}, which the caller is still producing itself (its renewals
     * failed during a store outage), are renewed for {@code ttl} in {@code nodeId}'s name instead.
     *
     * @return the done frames appended, in replyTo order
     */
    Flux<Sequenced> endLapsedReplies(String sessionId, Set<Long> producing, String nodeId, Duration ttl);

    /**
     * The leases of the session's replies in progress, in replyTo order: which node produces each. A node serving the
     * session reads them to find replies leased to nodes that are no longer alive ({@link #isNodeAlive}).
     */
    Flux<ReplyLease> findReplyLeases(String sessionId);

    /**
     * Takes over the replies of the session leased to any of {@code fromNodes}, nodes the caller found dead: in one
     * atomic step per session, each such lease moves to {@code nodeId} for {@code ttl}, keeping the reply's progress,
     * and counts one more continuation. So each reply is taken over once, by one caller, even when several nodes look
     * at once, and its former producer, if it was only slow, is fenced out: its appends and renewals fail with
     * {@link SessionStoreException#isReplyEnded()} from then on, since only the lease's node may append to a reply.
     * A liveness read that was already stale is therefore safe: a slow node loses its reply to the caller, no more.
     * Leases of other nodes are left alone, lapsed or not.
     *
     * @return the replies taken over, in replyTo order
     */
    Flux<TakenReply> takeOverReplies(String sessionId, Set<String> fromNodes, String nodeId, Duration ttl);

    // ---------------------------------------------------------------- node liveness

    /**
     * Records that node {@code nodeId} is alive until {@code ttl} from now; a node calls it about three times per
     * ttl, and is registered by it, so that others can find it ({@link #deadNodes}) once its record lapses. Costs the
     * store one command per call, however many replies the node produces.
     */
    Mono<Void> heartbeatNode(String nodeId, Duration ttl);

    /** Whether node {@code nodeId}'s liveness record ({@link #heartbeatNode}) is current; false for a node never seen. */
    Mono<Boolean> isNodeAlive(String nodeId);

    /**
     * The registered nodes whose liveness record lapsed and that are not yet forgotten ({@link #forgetNode}): the nodes
     * whose replies are to be taken over.
     */
    Flux<String> deadNodes();

    /**
     * The sessions in which node {@code nodeId} may hold reply leases: every session in which it stored a user message
     * or renewed a reply recently enough that the reply may still run, and possibly more. The index by which a dead
     * node's replies are found when no client of theirs is connected.
     */
    Flux<String> sessionsOfNode(String nodeId);

    /**
     * Forgets a dead node: its registration and its index of sessions ({@link #sessionsOfNode}), once its replies were
     * taken over. Does nothing when the node is alive again (it was only slow), so a node never loses its index to a
     * stale look; completes either way.
     */
    Mono<Void> forgetNode(String nodeId);

    /**
     * Renews the lease on handling client event {@code cseq} for {@code ttl}, if {@code nodeId} holds it: the node's
     * handler is still at work. Never creates a lease and never takes one from another node (which claimed the event
     * after this one looked dead); completes either way.
     */
    Mono<Void> renewEvent(String sessionId, long cseq, String nodeId, Duration ttl);

    /**
     * Ends the lease on handling client event {@code cseq}, whichever node holds it: a handler has finished with the
     * event (done, or failed for good), so no one is to handle it again. Completes also when there is no lease.
     */
    Mono<Void> eventHandled(String sessionId, long cseq);

    /**
     * Claims the client events whose handling lease lapsed: their handler's node died (or was too slow to renew)
     * before it finished. Each lapsed lease moves to {@code nodeId} for {@code ttl} in one atomic step, so that each
     * lapsed event is claimed once, by one caller, even when several nodes look at once; the caller hands the events
     * to its handler and ends their leases with {@link #eventHandled}. A lapsed event whose message is no longer
     * retained cannot be handled: its lease is ended instead.
     *
     * <p>Lapsed leases of the events in {@code handling}, which the caller is still handling itself (its renewals
     * failed during a store outage), are renewed for {@code ttl} in {@code nodeId}'s name and not returned.
     *
     * @return the events claimed, in cseq order
     */
    Flux<ClientEvent> claimLapsedEvents(String sessionId, Set<Long> handling, String nodeId, Duration ttl);

    /**
     * Asks the node producing the reply to {@code replyTo} to stop it, whichever node that is: the reply's lease names
     * the node, which hears the request through {@link #cancelRequests} within a store round trip. Completes once the
     * request is sent, also when there is nothing to stop (no lease: the reply ended, or the message is not a user
     * message). Delivery is best effort, like the notices of {@link #follow}: a node that is not listening at that
     * moment misses it, and the reply then runs to its end. The request is also marked on the reply's lease, so that a
     * node taking the reply over from a dead one learns of it ({@link TakenReply#cancelRequested()}).
     */
    Mono<Void> requestCancel(String sessionId, long replyTo);

    /**
     * The cancel requests for replies that {@code nodeId} produces, as {@link #requestCancel} sends them, from the
     * moment the subscription is in place until it is cancelled. Hot: earlier requests are not replayed. Fails
     * retryably when the store cannot be reached; the subscriber subscribes again.
     */
    Flux<CancelRequest> cancelRequests(String nodeId);

    /**
     * The session's state: a small JSON object kept beside the log, which expires and is removed with the session.
     * A session whose state was never written has version 0 and the empty object.
     */
    Mono<SessionState> readState(String sessionId);

    /**
     * Replaces the session's state, in one atomic step, if its version is {@code ifVersion} (a compare-and-set), or
     * whatever it is with {@link SessionState#ANY_VERSION}. Fails with {@link SessionStoreException#isStateConflict()}
     * when the version is another, and with {@link SessionStoreException#isStateTooLarge()} when the state's JSON is
     * larger than {@link SessionLimits#maxStateBytes()} bytes in UTF-8, writing nothing either way; with
     * {@link IllegalArgumentException} for an {@code ifVersion} below {@link SessionState#ANY_VERSION}.
     *
     * @return the state as written, with its new version
     */
    Mono<SessionState> writeState(String sessionId, long ifVersion, ObjectNode state);

    /** Removes the session and everything in it, for good. Completes also when it did not exist. */
    Mono<Void> remove(String sessionId);

    /** Whether the store can serve requests now; a gateway reports not ready and refuses handshakes otherwise. */
    boolean isReady();

    /** Counts of the sessions this store knows, for health reports. */
    Mono<SessionStats> stats();

    /** Releases connections, timers and subscriptions. */
    @Override
    void close();
}
