package dev.tether.protocol.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.AssistantDone;
import dev.tether.protocol.Cancel;
import dev.tether.protocol.ClientEvent;
import dev.tether.protocol.ClientMessage;
import dev.tether.protocol.DoneReason;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.Sequenced;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The behaviour every {@link SessionStore} must have. Written once; each implementation runs it by extending this
 * class and saying how to make a store. Subclasses for real servers are integration tests ({@code *IT}).
 */
public abstract class SessionStoreContract {

    /** Bound on every verification: generous for a store across a real network, never reached when healthy. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The reply lease taken by storing a user message: longer than any test here runs. */
    protected static final Duration LEASE = Duration.ofMinutes(5);

    protected SessionStore store;

    private int sessions;

    /** A new, empty store with these limits. */
    protected abstract SessionStore createStore(SessionLimits limits);

    /**
     * Lets {@code duration} pass for the store. By default real time passes; a store with an injectable clock
     * advances it instead.
     */
    protected void elapse(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    /** The limits most tests run with; small enough that expiry tests finish quickly against a real server. */
    protected SessionLimits limits() {
        return SessionLimits.builder().grace(Duration.ofMillis(500)).historyFrames(1000).build();
    }

    @BeforeEach
    void openStore() {
        store = createStore(limits());
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    protected String newSessionId() {
        return "contract-" + SessionTokens.newSessionId() + "-" + (++sessions);
    }

    protected Attachment create(String sessionId) {
        return store.create(sessionId, SessionTokens.digest("token-" + sessionId), "node-a").block(TIMEOUT);
    }

    protected static Sequenced delta(long replyTo, String text) {
        return AssistantDelta.of(replyTo, text);
    }

    private List<Sequenced> appendDeltas(String sessionId, int count) {
        return Flux.range(1, count)
                .concatMap(i -> store.append(sessionId, delta(1, "d" + i)))
                .collectList()
                .block(TIMEOUT);
    }

    @Test
    void createdSessionIsFoundWithItsMetadata() {
        String id = newSessionId();
        Attachment attachment = create(id);

        assertThat(attachment.generation()).isEqualTo(1);
        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record).isNotNull();
        assertThat(record.sessionId()).isEqualTo(id);
        assertThat(record.tokenDigest()).isEqualTo(SessionTokens.digest("token-" + id));
        assertThat(record.lastSeq()).isZero();
        assertThat(record.firstSeq()).isEqualTo(1);
        assertThat(record.ackedCseq()).isZero();
        assertThat(record.generation()).isEqualTo(1);
        assertThat(record.connected()).isTrue();
        assertThat(record.ownerNode()).isEqualTo("node-a");
    }

    @Test
    void aSessionBelongsToTheUserItWasCreatedFor() {
        String mine = newSessionId();
        String nobodys = newSessionId();
        store.create(mine, SessionTokens.digest("t"), "node-a", "user-1").block(TIMEOUT);
        create(nobodys);

        assertThat(store.find(mine).block(TIMEOUT).user()).isEqualTo("user-1");
        assertThat(store.find(mine).block(TIMEOUT).belongsTo("user-1")).isTrue();
        assertThat(store.find(mine).block(TIMEOUT).belongsTo("user-2")).isFalse();
        assertThat(store.find(nobodys).block(TIMEOUT).user()).as("created for nobody").isNull();
        assertThat(store.find(nobodys).block(TIMEOUT).belongsTo(null)).isTrue();
        store.attach(mine, "node-b").block(TIMEOUT);
        assertThat(store.find(mine).block(TIMEOUT).user()).as("kept across attaches").isEqualTo("user-1");
    }

    @Test
    void sessionsOfListsTheLiveSessionsOfOneUser() throws InterruptedException {
        String user = "user-" + SessionTokens.newSessionId();
        String first = newSessionId();
        String second = newSessionId();
        String removed = newSessionId();
        String expired = newSessionId();
        String other = newSessionId();
        for (String id : List.of(first, second, removed, expired)) {
            store.create(id, SessionTokens.digest("t"), "node-a", user).block(TIMEOUT);
        }
        store.create(other, SessionTokens.digest("t"), "node-a", user + "-other").block(TIMEOUT);
        create(newSessionId());

        assertThat(store.sessionsOf(user).collectList().block(TIMEOUT))
                .containsExactlyInAnyOrder(first, second, removed, expired);
        store.remove(removed).block(TIMEOUT);
        Attachment gone = store.attach(expired, "node-a").block(TIMEOUT);
        store.detach(expired, gone.generation()).block(TIMEOUT);
        elapse(limits().grace().multipliedBy(3));

        assertThat(store.sessionsOf(user).collectList().block(TIMEOUT)).as("removed and expired ones are not listed")
                .containsExactlyInAnyOrder(first, second);
        assertThat(store.sessionsOf("user-nobody-knows").collectList().block(TIMEOUT)).isEmpty();
    }

    @Test
    void unknownSessionIsNotFound() {
        assertNamesNoSession("never-created");
    }

    @Test
    void anIdNoSessionCanHaveNamesNoneAndNothingIsThrown() {
        for (String id : List.of("x".repeat(SessionIds.MAX_LENGTH + 1), "")) {
            assertNamesNoSession(id);
            StepVerifier.create(store.create(id, SessionTokens.digest("t"), "node-a"))
                    .expectError(IllegalArgumentException.class).verify(TIMEOUT);
        }
        StepVerifier.create(store.append(null, delta(1, "x"))).expectError(NullPointerException.class)
                .verify(TIMEOUT);
        StepVerifier.create(store.find(null)).expectError(NullPointerException.class).verify(TIMEOUT);
        assertThat(create(newSessionId()).generation()).as("the store still works").isEqualTo(1);
    }

    @Test
    void argumentsOutOfRangeAreErrorsNotThrown() {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 1, LEASE);

        StepVerifier.create(store.appendOnce(id, "", tick(1))).expectError(IllegalArgumentException.class)
                .verify(TIMEOUT);
        StepVerifier.create(store.appendReply(id, 0, 0, delta(0, "x"), "node-a", LEASE))
                .expectError(IllegalArgumentException.class).verify(TIMEOUT);
        StepVerifier.create(appendReply(id, 1, -1, delta(1, "x"))).expectError(IllegalArgumentException.class)
                .verify(TIMEOUT);
        assertThat(store.find(id).block(TIMEOUT).lastSeq()).as("nothing appended").isZero();
    }

    /** Every operation on {@code id} behaves as on a session that does not exist, and none throws. */
    private void assertNamesNoSession(String id) {
        StepVerifier.create(store.find(id)).expectComplete().verify(TIMEOUT);
        List<Flux<?>> operations = List.of(
                store.attach(id, "node-a").flux(),
                store.append(id, delta(1, "x")).flux(),
                store.appendOnce(id, "push-1", tick(1)).flux(),
                store.appendReply(id, 1, 0, delta(1, "x"), "node-a", LEASE).flux(),
                store.read(id, 0),
                store.follow(id, 0),
                store.appendClient(id, new UserMessage(1, "hi"), "node-a", LEASE).flux(),
                store.readClient(id, 0),
                store.renewReply(id, 1, "node-a", LEASE).flux(),
                store.findReplyLease(id, 1).flux(),
                store.findReplyLeases(id),
                store.takeOverReplies(id, Set.of("node-b"), "node-a", LEASE),
                store.endLapsedReplies(id, Set.of(), "node-a", LEASE),
                store.renewEvent(id, 1, "node-a", LEASE).flux(),
                store.eventHandled(id, 1).flux(),
                store.claimLapsedEvents(id, Set.of(), "node-a", LEASE),
                store.readState(id).flux(),
                store.writeState(id, SessionState.ANY_VERSION, object("k", "v")).flux());
        for (Flux<?> operation : operations) {
            StepVerifier.create(operation).expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
        }
        StepVerifier.create(store.detach(id, 1)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.remove(id)).expectComplete().verify(TIMEOUT);
    }

    @Test
    void creatingASessionThatExistsFailsAndChangesNothing() {
        String id = newSessionId();
        create(id);
        store.append(id, delta(1, "kept")).block(TIMEOUT);

        StepVerifier.create(store.create(id, SessionTokens.digest("another token"), "node-b"))
                .expectErrorMatches(SessionStoreException::isAlreadyExists).verify(TIMEOUT);

        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record.tokenDigest()).isEqualTo(SessionTokens.digest("token-" + id));
        assertThat(record.ownerNode()).isEqualTo("node-a");
        assertThat(record.generation()).isEqualTo(1);
        assertThat(record.lastSeq()).isEqualTo(1);
    }

    @Test
    void sessionsHaveDistinctEpochs() {
        long first = create(newSessionId()).session().epoch();
        long second = create(newSessionId()).session().epoch();
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void appendAssignsConsecutiveSeqsAndKeepsEveryFrameType() {
        String id = newSessionId();
        create(id);
        var data = JsonNodeFactory.instance.objectNode().put("tool", "search").put("ms", 42);
        List<Sequenced> frames = List.of(
                AssistantDelta.of(1, "Hello"),
                AssistantDelta.of(1, " wörld ✓"),
                AssistantDone.of(1, DoneReason.COMPLETE),
                ServerEvent.of("tool_done", data));

        List<Sequenced> stored = Flux.fromIterable(frames).concatMap(f -> store.append(id, f)).collectList()
                .block(TIMEOUT);

        assertThat(stored).extracting(Sequenced::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(stored.get(1)).isEqualTo(frames.get(1).withSeq(2));
        StepVerifier.create(store.read(id, 0)).expectNextSequence(stored).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.read(id, 2)).expectNext(stored.get(2), stored.get(3)).expectComplete()
                .verify(TIMEOUT);
        StepVerifier.create(store.read(id, 4)).expectComplete().verify(TIMEOUT);
        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record.lastSeq()).isEqualTo(4);
        assertThat(record.firstSeq()).isEqualTo(1);
    }

    @Test
    void concurrentAppendsGetUniqueGaplessSeqs() {
        String id = newSessionId();
        create(id);

        List<Long> seqs = Flux.range(1, 200)
                .flatMap(i -> store.append(id, delta(1, "c" + i)).subscribeOn(Schedulers.parallel()), 32)
                .map(Sequenced::seq)
                .collectList()
                .block(TIMEOUT);

        assertThat(seqs).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
        assertThat(store.read(id, 0).map(Sequenced::seq).collectList().block(TIMEOUT))
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
    }

    @Test
    void historyIsBoundedByCountAndTrimmingIsReported() {
        store.close();
        store = createStore(limits().toBuilder().historyFrames(5).build());
        String id = newSessionId();
        create(id);

        appendDeltas(id, 8);

        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record.lastSeq()).isEqualTo(8);
        assertThat(record.firstSeq()).isEqualTo(4);
        assertThat(record.retainsAfter(3)).isTrue();
        assertThat(record.retainsAfter(2)).isFalse();
        StepVerifier.create(store.read(id, 3).map(Sequenced::seq))
                .expectNext(4L, 5L, 6L, 7L, 8L).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.read(id, 2))
                .expectErrorMatches(SessionStoreException::isHistoryTruncated)
                .verify(TIMEOUT);
        StepVerifier.create(store.follow(id, 1))
                .expectErrorMatches(SessionStoreException::isHistoryTruncated)
                .verify(TIMEOUT);
        StepVerifier.create(store.read(id, 8)).expectComplete().verify(TIMEOUT);

        for (long cseq = 1; cseq <= 8; cseq++) {
            store.appendClient(id, new ClientEvent(cseq, "typing", null), "node-a", LEASE).block(TIMEOUT);
        }
        assertThat(store.readClient(id, 0).map(ClientMessage::cseq).collectList().block(TIMEOUT))
                .as("client messages are bounded by the same count").containsExactly(4L, 5L, 6L, 7L, 8L);
    }

    @Test
    void historyAndClientMessagesAreBoundedByBytesAndTrimmingIsReported() {
        long bound = 4096;
        store.close();
        store = createStore(limits().toBuilder().historyBytes(bound).build());
        String id = newSessionId();
        create(id);
        FrameCodec codec = new FrameCodec();
        String text = "x".repeat(1000);
        long[] frameSizes = new long[11];
        long[] messageSizes = new long[11];
        for (int n = 1; n <= 10; n++) {
            store.append(id, delta(1, text)).block(TIMEOUT);
            frameSizes[n] = codec.encodedSize(delta(1, text).withSeq(n));
            store.appendClient(id, new UserMessage(n, text), "node-a", LEASE).block(TIMEOUT);
            messageSizes[n] = codec.encodedSize(new UserMessage(n, text));
        }
        long firstFrame = firstWithin(frameSizes, bound);
        long firstMessage = firstWithin(messageSizes, bound);
        assertThat(firstFrame).as("the bound is well below ten frames").isBetween(5L, 9L);

        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record.firstSeq()).isEqualTo(firstFrame);
        assertThat(record.lastSeq()).isEqualTo(10);
        StepVerifier.create(store.read(id, firstFrame - 1).map(Sequenced::seq).count())
                .expectNext(11 - firstFrame).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.read(id, firstFrame - 2))
                .expectErrorMatches(SessionStoreException::isHistoryTruncated).verify(TIMEOUT);
        StepVerifier.create(store.follow(id, firstFrame - 2))
                .expectErrorMatches(SessionStoreException::isHistoryTruncated).verify(TIMEOUT);
        assertThat(store.readClient(id, 0).map(ClientMessage::cseq).collectList().block(TIMEOUT))
                .as("client messages are bounded by the same bytes")
                .containsExactlyElementsOf(LongStream.rangeClosed(firstMessage, 10).boxed().toList());

        String huge = "y".repeat((int) bound);
        Sequenced alone = store.append(id, delta(1, huge)).block(TIMEOUT);
        store.appendClient(id, new UserMessage(11, huge), "node-a", LEASE).block(TIMEOUT);
        record = store.find(id).block(TIMEOUT);
        assertThat(record.firstSeq()).as("a frame over the bound on its own is not retained, nor what it pushed out")
                .isEqualTo(alone.seq() + 1);
        StepVerifier.create(store.read(id, alone.seq() - 1))
                .expectErrorMatches(SessionStoreException::isHistoryTruncated).verify(TIMEOUT);
        StepVerifier.create(store.readClient(id, 0)).expectComplete().verify(TIMEOUT);
        assertThat(record.ackedCseq()).as("a message not retained was still stored once").isEqualTo(11);

        store.append(id, delta(1, "small")).block(TIMEOUT);
        store.appendClient(id, new UserMessage(12, "small"), "node-a", LEASE).block(TIMEOUT);
        StepVerifier.create(store.read(id, alone.seq()).map(Sequenced::seq)).expectNext(alone.seq() + 1)
                .expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.readClient(id, 0).map(ClientMessage::cseq)).expectNext(12L).expectComplete()
                .verify(TIMEOUT);
    }

    /** The first of entries 1..n (sizes[1..n]) retained when the newest ones are kept within {@code bound}. */
    private static long firstWithin(long[] sizes, long bound) {
        long total = 0;
        int first = sizes.length;
        while (first > 1 && total + sizes[first - 1] <= bound) {
            total += sizes[--first];
        }
        return first;
    }

    @Test
    void framesAndClientMessagesAreBoundedByAge() throws InterruptedException {
        Duration maxAge = Duration.ofSeconds(2);
        store.close();
        // A grace far longer than the test, so that a store whose TTLs are refreshed by a timer keeps the session.
        store = createStore(limits().toBuilder().grace(Duration.ofMinutes(1)).historyMaxAge(maxAge).build());
        String id = newSessionId();
        create(id);
        store.append(id, delta(1, "old")).block(TIMEOUT);
        store.appendClient(id, new UserMessage(1, "old"), "node-a", LEASE).block(TIMEOUT);
        // Margins of a second on both sides, for a store whose time passes for real.
        elapse(maxAge);
        store.append(id, delta(2, "new")).block(TIMEOUT);
        store.appendClient(id, new ClientEvent(2, "new", null), "node-a", LEASE).block(TIMEOUT);
        elapse(maxAge.minusSeconds(1));

        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record.firstSeq()).isEqualTo(2);
        assertThat(record.lastSeq()).isEqualTo(2);
        StepVerifier.create(store.read(id, 0))
                .expectErrorMatches(SessionStoreException::isHistoryTruncated)
                .verify(TIMEOUT);
        StepVerifier.create(store.readClient(id, 0).map(ClientMessage::cseq)).as("the old message aged out")
                .expectNext(2L).expectComplete().verify(TIMEOUT);

        elapse(maxAge);
        record = store.find(id).block(TIMEOUT);
        assertThat(record.firstSeq()).as("nothing retained: firstSeq is lastSeq + 1").isEqualTo(3);
        assertThat(record.retainsAfter(2)).isTrue();
        assertThat(record.ackedCseq()).as("dedup outlives the messages").isEqualTo(2);
        StepVerifier.create(store.readClient(id, 0)).expectComplete().verify(TIMEOUT);
        assertThat(store.appendClient(id, new UserMessage(3, "again"), "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.STORED, 3));
        StepVerifier.create(store.readClient(id, 0).map(ClientMessage::cseq)).expectNext(3L).expectComplete()
                .verify(TIMEOUT);
    }

    private static Sequenced tick(int n) {
        return ServerEvent.of("tick", JsonNodeFactory.instance.objectNode().put("n", n));
    }

    @Test
    void aFrameAppendedOnceUnderAKeyIsNotAppendedAgain() {
        String id = newSessionId();
        create(id);

        assertThat(store.appendOnce(id, "push-1", tick(1)).block(TIMEOUT)).isEqualTo(new OnceAppend(1, false));
        assertThat(store.appendOnce(id, "push-1", tick(1)).block(TIMEOUT)).as("the retry")
                .isEqualTo(new OnceAppend(1, true));
        assertThat(store.appendOnce(id, "push-2", tick(2)).block(TIMEOUT)).isEqualTo(new OnceAppend(2, false));

        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).containsExactly(
                tick(1).withSeq(1), tick(2).withSeq(2));
        StepVerifier.create(store.appendOnce("contract-missing", "push-1", tick(1)))
                .expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
    }

    @Test
    void aKeyReusedWithADifferentFrameIsRefusedAndAppendsNothing() {
        String id = newSessionId();
        create(id);
        store.appendOnce(id, "push-1", tick(1)).block(TIMEOUT);

        StepVerifier.create(store.appendOnce(id, "push-1", tick(2)))
                .expectErrorMatches(SessionStoreException::isKeyReused).verify(TIMEOUT);
        StepVerifier.create(store.appendOnce(id, "push-1", ServerEvent.of("tock",
                        JsonNodeFactory.instance.objectNode().put("n", 1))))
                .expectErrorMatches(SessionStoreException::isKeyReused).verify(TIMEOUT);

        assertThat(store.appendOnce(id, "push-1", tick(1)).block(TIMEOUT)).as("the true retry")
                .isEqualTo(new OnceAppend(1, true));
        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).containsExactly(tick(1).withSeq(1));
    }

    @Test
    void concurrentAppendsUnderOneKeyAppendOnce() {
        String id = newSessionId();
        create(id);

        List<OnceAppend> results = Flux.range(0, 8)
                .flatMap(i -> store.appendOnce(id, "same", tick(7)).subscribeOn(Schedulers.parallel()))
                .collectList()
                .block(TIMEOUT);

        assertThat(results).extracting(OnceAppend::seq).containsOnly(1L);
        assertThat(results).filteredOn(result -> !result.duplicate()).hasSize(1);
        assertThat(store.read(id, 0).count().block(TIMEOUT)).isEqualTo(1);
    }

    @Test
    void keysAreKeptWhileTheirFrameIsRetained() {
        store.close();
        store = createStore(limits().toBuilder().historyFrames(5).build());
        String id = newSessionId();
        create(id);
        store.appendOnce(id, "early", tick(1)).block(TIMEOUT);
        appendDeltas(id, 4);
        assertThat(store.appendOnce(id, "early", tick(1)).block(TIMEOUT)).as("seq 1 is still retained")
                .isEqualTo(new OnceAppend(1, true));

        appendDeltas(id, 1);

        assertThat(store.appendOnce(id, "early", tick(1)).block(TIMEOUT))
                .as("seq 1 was trimmed, and the key with it: a new frame")
                .isEqualTo(new OnceAppend(7, false));
    }

    @Test
    void clientMessagesAreStoredExactlyOnceAndInOrder() {
        String id = newSessionId();
        create(id);
        var first = new UserMessage(1, "hello");
        var second = new ClientEvent(2, "typing", JsonNodeFactory.instance.booleanNode(true));
        var third = new Cancel(3, 1);

        assertThat(store.appendClient(id, first, "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.STORED, 1));
        assertThat(store.appendClient(id, first, "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.DUPLICATE, 1));
        assertThat(store.appendClient(id, third, "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.OUT_OF_ORDER, 1));
        assertThat(store.appendClient(id, second, "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.STORED, 2));
        assertThat(store.appendClient(id, third, "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.STORED, 3));
        assertThat(store.appendClient(id, new UserMessage(2, "late duplicate"), "node-a", LEASE).block(TIMEOUT))
                .isEqualTo(new ClientAppend(ClientAppend.Outcome.DUPLICATE, 3));

        StepVerifier.create(store.readClient(id, 0)).expectNext(first, second, third).expectComplete()
                .verify(TIMEOUT);
        StepVerifier.create(store.readClient(id, 2)).expectNext(third).expectComplete().verify(TIMEOUT);
        assertThat(store.find(id).block(TIMEOUT).ackedCseq()).isEqualTo(3);
    }

    @Test
    void concurrentDuplicatesAreStoredOnce() {
        String id = newSessionId();
        create(id);
        var message = new UserMessage(1, "sent twice at once");

        List<ClientAppend> results = Flux.range(0, 20)
                .flatMap(i -> store.appendClient(id, message, "node-a", LEASE).subscribeOn(Schedulers.parallel()))
                .collectList()
                .block(TIMEOUT);

        assertThat(results).filteredOn(r -> r.outcome() == ClientAppend.Outcome.STORED).hasSize(1);
        assertThat(results).allMatch(r -> r.ackedCseq() == 1);
        assertThat(store.readClient(id, 0).collectList().block(TIMEOUT)).containsExactly(message);
    }

    @Test
    void attachTakesOverAndStaleDetachChangesNothing() {
        String id = newSessionId();
        Attachment first = create(id);

        Attachment second = store.attach(id, "node-b").block(TIMEOUT);

        assertThat(second.generation()).isGreaterThan(first.generation());
        StepVerifier.create(first.superseded()).expectComplete().verify(TIMEOUT);
        store.detach(id, first.generation()).block(TIMEOUT);
        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record.connected()).isTrue();
        assertThat(record.generation()).isEqualTo(second.generation());
        assertThat(record.ownerNode()).isEqualTo("node-b");

        store.detach(id, second.generation()).block(TIMEOUT);
        assertThat(store.find(id).block(TIMEOUT).connected()).isFalse();
        StepVerifier.create(second.superseded().timeout(Duration.ofMillis(200)))
                .expectError(java.util.concurrent.TimeoutException.class)
                .verify(TIMEOUT);
    }

    @Test
    void followReplaysHistoryThenDeliversLiveFramesInOrder() {
        String id = newSessionId();
        create(id);
        appendDeltas(id, 3);

        StepVerifier.create(store.follow(id, 1).map(Sequenced::seq).take(6))
                .expectNext(2L, 3L)
                .then(() -> appendDeltas(id, 4))
                .expectNext(4L, 5L, 6L, 7L)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void followMissesNothingWhileAppendsRaceTheReplay() {
        String id = newSessionId();
        create(id);
        appendDeltas(id, 50);

        Flux<Long> followed = store.follow(id, 0).map(Sequenced::seq).take(250);
        Flux<Sequenced> appends = Flux.range(1, 200)
                .flatMap(i -> store.append(id, delta(2, "r" + i)).subscribeOn(Schedulers.parallel()), 16);

        List<Long> seen = Flux.merge(followed, appends.thenMany(Flux.<Long>empty()))
                .collectList()
                .block(TIMEOUT);

        assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, 250).boxed().toList());
    }

    @Test
    void removedSessionIsGoneAndItsFollowersComplete() {
        String id = newSessionId();
        create(id);
        appendDeltas(id, 2);

        StepVerifier.create(store.follow(id, 0).map(Sequenced::seq))
                .expectNext(1L, 2L)
                .then(() -> store.remove(id).block(TIMEOUT))
                .expectComplete()
                .verify(TIMEOUT);

        StepVerifier.create(store.find(id)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.remove(id)).expectComplete().verify(TIMEOUT);
    }

    @Test
    void disconnectedSessionExpiresAfterGrace() throws InterruptedException {
        String id = newSessionId();
        Attachment attachment = create(id);
        String connectedId = newSessionId();
        create(connectedId);

        store.detach(id, attachment.generation()).block(TIMEOUT);
        elapse(limits().grace().multipliedBy(3));

        StepVerifier.create(store.find(id)).expectComplete().verify(TIMEOUT);
        assertThat(store.find(connectedId).block(TIMEOUT)).as("a connected session does not expire").isNotNull();
    }

    @Test
    void aSessionNeverUsedGetsTheUnusedGraceAndStaysResumableWhileItLives() throws InterruptedException {
        Duration unusedGrace = Duration.ofMillis(500);
        store.close();
        // A grace far longer than the test, so that only the unused grace can end a session here.
        store = createStore(limits().toBuilder().grace(Duration.ofMinutes(1)).unusedGrace(unusedGrace).build());
        String unused = newSessionId();
        String messaged = newSessionId();
        String pushedWhileAway = newSessionId();
        String resumed = newSessionId();
        for (String id : List.of(unused, messaged, pushedWhileAway, resumed)) {
            Attachment attachment = create(id);
            if (id.equals(messaged)) {
                store.appendClient(id, new ClientEvent(1, "typing", null), "node-a", LEASE).block(TIMEOUT);
            }
            store.detach(id, attachment.generation()).block(TIMEOUT);
        }
        store.append(pushedWhileAway, delta(1, "while away")).block(TIMEOUT);
        Attachment again = store.attach(resumed, "node-b").block(TIMEOUT);
        assertThat(again).as("its holder can resume an unused session while it lives").isNotNull();
        store.detach(resumed, again.generation()).block(TIMEOUT);

        elapse(unusedGrace.multipliedBy(3));

        StepVerifier.create(store.find(unused)).as("never used: gone after the unused grace")
                .expectComplete().verify(TIMEOUT);
        for (String id : List.of(messaged, pushedWhileAway, resumed)) {
            assertThat(store.find(id).block(TIMEOUT)).as("used sessions get the full grace: " + id).isNotNull();
        }
        assertThat(store.stats().block(TIMEOUT).total()).isEqualTo(3);
    }

    @Test
    void reattachWithinGraceKeepsTheSession() throws InterruptedException {
        String id = newSessionId();
        Attachment attachment = create(id);
        appendDeltas(id, 2);

        store.detach(id, attachment.generation()).block(TIMEOUT);
        elapse(limits().grace().dividedBy(4));
        Attachment again = store.attach(id, "node-b").block(TIMEOUT);
        elapse(limits().grace().multipliedBy(2));

        assertThat(again.session().lastSeq()).isEqualTo(2);
        SessionRecord record = store.find(id).block(TIMEOUT);
        assertThat(record).isNotNull();
        assertThat(record.connected()).isTrue();
        assertThat(store.read(id, 0).count().block(TIMEOUT)).isEqualTo(2);
    }

    /** Stores user messages 1..count, each leasing its reply for {@code lease}. */
    private void storeUserMessages(String id, int count, Duration lease) {
        for (long cseq = 1; cseq <= count; cseq++) {
            store.appendClient(id, new UserMessage(cseq, "m" + cseq), "node-a", lease).block(TIMEOUT);
        }
    }

    /** Appends part {@code part} of the reply to {@code replyTo} as node-a, renewing its lease for {@link #LEASE}. */
    private Mono<Sequenced> appendReply(String id, long replyTo, long part, Sequenced frame) {
        return store.appendReply(id, replyTo, part, frame, "node-a", LEASE);
    }

    private List<Sequenced> endLapsed(String id) {
        return store.endLapsedReplies(id, Set.of(), "node-b", LEASE).collectList().block(TIMEOUT);
    }

    private static AssistantDone interrupted(long seq, long replyTo) {
        return new AssistantDone(seq, replyTo, DoneReason.INTERRUPTED);
    }

    @Test
    void lapsedRepliesAreEndedInterruptedUnlessRenewedOrDone() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 3, Duration.ofMillis(300));
        assertThat(endLapsed(id)).as("nothing has lapsed yet").isEmpty();

        appendReply(id, 2, 0, AssistantDone.of(2, DoneReason.COMPLETE)).block(TIMEOUT);
        elapse(Duration.ofMillis(200));
        // Renewed past the test's end: reply 3 must not lapse, however slowly a real store's time passes.
        store.renewReply(id, 3, "node-a", LEASE).block(TIMEOUT);
        elapse(Duration.ofMillis(200));

        assertThat(endLapsed(id)).as("seq 1 is reply 2's done; reply 3 was renewed")
                .containsExactly(interrupted(2, 1));
        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).as("the log")
                .containsExactly(new AssistantDone(1, 2, DoneReason.COMPLETE), interrupted(2, 1));
        assertThat(endLapsed(id)).as("an ended reply is not ended again").isEmpty();
    }

    @Test
    void aLapsedReplyIsEndedByOneCallerOnly() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 5, Duration.ofMillis(100));
        elapse(Duration.ofMillis(200));

        List<Sequenced> ended = Flux.range(0, 8)
                .flatMap(i -> store.endLapsedReplies(id, Set.of(), "node-" + i, LEASE)
                        .subscribeOn(Schedulers.parallel()))
                .collectList()
                .block(TIMEOUT);

        assertThat(ended).extracting(frame -> ((AssistantDone) frame).replyTo())
                .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).as("one done per reply, no gap")
                .hasSize(5).allMatch(frame -> frame instanceof AssistantDone done
                        && done.reason() == DoneReason.INTERRUPTED);
    }

    @Test
    void aLapsedReplyTheCallerStillProducesIsRenewedNotEnded() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 2, Duration.ofMillis(100));
        elapse(Duration.ofMillis(200));

        StepVerifier.create(store.endLapsedReplies(id, Set.of(2L), "node-a", LEASE))
                .expectNext(interrupted(1, 1)).expectComplete().verify(TIMEOUT);

        assertThat(appendReply(id, 2, 0, delta(2, "still here")).block(TIMEOUT).seq()).isEqualTo(2);
        elapse(Duration.ofMillis(200));
        assertThat(endLapsed(id)).as("renewed for LEASE").isEmpty();
    }

    // ---------------------------------------------------------------- node liveness and takeover

    /** A node id no other test uses, for the stores whose node records outlive a test (a shared server). */
    private String newNodeId(String name) {
        return name + "-" + SessionTokens.newSessionId().substring(0, 12);
    }

    @Test
    void aNodeIsAliveWhileItsHeartbeatsComeAndDeadUntilForgotten() throws InterruptedException {
        String node = newNodeId("beating");
        assertThat(store.isNodeAlive(node).block(TIMEOUT)).as("never seen").isFalse();
        assertThat(store.deadNodes().collectList().block(TIMEOUT)).as("never registered").doesNotContain(node);

        store.heartbeatNode(node, Duration.ofMillis(300)).block(TIMEOUT);
        assertThat(store.isNodeAlive(node).block(TIMEOUT)).isTrue();
        assertThat(store.deadNodes().collectList().block(TIMEOUT)).doesNotContain(node);
        StepVerifier.create(store.forgetNode(node)).as("alive: kept").expectComplete().verify(TIMEOUT);

        elapse(Duration.ofMillis(400));
        assertThat(store.isNodeAlive(node).block(TIMEOUT)).as("its record lapsed").isFalse();
        assertThat(store.deadNodes().collectList().block(TIMEOUT)).as("still registered").contains(node);

        store.heartbeatNode(node, LEASE).block(TIMEOUT);
        assertThat(store.isNodeAlive(node).block(TIMEOUT)).as("only slow: alive again").isTrue();
        assertThat(store.deadNodes().collectList().block(TIMEOUT)).doesNotContain(node);

        store.heartbeatNode(node, Duration.ofMillis(100)).block(TIMEOUT);
        elapse(Duration.ofMillis(200));
        store.forgetNode(node).block(TIMEOUT);
        assertThat(store.deadNodes().collectList().block(TIMEOUT)).as("forgotten").doesNotContain(node);
    }

    @Test
    void theReplyLeasesOfASessionAreFoundInReplyToOrder() {
        String id = newSessionId();
        create(id);
        store.appendClient(id, new UserMessage(1, "one"), "node-a", LEASE).block(TIMEOUT);
        store.appendClient(id, new ClientEvent(2, "typing", null), "node-a", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(3, "three"), "node-b", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(4, "four"), "node-c", LEASE).block(TIMEOUT);
        store.appendReply(id, 4, 0, AssistantDone.of(4, DoneReason.COMPLETE), "node-c", LEASE).block(TIMEOUT);

        assertThat(store.findReplyLeases(id).collectList().block(TIMEOUT))
                .as("replies in progress only, no event")
                .extracting(ReplyLease::replyTo, ReplyLease::nodeId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, "node-a"),
                        org.assertj.core.groups.Tuple.tuple(3L, "node-b"));
    }

    @Test
    void aTakeOverMovesTheRepliesOfDeadNodesOnceAndFencesTheirFormerProducer() {
        String id = newSessionId();
        create(id);
        store.appendClient(id, new UserMessage(1, "one"), "node-a", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(2, "two"), "node-b", LEASE).block(TIMEOUT);
        Sequenced first = store.appendReply(id, 1, 0, delta(1, "Hel"), "node-a", LEASE).block(TIMEOUT);

        List<TakenReply> taken = Flux.range(0, 8)
                .flatMap(i -> store.takeOverReplies(id, Set.of("node-a", "node-x"), "node-" + (char) ('c' + i),
                        LEASE).subscribeOn(Schedulers.parallel()))
                .collectList()
                .block(TIMEOUT);

        assertThat(taken).as("one winner, with the reply's progress").containsExactly(
                new TakenReply(1, 1, first.seq(), 1, false));
        String winner = store.findReplyLease(id, 1).block(TIMEOUT).nodeId();
        assertThat(winner).isNotEqualTo("node-a");
        assertThat(store.findReplyLease(id, 2).block(TIMEOUT).nodeId()).as("other nodes' leases stay")
                .isEqualTo("node-b");

        StepVerifier.create(store.appendReply(id, 1, 1, delta(1, "lo"), "node-a", LEASE)).as("fenced out")
                .expectErrorMatches(SessionStoreException::isReplyEnded).verify(TIMEOUT);
        StepVerifier.create(store.appendReply(id, 1, 0, delta(1, "Hel"), "node-a", LEASE))
                .as("also its part sent again").expectErrorMatches(SessionStoreException::isReplyEnded)
                .verify(TIMEOUT);
        StepVerifier.create(store.renewReply(id, 1, "node-a", LEASE)).as("its renewal takes nothing back")
                .expectErrorMatches(SessionStoreException::isReplyEnded).verify(TIMEOUT);
        assertThat(store.appendReply(id, 1, 1, delta(1, "lo"), winner, LEASE).block(TIMEOUT).seq())
                .as("the winner goes on with the next part").isEqualTo(first.seq() + 1);

        assertThat(store.takeOverReplies(id, Set.of(winner), "node-z", LEASE).collectList().block(TIMEOUT))
                .as("taken over again, counted again")
                .containsExactly(new TakenReply(1, 2, first.seq() + 1, 2, false));
        store.appendReply(id, 1, 2, AssistantDone.of(1, DoneReason.COMPLETE), "node-z", LEASE).block(TIMEOUT);
        assertThat(store.takeOverReplies(id, Set.of("node-z", "node-b"), "node-y", LEASE).collectList()
                .block(TIMEOUT)).as("an ended reply is not taken").containsExactly(new TakenReply(2, 0, 0, 1, false));
    }

    @Test
    void aCancelRequestedOfADeadNodesReplyReachesTheNodeThatTakesItOver() {
        String id = newSessionId();
        create(id);
        store.appendClient(id, new UserMessage(1, "one"), "node-a", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(2, "two"), "node-a", LEASE).block(TIMEOUT);

        store.requestCancel(id, 1).block(TIMEOUT);

        assertThat(store.takeOverReplies(id, Set.of("node-a"), "node-b", LEASE).collectList().block(TIMEOUT))
                .containsExactly(new TakenReply(1, 0, 0, 1, true), new TakenReply(2, 0, 0, 1, false));
        store.appendReply(id, 1, 0, AssistantDone.of(1, DoneReason.CANCELLED), "node-b", LEASE).block(TIMEOUT);
    }

    @Test
    void aNodesSessionsAreFoundUntilItIsForgotten() {
        String dead = newNodeId("dead");
        String alive = newNodeId("alive");
        String taker = newNodeId("taker");
        String first = newSessionId();
        String second = newSessionId();
        create(first);
        create(second);
        store.appendClient(first, new UserMessage(1, "one"), dead, LEASE).block(TIMEOUT);
        store.heartbeatNode(alive, LEASE).block(TIMEOUT);
        store.appendClient(second, new UserMessage(1, "one"), alive, LEASE).block(TIMEOUT);

        assertThat(store.sessionsOfNode(dead).collectList().block(TIMEOUT)).contains(first);
        assertThat(store.sessionsOfNode(alive).collectList().block(TIMEOUT)).contains(second);

        store.takeOverReplies(first, Set.of(dead), taker, LEASE).blockLast(TIMEOUT);
        assertThat(store.sessionsOfNode(taker).collectList().block(TIMEOUT)).as("the taker's now").contains(first);
        store.forgetNode(dead).block(TIMEOUT);
        store.forgetNode(alive).block(TIMEOUT);
        assertThat(store.sessionsOfNode(dead).collectList().block(TIMEOUT)).doesNotContain(first);
        assertThat(store.sessionsOfNode(alive).collectList().block(TIMEOUT)).as("alive: not forgotten")
                .contains(second);
    }

    /** Stores client events 1..count, named e1, e2, ..., each leasing its handling to node-a for {@code lease}. */
    private void storeEvents(String id, int count, Duration lease) {
        for (long cseq = 1; cseq <= count; cseq++) {
            store.appendClient(id, event(cseq), "node-a", lease).block(TIMEOUT);
        }
    }

    private static ClientEvent event(long cseq) {
        return new ClientEvent(cseq, "e" + cseq, JsonNodeFactory.instance.objectNode().put("n", "v" + cseq));
    }

    private List<ClientEvent> claimLapsed(String id, String nodeId, Duration ttl) {
        return store.claimLapsedEvents(id, Set.of(), nodeId, ttl).collectList().block(TIMEOUT);
    }

    @Test
    void storingAClientEventLeasesItsHandlingInTheSameStep() throws InterruptedException {
        String id = newSessionId();
        create(id);
        Duration lease = Duration.ofSeconds(1);

        store.appendClient(id, event(1), "node-a", lease).block(TIMEOUT);
        store.appendClient(id, event(1), "node-b", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(2, "hi"), "node-a", lease).block(TIMEOUT);
        store.appendClient(id, new Cancel(3, 2), "node-a", lease).block(TIMEOUT);
        assertThat(claimLapsed(id, "node-b", LEASE)).as("nothing has lapsed yet").isEmpty();
        elapse(Duration.ofMillis(1200));

        assertThat(claimLapsed(id, "node-b", LEASE))
                .as("only the event, leased when it was stored; the duplicate took no lease")
                .containsExactly(event(1));
        assertThat(endLapsed(id)).as("a reply's lease is not an event's, nor the other way round")
                .containsExactly(interrupted(1, 2));
    }

    @Test
    void aClaimMovesTheLeaseToTheClaimerAndOnlyTheHolderRenewsIt() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeEvents(id, 2, Duration.ofMillis(300));
        store.renewEvent(id, 2, "node-a", LEASE).block(TIMEOUT);
        elapse(Duration.ofMillis(400));

        assertThat(claimLapsed(id, "node-b", Duration.ofMillis(300))).as("event 2 was renewed by its holder")
                .containsExactly(event(1));
        assertThat(claimLapsed(id, "node-c", LEASE)).as("claimed: leased to node-b now").isEmpty();
        // node-a was given up on: its late renewal must not take the event back from node-b.
        store.renewEvent(id, 1, "node-a", LEASE).block(TIMEOUT);
        elapse(Duration.ofMillis(400));

        assertThat(claimLapsed(id, "node-c", LEASE)).as("node-b's lease lapsed in turn").containsExactly(event(1));
    }

    @Test
    void aHandledEventIsNeverClaimed() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeEvents(id, 3, Duration.ofMillis(100));
        store.eventHandled(id, 2).block(TIMEOUT);
        StepVerifier.create(store.eventHandled(id, 2)).as("handled twice, or never leased").expectComplete()
                .verify(TIMEOUT);
        StepVerifier.create(store.renewEvent(id, 2, "node-a", LEASE)).as("a renewal creates no lease")
                .expectComplete().verify(TIMEOUT);
        elapse(Duration.ofMillis(200));

        assertThat(claimLapsed(id, "node-b", LEASE)).as("in cseq order").containsExactly(event(1), event(3));
        store.eventHandled(id, 1).block(TIMEOUT);
        store.eventHandled(id, 3).block(TIMEOUT);
        elapse(Duration.ofMillis(200));
        assertThat(claimLapsed(id, "node-c", Duration.ofMillis(100))).isEmpty();
    }

    @Test
    void aLapsedEventIsClaimedByOneCallerOnly() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeEvents(id, 5, Duration.ofMillis(100));
        elapse(Duration.ofMillis(200));

        List<ClientEvent> claimed = Flux.range(0, 8)
                .flatMap(i -> store.claimLapsedEvents(id, Set.of(), "node-" + i, LEASE)
                        .subscribeOn(Schedulers.parallel()))
                .collectList()
                .block(TIMEOUT);

        assertThat(claimed).containsExactlyInAnyOrder(event(1), event(2), event(3), event(4), event(5));
    }

    @Test
    void aLapsedEventTheCallerStillHandlesIsRenewedNotClaimed() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeEvents(id, 2, Duration.ofMillis(100));
        elapse(Duration.ofMillis(200));

        StepVerifier.create(store.claimLapsedEvents(id, Set.of(2L), "node-a", LEASE))
                .expectNext(event(1)).expectComplete().verify(TIMEOUT);

        elapse(Duration.ofMillis(200));
        assertThat(claimLapsed(id, "node-b", LEASE)).as("both leased for LEASE").isEmpty();
    }

    @Test
    void aLapsedEventNoLongerRetainedIsNotClaimedAndItsLeaseEnds() throws InterruptedException {
        store.close();
        store = createStore(limits().toBuilder().historyFrames(2).build());
        String id = newSessionId();
        create(id);
        storeEvents(id, 3, Duration.ofMillis(100));
        elapse(Duration.ofMillis(200));

        assertThat(claimLapsed(id, "node-b", Duration.ofMillis(100)))
                .as("event 1 was trimmed from the client messages: there is nothing to hand over")
                .containsExactly(event(2), event(3));
        store.eventHandled(id, 2).block(TIMEOUT);
        store.eventHandled(id, 3).block(TIMEOUT);
        elapse(Duration.ofMillis(200));
        assertThat(claimLapsed(id, "node-c", LEASE)).as("event 1's lease ended with the first claim").isEmpty();
    }

    @Test
    void eventLeasesGoWithTheSession() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeEvents(id, 2, Duration.ofMillis(100));
        store.remove(id).block(TIMEOUT);
        create(id);
        store.appendClient(id, new UserMessage(1, "hi"), "node-a", LEASE).block(TIMEOUT);
        elapse(Duration.ofMillis(200));

        assertThat(claimLapsed(id, "node-b", LEASE)).as("the old session's leases are gone").isEmpty();
    }

    @Test
    void storingAUserMessageLeasesItsReplyInTheSameStep() throws InterruptedException {
        String id = newSessionId();
        create(id);
        // Long enough that nothing lapses during the four calls on a real store, even a slow one.
        Duration lease = Duration.ofSeconds(1);

        store.appendClient(id, new UserMessage(1, "hi"), "node-a", lease).block(TIMEOUT);
        store.appendClient(id, new UserMessage(1, "hi"), "node-b", LEASE).block(TIMEOUT);
        store.appendClient(id, new ClientEvent(2, "typing", null), "node-a", lease).block(TIMEOUT);
        store.appendClient(id, new Cancel(3, 1), "node-a", lease).block(TIMEOUT);
        assertThat(endLapsed(id)).isEmpty();
        elapse(Duration.ofMillis(1200));

        assertThat(endLapsed(id))
                .as("only the user message's reply, leased when it was stored; the duplicate took no lease")
                .containsExactly(interrupted(1, 1));
    }

    @Test
    void aReplyTakesFramesOnlyWhileItIsLeased() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 2, Duration.ofMillis(100));

        assertThat(appendReply(id, 1, 0, delta(1, "one")).block(TIMEOUT).seq()).isEqualTo(1);
        assertThat(appendReply(id, 1, 1, AssistantDone.of(1, DoneReason.COMPLETE)).block(TIMEOUT).seq())
                .isEqualTo(2);
        elapse(Duration.ofMillis(200));
        assertThat(endLapsed(id)).as("reply 2 lapsed; reply 1 is done").containsExactly(interrupted(3, 2));

        StepVerifier.create(appendReply(id, 1, 2, AssistantDone.of(1, DoneReason.FAILED)))
                .as("a second done of a finished reply")
                .expectErrorMatches(SessionStoreException::isReplyEnded).verify(TIMEOUT);
        StepVerifier.create(appendReply(id, 2, 0, delta(2, "late")))
                .as("a slow producer's delta after its reply was ended interrupted")
                .expectErrorMatches(SessionStoreException::isReplyEnded).verify(TIMEOUT);
        StepVerifier.create(appendReply(id, 7, 0, delta(7, "never asked")))
                .as("a reply that was never leased")
                .expectErrorMatches(SessionStoreException::isReplyEnded).verify(TIMEOUT);
        assertThat(store.read(id, 0).count().block(TIMEOUT)).as("nothing appended by the fenced calls").isEqualTo(3);
    }

    @Test
    void appendingAPartRenewsTheLease() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 2, Duration.ofMillis(300));
        elapse(Duration.ofMillis(200));
        // Renewed past the test's end, so the verdict holds however slowly a real store's time passes.
        store.appendReply(id, 1, 0, delta(1, "still writing"), "node-a", LEASE).block(TIMEOUT);
        elapse(Duration.ofMillis(200));

        assertThat(endLapsed(id)).as("reply 2 lapsed; reply 1 was renewed by its append")
                .containsExactly(interrupted(2, 2));
    }

    @Test
    void aReplysLeaseNamesTheNodeThatStoredItsMessageUntilItEnds() {
        String id = newSessionId();
        create(id);
        store.appendClient(id, new UserMessage(1, "hi"), "node-a", LEASE).block(TIMEOUT);
        store.appendClient(id, new ClientEvent(2, "typing", null), "node-a", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(1, "hi"), "node-b", LEASE).block(TIMEOUT);

        ReplyLease lease = store.findReplyLease(id, 1).block(TIMEOUT);
        assertThat(lease).isNotNull();
        assertThat(lease.replyTo()).isEqualTo(1);
        assertThat(lease.nodeId()).as("the duplicate took no lease").isEqualTo("node-a");
        StepVerifier.create(store.findReplyLease(id, 2)).as("an event has no reply").expectComplete().verify(TIMEOUT);

        appendReply(id, 1, 0, AssistantDone.of(1, DoneReason.COMPLETE)).block(TIMEOUT);
        StepVerifier.create(store.findReplyLease(id, 1)).as("ended").expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.findReplyLease("contract-missing", 1))
                .expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
    }

    @Test
    void aReplyPartSentAgainIsStoredOnce() {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 1, LEASE);

        assertThat(appendReply(id, 1, 0, delta(1, "one")).block(TIMEOUT).seq()).isEqualTo(1);
        assertThat(appendReply(id, 1, 0, delta(1, "one")).block(TIMEOUT).seq()).as("the retry: stored before")
                .isEqualTo(1);
        assertThat(appendReply(id, 1, 1, delta(1, " two")).block(TIMEOUT).seq()).isEqualTo(2);
        StepVerifier.create(appendReply(id, 1, 0, delta(1, "one"))).as("not the last part stored")
                .expectErrorMatches(SessionStoreException::isPartNotNext).verify(TIMEOUT);
        StepVerifier.create(appendReply(id, 1, 3, delta(1, " four"))).as("a part skipped")
                .expectErrorMatches(SessionStoreException::isPartNotNext).verify(TIMEOUT);
        store.renewReply(id, 1, "node-a", LEASE).block(TIMEOUT);
        assertThat(appendReply(id, 1, 2, AssistantDone.of(1, DoneReason.COMPLETE)).block(TIMEOUT).seq())
                .as("a renewal keeps the count").isEqualTo(3);
        StepVerifier.create(appendReply(id, 1, 2, AssistantDone.of(1, DoneReason.COMPLETE)))
                .as("the done sent again: the reply has ended").expectErrorMatches(SessionStoreException::isReplyEnded)
                .verify(TIMEOUT);

        assertThat(store.read(id, 0).collectList().block(TIMEOUT)).containsExactly(
                new AssistantDelta(1, 1, "one"), new AssistantDelta(2, 1, " two"),
                new AssistantDone(3, 1, DoneReason.COMPLETE));
    }

    @Test
    void aRenewalAfterTheDoneDoesNotBringTheLeaseBack() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 1, Duration.ofMillis(100));
        appendReply(id, 1, 0, AssistantDone.of(1, DoneReason.COMPLETE)).block(TIMEOUT);

        StepVerifier.create(store.renewReply(id, 1, "node-a", Duration.ofMillis(100)))
                .expectErrorMatches(SessionStoreException::isReplyEnded).verify(TIMEOUT);
        elapse(Duration.ofMillis(200));

        assertThat(endLapsed(id)).as("the finished reply is not ended a second time").isEmpty();
    }

    @Test
    void aPlainAppendLeavesLeasesAlone() throws InterruptedException {
        String id = newSessionId();
        create(id);
        storeUserMessages(id, 1, Duration.ofMillis(100));
        store.append(id, ServerEvent.of("tool", JsonNodeFactory.instance.objectNode())).block(TIMEOUT);
        elapse(Duration.ofMillis(200));

        assertThat(endLapsed(id)).containsExactly(interrupted(2, 1));
    }

    @Test
    void statsCountConnectedAndDisconnectedSessions() {
        SessionStats before = store.stats().block(TIMEOUT);
        Attachment a = create(newSessionId());
        create(newSessionId());

        store.detach(a.session().sessionId(), a.generation()).block(TIMEOUT);

        SessionStats after = store.stats().block(TIMEOUT);
        assertThat(after.total() - before.total()).isEqualTo(2);
        assertThat(after.connected() - before.connected()).isEqualTo(1);
        assertThat(after.disconnected() - before.disconnected()).isEqualTo(1);
        assertThat(store.isReady()).isTrue();
    }

    @Test
    void aCancelRequestReachesTheNodeProducingTheReplyAndNoOther() throws InterruptedException {
        String id = newSessionId();
        create(id);
        store.appendClient(id, new UserMessage(1, "for b"), "node-b", LEASE).block(TIMEOUT);
        store.appendClient(id, new UserMessage(2, "for c"), "node-c", LEASE).block(TIMEOUT);
        List<CancelRequest> heardByB = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<CancelRequest> heardByC = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable b = store.cancelRequests("node-b").subscribe(heardByB::add);
        reactor.core.Disposable c = store.cancelRequests("node-c").subscribe(heardByC::add);
        try {
            // The listeners hear requests once their subscriptions are in place, which the store confirms
            // asynchronously: send until heard.
            requestUntilHeard(id, 1, heardByB);
            requestUntilHeard(id, 2, heardByC);

            assertThat(heardByB).as("node-b produces only reply 1").containsOnly(new CancelRequest(id, 1));
            assertThat(heardByC).as("node-c produces only reply 2").containsOnly(new CancelRequest(id, 2));
        } finally {
            b.dispose();
            c.dispose();
        }
    }

    @Test
    void aCancelRequestForAReplyThatEndedOrNeverWasCompletesAndReachesNobody() throws InterruptedException {
        String id = newSessionId();
        create(id);
        store.appendClient(id, new UserMessage(1, "ended"), "node-b", LEASE).block(TIMEOUT);
        appendReplyAs(id, 1, "node-b");
        store.appendClient(id, new UserMessage(2, "running"), "node-b", LEASE).block(TIMEOUT);
        List<CancelRequest> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable listening = store.cancelRequests("node-b").subscribe(heard::add);
        try {
            requestUntilHeard(id, 2, heard);
            StepVerifier.create(store.requestCancel(id, 1)).as("ended").expectComplete().verify(TIMEOUT);
            StepVerifier.create(store.requestCancel(id, 9)).as("never stored").expectComplete().verify(TIMEOUT);
            // A request sent after these reaches node-b after them: only it may be heard.
            heard.clear();
            requestUntilHeard(id, 2, heard);
            assertThat(heard).containsOnly(new CancelRequest(id, 2));
            StepVerifier.create(store.requestCancel("contract-missing", 1))
                    .expectErrorMatches(SessionStoreException::isNotFound).verify(TIMEOUT);
        } finally {
            listening.dispose();
        }
    }

    private void appendReplyAs(String id, long replyTo, String nodeId) {
        store.appendReply(id, replyTo, 0, AssistantDone.of(replyTo, DoneReason.COMPLETE), nodeId, LEASE)
                .block(TIMEOUT);
    }

    private void requestUntilHeard(String id, long replyTo, List<CancelRequest> heard) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!heard.contains(new CancelRequest(id, replyTo))) {
            assertThat(System.nanoTime() - deadline).as("a cancel request of reply %d heard", replyTo).isNegative();
            store.requestCancel(id, replyTo).block(TIMEOUT);
            Thread.sleep(50);
        }
    }

    // ---------------------------------------------------------------- state

    private static ObjectNode object(String field, String value) {
        return JsonNodeFactory.instance.objectNode().put(field, value);
    }

    @Test
    void aNewSessionsStateIsTheEmptyObjectAtVersionZero() {
        String id = newSessionId();
        create(id);

        assertThat(store.readState(id).block(TIMEOUT)).isEqualTo(SessionState.initial());
    }

    @Test
    void eachWriteReplacesTheStateAndCountsOneVersion() {
        String id = newSessionId();
        create(id);

        SessionState first = store.writeState(id, 0, object("digits", "12")).block(TIMEOUT);
        SessionState second = store.writeState(id, SessionState.ANY_VERSION, object("lang", "fr")).block(TIMEOUT);

        assertThat(first).isEqualTo(new SessionState(1, object("digits", "12")));
        assertThat(second).isEqualTo(new SessionState(2, object("lang", "fr")));
        assertThat(store.readState(id).block(TIMEOUT)).as("replaced, not merged").isEqualTo(second);
    }

    @Test
    void aCompareAndSetAtAnotherVersionConflictsAndWritesNothing() {
        String id = newSessionId();
        create(id);
        store.writeState(id, 0, object("digits", "1")).block(TIMEOUT);

        for (long stale : new long[] {0, 2}) {
            StepVerifier.create(store.writeState(id, stale, object("digits", "x")))
                    .expectErrorSatisfies(e -> {
                        assertThat(SessionStoreException.isStateConflict(e)).isTrue();
                        assertThat(e).hasMessageContaining("version 1, not " + stale);
                    })
                    .verify(TIMEOUT);
        }
        assertThat(store.readState(id).block(TIMEOUT)).isEqualTo(new SessionState(1, object("digits", "1")));
        StepVerifier.create(store.writeState(id, -2, object("digits", "x")))
                .expectError(IllegalArgumentException.class).verify(TIMEOUT);
    }

    @Test
    void ofConcurrentCompareAndSetsOnTheSameVersionExactlyOneWins() {
        String id = newSessionId();
        create(id);
        int writers = 16;

        List<Boolean> won = Flux.range(0, writers)
                .flatMap(i -> store.writeState(id, 0, object("writer", "w" + i))
                        .map(written -> true)
                        .onErrorResume(SessionStoreException::isStateConflict, e -> Mono.just(false))
                        .subscribeOn(Schedulers.parallel()), writers)
                .collectList()
                .block(TIMEOUT);

        assertThat(won).filteredOn(w -> w).hasSize(1);
        assertThat(store.readState(id).block(TIMEOUT).version()).isEqualTo(1);
    }

    @Test
    void readModifyWriteLoopsLoseNoUpdate() {
        String id = newSessionId();
        create(id);
        int increments = 20;

        Flux.range(0, increments)
                .flatMap(i -> Mono.defer(() -> store.readState(id)
                                .flatMap(state -> {
                                    ObjectNode next = state.value();
                                    next.put("count", next.path("count").asInt() + 1);
                                    return store.writeState(id, state.version(), next);
                                }))
                        .retry(100 * increments)
                        .subscribeOn(Schedulers.parallel()), 4)
                .blockLast(TIMEOUT);

        SessionState state = store.readState(id).block(TIMEOUT);
        assertThat(state.value().get("count").asInt()).isEqualTo(increments);
        assertThat(state.version()).isEqualTo(increments);
    }

    @Test
    void aStateOverTheBoundIsRefusedAndOneAtTheBoundIsKept() {
        String id = newSessionId();
        create(id);
        int max = limits().maxStateBytes();
        // {"s":"..."} is 8 bytes around the text; "é" is 2 bytes in UTF-8, so the bound counts bytes, not chars.
        ObjectNode atBound = object("s", "é".repeat((max - 8) / 2) + "x".repeat((max - 8) % 2));
        ObjectNode overBound = object("s", "é".repeat((max - 8) / 2) + "x".repeat((max - 8) % 2 + 1));

        StepVerifier.create(store.writeState(id, 0, overBound))
                .expectErrorSatisfies(e -> {
                    assertThat(SessionStoreException.isStateTooLarge(e)).isTrue();
                    assertThat(e).hasMessageContaining("a state of " + (max + 1) + " bytes exceeds the limit of "
                            + max + " bytes");
                })
                .verify(TIMEOUT);
        assertThat(store.readState(id).block(TIMEOUT)).isEqualTo(SessionState.initial());
        assertThat(store.writeState(id, 0, atBound).block(TIMEOUT).version()).isEqualTo(1);
        assertThat(store.readState(id).block(TIMEOUT).value()).isEqualTo(atBound);
    }

    @Test
    void theStateExpiresWithItsSessionAndAReusedIdStartsAfresh() throws InterruptedException {
        String id = newSessionId();
        Attachment attachment = create(id);
        store.writeState(id, 0, object("digits", "123")).block(TIMEOUT);

        store.detach(id, attachment.generation()).block(TIMEOUT);
        elapse(limits().grace().multipliedBy(3));

        StepVerifier.create(store.readState(id)).expectErrorMatches(SessionStoreException::isNotFound)
                .verify(TIMEOUT);
        create(id);
        assertThat(store.readState(id).block(TIMEOUT)).isEqualTo(SessionState.initial());
    }

    @Test
    void writingTheStateUsesTheSessionSoItsStateLivesTheFullGrace() throws InterruptedException {
        Duration unusedGrace = Duration.ofMillis(500);
        store.close();
        // A grace far longer than the test, so that only the unused grace can end a session here.
        store = createStore(limits().toBuilder().grace(Duration.ofMinutes(1)).unusedGrace(unusedGrace).build());
        String writtenThenLeft = newSessionId();
        String writtenWhileAway = newSessionId();
        Attachment first = create(writtenThenLeft);
        store.writeState(writtenThenLeft, 0, object("lang", "fr")).block(TIMEOUT);
        store.detach(writtenThenLeft, first.generation()).block(TIMEOUT);
        Attachment second = create(writtenWhileAway);
        store.detach(writtenWhileAway, second.generation()).block(TIMEOUT);
        store.writeState(writtenWhileAway, 0, object("lang", "de")).block(TIMEOUT);
        // A push afterwards uses the first session again; its state must not keep a shorter life than the session.
        store.append(writtenThenLeft, delta(1, "while away")).block(TIMEOUT);

        elapse(unusedGrace.multipliedBy(3));

        assertThat(store.readState(writtenThenLeft).block(TIMEOUT))
                .isEqualTo(new SessionState(1, object("lang", "fr")));
        assertThat(store.readState(writtenWhileAway).block(TIMEOUT))
                .isEqualTo(new SessionState(1, object("lang", "de")));
    }

    @Test
    void theStateOutlivesADetachWithinGrace() throws InterruptedException {
        String id = newSessionId();
        Attachment attachment = create(id);
        store.writeState(id, 0, object("digits", "123")).block(TIMEOUT);

        store.detach(id, attachment.generation()).block(TIMEOUT);
        elapse(limits().grace().dividedBy(4));
        store.attach(id, "node-b").block(TIMEOUT);
        elapse(limits().grace().multipliedBy(2));

        assertThat(store.readState(id).block(TIMEOUT)).isEqualTo(new SessionState(1, object("digits", "123")));
    }

    @Test
    void aRemovedSessionTakesItsStateAlong() {
        String id = newSessionId();
        create(id);
        store.writeState(id, 0, object("digits", "123")).block(TIMEOUT);

        store.remove(id).block(TIMEOUT);

        StepVerifier.create(store.readState(id)).expectErrorMatches(SessionStoreException::isNotFound)
                .verify(TIMEOUT);
        create(id);
        assertThat(store.readState(id).block(TIMEOUT)).isEqualTo(SessionState.initial());
    }
}
