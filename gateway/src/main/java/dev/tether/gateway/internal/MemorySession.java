package dev.tether.gateway.internal;

import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.Frame;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.UserMessage;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.ClientAppend;
import dev.tether.protocol.session.OnceAppend;
import dev.tether.protocol.session.ReplyLease;
import dev.tether.protocol.session.TakenReply;
import dev.tether.protocol.session.SessionLimits;
import dev.tether.protocol.session.SessionRecord;
import dev.tether.protocol.session.SessionState;
import dev.tether.protocol.session.SessionStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Sinks;

/**
 * One session of the in-memory store: its log, client messages, reply and event leases, idempotency keys, state,
 * followers and metadata, and every operation on them. Not thread-safe: the store calls each method under the
 * instance's monitor, which is what makes each operation one atomic step.
 */
public final class MemorySession {

    private static final FrameCodec CODEC = new FrameCodec();

    private final String id;
    private final byte[] tokenDigest;
    private final long epoch;
    private final Instant createdAt;
    private final String user;
    private final SessionLimits limits;
    private final ToLongFunction<Frame> sizes;
    private final ArrayDeque<Entry<Sequenced>> frames = new ArrayDeque<>();
    private final ArrayDeque<Entry<ClientMessage>> clientMessages = new ArrayDeque<>();
    private final Map<Long, Lease> leases = new HashMap<>();
    /** The leases on handling client events, by cseq: in cseq order, the order lapsed events are claimed in. */
    private final TreeMap<Long, Lease> eventLeases = new TreeMap<>();
    // Idempotency key -> seq of the frame appended under it, oldest first.
    private final LinkedHashMap<String, Long> onceKeys = new LinkedHashMap<>();
    private final List<FluxSink<Sequenced>> followers = new ArrayList<>();
    private Instant lastSeenAt;
    private long lastSeq;
    private long ackedCseq;
    private long generation = 1;
    private boolean connected = true;
    private String ownerNode;
    private Sinks.Empty<Void> superseded = Sinks.empty();
    private boolean removed;
    /** Whether anything was stored in it or it was resumed: until then it gets the shorter, unused grace. */
    private boolean used;
    private SessionState state = SessionState.initial();
    /** What the retained frames and client messages take, encoded: what the byte bound applies to. */
    private long frameBytes;
    private long clientBytes;

    /**
     * A new session with an empty log, attached to {@code ownerNode}'s connection as generation 1.
     *
     * @param sizes the size of a frame or client message as the byte bound counts it: its encoded length
     */
    public MemorySession(String id, byte[] tokenDigest, long epoch, String ownerNode, Instant now,
                         SessionLimits limits, ToLongFunction<Frame> sizes) {
        this(id, tokenDigest, epoch, ownerNode, null, now, limits, sizes);
    }

    /**
     * A new session like {@link #MemorySession(String, byte[], long, String, Instant, SessionLimits, ToLongFunction)},
     * belonging to {@code user} ({@code null} for nobody).
     */
    public MemorySession(String id, byte[] tokenDigest, long epoch, String ownerNode, String user, Instant now,
                         SessionLimits limits, ToLongFunction<Frame> sizes) {
        this.id = id;
        this.user = user;
        this.tokenDigest = tokenDigest;
        this.epoch = epoch;
        this.ownerNode = ownerNode;
        this.createdAt = now;
        this.lastSeenAt = now;
        this.limits = limits;
        this.sizes = sizes;
    }

    private record Entry<T>(long seq, T value, Instant at, long bytes) {
    }

    /**
     * A reply's lease, and how far the reply got: parts stored, and the seq of the last one, times taken over, whether
     * a cancel was requested; or a client event's handling lease, which has none of these (0, 0, 0, false).
     */
    private record Lease(String nodeId, Instant expiresAt, long parts, long lastSeq, int continued,
                         boolean cancelRequested) {

        Lease(String nodeId, Instant expiresAt, long parts, long lastSeq) {
            this(nodeId, expiresAt, parts, lastSeq, 0, false);
        }

        Lease renewed(String node, Instant until) {
            return new Lease(node, until, parts, lastSeq, continued, cancelRequested);
        }
    }

    public String id() {
        return id;
    }

    /** The user it belongs to, or {@code null} for nobody. */
    public String user() {
        return user;
    }

    public boolean isRemoved() {
        return removed;
    }

    public boolean isConnected() {
        return connected;
    }

    /** Whether its grace period ran out: disconnected for its grace ({@link SessionLimits#graceFor}) or longer. */
    public boolean expired(Instant now) {
        return !connected && !lastSeenAt.plus(limits.graceFor(used)).isAfter(now);
    }

    public SessionRecord record() {
        return new SessionRecord(id, tokenDigest.clone(), epoch, firstSeq(), lastSeq, ackedCseq, generation,
                connected, ownerNode, createdAt, lastSeenAt, user);
    }

    public Attachment attachment() {
        return new Attachment(record(), generation, superseded.asMono());
    }

    // ---------------------------------------------------------------- connections

    /** Makes {@code nodeId}'s connection the only one: the previous attachment is superseded. */
    public Attachment attach(String nodeId, Instant now) {
        superseded.tryEmitEmpty();
        superseded = Sinks.empty();
        generation++;
        connected = true;
        used = true;
        ownerNode = nodeId;
        lastSeenAt = now;
        return attachment();
    }

    /** Disconnects the session if {@code generation} is still the current connection. */
    public void detach(long generation, Instant now) {
        if (!removed && this.generation == generation && connected) {
            connected = false;
            lastSeenAt = now;
        }
    }

    /** Marks the session removed and completes its followers; true if it was not removed before. */
    public boolean remove() {
        if (removed) {
            return false;
        }
        removed = true;
        for (FluxSink<Sequenced> follower : List.copyOf(followers)) {
            follower.complete();
        }
        followers.clear();
        return true;
    }

    // ---------------------------------------------------------------- server frames

    /** Appends a frame with the next seq and hands it to every follower, in seq order. */
    public Sequenced append(Sequenced frame, Instant now) {
        Sequenced stored = frame.withSeq(++lastSeq);
        used = true;
        long bytes = sizes.applyAsLong(stored);
        frames.addLast(new Entry<>(stored.seq(), stored, now, bytes));
        frameBytes += bytes;
        trim(now);
        if (!followers.isEmpty()) {
            // Emitting under the lock is what keeps every follower in seq order across concurrent appenders.
            for (FluxSink<Sequenced> follower : List.copyOf(followers)) {
                follower.next(stored);
            }
        }
        return stored;
    }

    /** Appends unless a frame still retained was appended under {@code key}. */
    public OnceAppend appendOnce(String key, Sequenced frame, Instant now) {
        Long seen = onceKeys.get(key);
        if (seen != null && seen >= firstSeq()) {
            if (!sameFrame(seen, frame)) {
                throw SessionStoreException.keyReused(id);
            }
            return new OnceAppend(seen, true);
        }
        long seq = append(frame, now).seq();
        // In insertion order, which is seq order: forget the keys of frames no longer retained.
        long first = firstSeq();
        Iterator<Long> seqs = onceKeys.values().iterator();
        while (seqs.hasNext() && seqs.next() < first) {
            seqs.remove();
        }
        onceKeys.put(key, seq);
        return new OnceAppend(seq, false);
    }

    /** Whether the retained frame {@code seq} is {@code frame}, compared as encoded, as the Redis store does. */
    private boolean sameFrame(long seq, Sequenced frame) {
        for (Entry<Sequenced> entry : frames) {
            if (entry.seq() == seq) {
                return CODEC.encode(entry.value()).equals(CODEC.encode(frame.withSeq(seq)));
            }
        }
        return true;
    }

    /** Appends part {@code part} of a leased reply, renewing its lease, or ending it with the reply's done. */
    public Sequenced appendReply(long replyTo, long part, Sequenced frame, String nodeId, Duration ttl, Instant now) {
        Lease lease = leases.get(replyTo);
        if (lease == null || !lease.nodeId().equals(nodeId)) {
            throw SessionStoreException.replyEnded(id, replyTo);
        }
        if (part == lease.parts() - 1) {
            return frame.withSeq(lease.lastSeq());
        }
        if (part != lease.parts()) {
            throw SessionStoreException.partNotNext(id, replyTo, part, lease.parts());
        }
        Sequenced stored = append(frame, now);
        if (frame instanceof AssistantDone done && done.replyTo() == replyTo) {
            leases.remove(replyTo);
        } else {
            leases.put(replyTo, new Lease(nodeId, now.plus(ttl), part + 1, stored.seq(), lease.continued(),
                    lease.cancelRequested()));
        }
        return stored;
    }

    /**
     * The retained frames after {@code afterSeq}; fails with history truncated when frame {@code afterSeq + 1} is no
     * longer retained.
     */
    public List<Sequenced> retained(long afterSeq) {
        long firstSeq = firstSeq();
        if (afterSeq < lastSeq && afterSeq + 1 < firstSeq) {
            throw SessionStoreException.historyTruncated(id, afterSeq, firstSeq);
        }
        List<Sequenced> result = new ArrayList<>();
        for (Entry<Sequenced> entry : frames) {
            if (entry.seq > afterSeq) {
                result.add(entry.value);
            }
        }
        return result;
    }

    /** Delivers every later append to {@code follower}, until {@link #unfollow}. */
    public void follow(FluxSink<Sequenced> follower) {
        followers.add(follower);
    }

    public void unfollow(FluxSink<Sequenced> follower) {
        followers.remove(follower);
    }

    // ---------------------------------------------------------------- client messages

    /**
     * Stores the message if its cseq is the next one, leasing a user message's reply, or a client event's handling,
     * to {@code nodeId}.
     */
    public ClientAppend appendClient(ClientMessage message, String nodeId, Duration lease, Instant now) {
        long cseq = message.cseq();
        if (cseq <= ackedCseq) {
            return new ClientAppend(ClientAppend.Outcome.DUPLICATE, ackedCseq);
        }
        if (cseq != ackedCseq + 1) {
            return new ClientAppend(ClientAppend.Outcome.OUT_OF_ORDER, ackedCseq);
        }
        ackedCseq = cseq;
        used = true;
        long bytes = sizes.applyAsLong(message);
        clientMessages.addLast(new Entry<>(cseq, message, now, bytes));
        clientBytes += bytes;
        if (message instanceof UserMessage) {
            leases.put(cseq, new Lease(nodeId, now.plus(lease), 0, 0));
        } else if (message instanceof ClientEvent) {
            eventLeases.put(cseq, new Lease(nodeId, now.plus(lease), 0, 0));
        }
        trim(now);
        return new ClientAppend(ClientAppend.Outcome.STORED, cseq);
    }

    /** The retained client messages after {@code afterCseq}. */
    public List<ClientMessage> clientMessagesAfter(long afterCseq) {
        List<ClientMessage> messages = new ArrayList<>();
        for (Entry<ClientMessage> entry : clientMessages) {
            if (entry.seq > afterCseq) {
                messages.add(entry.value);
            }
        }
        return messages;
    }

    // ---------------------------------------------------------------- reply leases

    /** Moves the lease's expiry to {@code until} in {@code nodeId}'s name; fails with reply ended without a lease. */
    public void renewReply(long replyTo, String nodeId, Instant until) {
        Lease lease = leases.get(replyTo);
        if (lease == null || !lease.nodeId().equals(nodeId)) {
            throw SessionStoreException.replyEnded(id, replyTo);
        }
        leases.put(replyTo, lease.renewed(nodeId, until));
    }

    /** The leases of the replies in progress, in replyTo order. */
    public List<ReplyLease> replyLeases() {
        List<ReplyLease> found = new ArrayList<>();
        leases.forEach((replyTo, lease) -> found.add(new ReplyLease(replyTo, lease.nodeId(), lease.expiresAt())));
        found.sort(java.util.Comparator.comparingLong(ReplyLease::replyTo));
        return found;
    }

    /** Whether {@code nodeId} holds the lease of a reply here. */
    public boolean leasesTo(String nodeId) {
        for (Lease lease : leases.values()) {
            if (lease.nodeId().equals(nodeId)) {
                return true;
            }
        }
        return false;
    }

    /** Moves the leases of {@code fromNodes} to {@code nodeId} for {@code ttl}, one continuation more each. */
    public List<TakenReply> takeOver(Set<String> fromNodes, String nodeId, Duration ttl, Instant now) {
        List<TakenReply> taken = new ArrayList<>();
        leases.forEach((replyTo, lease) -> {
            if (fromNodes.contains(lease.nodeId())) {
                taken.add(new TakenReply(replyTo, lease.parts(), lease.lastSeq(), lease.continued() + 1,
                        lease.cancelRequested()));
            }
        });
        taken.sort(java.util.Comparator.comparingLong(TakenReply::replyTo));
        for (TakenReply reply : taken) {
            Lease lease = leases.get(reply.replyTo());
            leases.put(reply.replyTo(), new Lease(nodeId, now.plus(ttl), lease.parts(), lease.lastSeq(),
                    reply.continued(), lease.cancelRequested()));
        }
        return taken;
    }

    /** Marks a cancel requested on the reply's lease; the lease as it was, or null when there is none. */
    public ReplyLease markCancel(long replyTo) {
        Lease lease = leases.get(replyTo);
        if (lease == null) {
            return null;
        }
        leases.put(replyTo, new Lease(lease.nodeId(), lease.expiresAt(), lease.parts(), lease.lastSeq(),
                lease.continued(), true));
        return new ReplyLease(replyTo, lease.nodeId(), lease.expiresAt());
    }

    /** The lease of the reply to {@code replyTo}, or null when there is none. */
    public ReplyLease findReplyLease(long replyTo) {
        Lease lease = leases.get(replyTo);
        return lease == null ? null : new ReplyLease(replyTo, lease.nodeId(), lease.expiresAt());
    }

    /** Ends the lapsed replies with an interrupted done each, renewing those in {@code producing} instead. */
    public List<Sequenced> endLapsedReplies(Set<Long> producing, String nodeId, Duration ttl, Instant now) {
        List<Long> lapsed = new ArrayList<>();
        leases.forEach((replyTo, lease) -> {
            if (!lease.expiresAt().isAfter(now)) {
                lapsed.add(replyTo);
            }
        });
        lapsed.sort(null);
        List<Sequenced> ended = new ArrayList<>(lapsed.size());
        for (long replyTo : lapsed) {
            if (producing.contains(replyTo)) {
                leases.put(replyTo, leases.get(replyTo).renewed(nodeId, now.plus(ttl)));
            } else {
                leases.remove(replyTo);
                ended.add(append(AssistantDone.of(replyTo, DoneReason.INTERRUPTED), now));
            }
        }
        return ended;
    }

    // ---------------------------------------------------------------- event leases

    /** Moves the lease on handling event {@code cseq} to {@code until} if {@code nodeId} holds it; whether it did. */
    public boolean renewEvent(long cseq, String nodeId, Instant until) {
        Lease lease = eventLeases.get(cseq);
        if (lease == null || !lease.nodeId().equals(nodeId)) {
            return false;
        }
        eventLeases.put(cseq, lease.renewed(nodeId, until));
        return true;
    }

    /** Ends the lease on handling event {@code cseq}; whether there was one. */
    public boolean eventHandled(long cseq) {
        return eventLeases.remove(cseq) != null;
    }

    /**
     * Moves every lapsed event lease to {@code nodeId} for {@code ttl} and returns those events in cseq order, but for
     * those in {@code handling}, only renewed, and those no longer retained, whose leases end.
     */
    public List<ClientEvent> claimLapsedEvents(Set<Long> handling, String nodeId, Duration ttl, Instant now) {
        List<ClientEvent> claimed = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Lease>> it = eventLeases.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Lease> entry = it.next();
            if (entry.getValue().expiresAt().isAfter(now)) {
                continue;
            }
            Lease claim = entry.getValue().renewed(nodeId, now.plus(ttl));
            if (handling.contains(entry.getKey())) {
                entry.setValue(claim);
                continue;
            }
            ClientEvent event = retainedEvent(entry.getKey());
            if (event == null) {
                it.remove();
            } else {
                entry.setValue(claim);
                claimed.add(event);
            }
        }
        return claimed;
    }

    private ClientEvent retainedEvent(long cseq) {
        for (Entry<ClientMessage> entry : clientMessages) {
            if (entry.seq() == cseq) {
                return entry.value() instanceof ClientEvent event ? event : null;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- state

    public SessionState state() {
        return state;
    }

    /** Replaces the state if its version is {@code ifVersion} or that is any; fails with a conflict otherwise. */
    public SessionState writeState(long ifVersion, String json) {
        if (ifVersion != SessionState.ANY_VERSION && ifVersion != state.version()) {
            throw SessionStoreException.stateConflict(id, ifVersion, state.version());
        }
        // A state is something stored: the session is used, and gets the full grace.
        used = true;
        state = SessionState.decode(state.version() + 1, json);
        return state;
    }

    // ---------------------------------------------------------------- retention

    /** Drops the oldest frames and client messages beyond the count or the bytes, or older than the age limit. */
    public void trim(Instant now) {
        Instant oldest = now.minus(limits.historyMaxAge());
        frameBytes = trim(frames, frameBytes, oldest);
        clientBytes = trim(clientMessages, clientBytes, oldest);
    }

    /** Trims {@code log}, which holds {@code bytes}, and returns what it holds after. */
    private long trim(ArrayDeque<? extends Entry<?>> log, long bytes, Instant oldest) {
        while (!log.isEmpty() && (log.size() > limits.historyFrames() || bytes > limits.historyBytes()
                || log.peekFirst().at().isBefore(oldest))) {
            bytes -= log.pollFirst().bytes();
        }
        return bytes;
    }

    private long firstSeq() {
        return frames.isEmpty() ? lastSeq + 1 : frames.peekFirst().seq;
    }
}
