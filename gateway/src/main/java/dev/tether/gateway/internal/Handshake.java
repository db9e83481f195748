package dev.tether.gateway.internal;

import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.GatewayException;
import dev.tether.gateway.LimitsOptions;
import dev.tether.gateway.Principal;
import dev.tether.protocol.Hello;
import dev.tether.protocol.ResumeFailure;
import dev.tether.protocol.session.Attachment;
import dev.tether.protocol.session.SessionStore;
import dev.tether.protocol.session.SessionStoreException;
import dev.tether.protocol.session.SessionTokens;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The handshake of one connection, from the WebSocket upgrade to {@code welcome}: the node's readiness, the wait for
 * {@code hello} (bounded by {@link AwaitingHello}), the connection's place in admission control from {@code hello}
 * on, the handshake timeout, and the session a {@code hello} starts, new or resumed.
 *
 * <p>A failed resume never touches the old session: it starts a new one, and {@code welcome} says why. Resumes that
 * fail for want of the session or its token, or because it belongs to another user, are counted per client address ({@link AddressFailures}); past the limit,
 * the address's resumes are closed with 1008 for a cool-down, creating nothing.
 */
final class Handshake {

    private static final long NO_HELLO = Long.MIN_VALUE;

    private final GatewayConfig config;
    private final SessionStore store;
    private final Admission admission;
    private final AwaitingHello awaitingHello;
    private final AddressFailures failedResumes;
    private final AddressLimits addressLimits;
    private final UserLimits userLimits;
    private final GatewayMetrics metrics;
    private final BooleanSupplier shuttingDown;
    private final Scheduler scheduler;
    private final Consumer<GatewayException> close;
    private final AtomicBoolean admitted = new AtomicBoolean();
    /** Whether this connection is counted against its address's limit of open connections. */
    private final AtomicBoolean addressCounted = new AtomicBoolean();
    /** The user this connection is counted against, once counted; null before and after. */
    private final AtomicReference<String> userCounted = new AtomicReference<>();
    private final Disposable.Composite resources = Disposables.composite();
    /** This connection's place among those awaiting hello; null when it was refused one. */
    private volatile AwaitingHello.Waiter waiter;
    /** When the hello arrived (scheduler nanos), for the metric; {@link #NO_HELLO} before. */
    private volatile long helloAt = NO_HELLO;
    private volatile boolean finished;
    private volatile boolean ended;
    private volatile String clientAddress = ClientAddress.UNKNOWN;

    /**
     * What a handshake started: the attached session, what {@code welcome} tells about it, and whom the connection
     * authenticated as ({@code null} when the node authenticates nobody).
     */
    record Start(Attachment attachment, String token, boolean resumed, ResumeFailure reason, long afterSeq,
                 Principal principal) {
    }

    /** A handshake that closes its connection through {@code close} when it is refused or takes too long. */
    Handshake(GatewayConfig config, SessionStore store, Admission admission, AwaitingHello awaitingHello,
              AddressFailures failedResumes, AddressLimits addressLimits, UserLimits userLimits,
              GatewayMetrics metrics, BooleanSupplier shuttingDown, Scheduler scheduler,
              Consumer<GatewayException> close) {
        this.config = config;
        this.store = store;
        this.admission = admission;
        this.awaitingHello = awaitingHello;
        this.failedResumes = failedResumes;
        this.addressLimits = addressLimits;
        this.userLimits = userLimits;
        this.metrics = metrics;
        this.shuttingDown = shuttingDown;
        this.scheduler = scheduler;
        this.close = close;
    }

    /**
     * Starts the wait for the {@code hello} of a connection just upgraded, unless the node refuses it at once. Returns
     * what to dispose when the connection ends.
     *
     * @param clientAddress where the connection comes from ({@link ClientAddress}), for the limits per address
     */
    Disposable open(String clientAddress) {
        this.clientAddress = clientAddress;
        if (shuttingDown.getAsBoolean()) {
            metrics.refused(GatewayMetrics.Refusal.SHUTTING_DOWN);
            close.accept(GatewayException.shuttingDown(admission.retryAfter()));
            return resources;
        }
        Duration rateLimited = addressLimits.handshake(clientAddress);
        if (!rateLimited.isZero()) {
            metrics.refused(GatewayMetrics.Refusal.ADDRESS_RATE);
            close.accept(GatewayException.addressRateLimited(config.limits().addressHandshakeRate(), rateLimited));
            return resources;
        }
        if (!addressLimits.connect(clientAddress)) {
            metrics.refused(GatewayMetrics.Refusal.ADDRESS_CONNECTIONS);
            close.accept(GatewayException.tooManyConnectionsFromAddress(addressLimits.maxConnections(),
                    admission.retryAfter()));
            return resources;
        }
        addressCounted.set(true);
        if (ended) {
            // Ended while being counted: end() may have looked before the count was set.
            releaseAddress();
        }
        if (!store.isReady()) {
            metrics.refused(GatewayMetrics.Refusal.STORE_UNAVAILABLE);
            close.accept(GatewayException.storeNotReady(Closes.STORE_RETRY_AFTER));
        } else {
            waiter = awaitingHello.enter(this::helloTimedOut);
            if (waiter == null) {
                metrics.refused(GatewayMetrics.Refusal.AWAITING_HELLO);
                close.accept(GatewayException.tooManyAwaitingHello(awaitingHello.limit(), admission.retryAfter()));
            }
        }
        return resources;
    }

    private void helloTimedOut() {
        metrics.refused(GatewayMetrics.Refusal.HELLO_TIMEOUT);
        close.accept(GatewayException.helloTimeout(config.connections().helloTimeout(), admission.retryAfter()));
    }

    private void handshakeTimedOut() {
        if (finished) {
            return;
        }
        metrics.refused(GatewayMetrics.Refusal.HANDSHAKE_TIMEOUT);
        close.accept(GatewayException.handshakeTooSlow(config.connections().handshakeTimeout(),
                admission.retryAfter()));
    }

    /** Starts or resumes the session {@code hello} asks for, for a connection that authenticates as nobody. */
    Mono<Start> hello(Hello hello) {
        return hello(hello, Mono.just(Optional.empty()));
    }

    /**
     * Starts or resumes the session {@code hello} asks for, once the connection's credential is checked and it holds
     * a handshake place; empty when it was refused either or its wait for hello is over (it is being closed already).
     *
     * @param identity whom the connection authenticates as (empty for nobody), or an error that closes it
     */
    Mono<Start> hello(Hello hello, Mono<Optional<Principal>> identity) {
        AwaitingHello.Waiter waiting = waiter;
        if (waiting == null || !awaitingHello.leave(waiting)) {
            return Mono.empty();
        }
        helloAt = scheduler.now(TimeUnit.NANOSECONDS);
        if (hello.resume() != null) {
            Duration coolingDown = failedResumes.coolingDown(clientAddress);
            if (!coolingDown.isZero()) {
                refuseResumes(coolingDown);
                return Mono.empty();
            }
        }
        AddressFailures failedAuth = addressLimits.failedAuth();
        Duration authCoolingDown = failedAuth.coolingDown(clientAddress);
        if (!authCoolingDown.isZero()) {
            // The token is not even read: a guesser learns nothing during the cool-down, right guesses included.
            refuseAuth(authCoolingDown);
            return Mono.empty();
        }
        resources.add(scheduler.schedule(this::handshakeTimedOut, config.connections().handshakeTimeout().toNanos(),
                TimeUnit.NANOSECONDS));
        // Checked before a handshake place is taken: a bad token must not hold one (a fetch of the keys is covered
        // by the handshake timeout).
        return identity
                .onErrorResume(GatewayException.class, refused -> {
                    Duration cooldown = failedAuth.failed(clientAddress);
                    if (cooldown.isZero()) {
                        metrics.refused(GatewayMetrics.Refusal.UNAUTHORIZED);
                        close.accept(refused);
                    } else {
                        refuseAuth(cooldown);
                    }
                    return Mono.empty();
                })
                .filter(principal -> principal.isEmpty() || countUser(principal.get().sub()))
                .flatMap(principal -> admitted(hello, principal.orElse(null)));
    }

    /** Counts the connection against its user's limit, or closes it when the user has the limit open already. */
    private boolean countUser(String sub) {
        if (!userLimits.connect(sub)) {
            metrics.refused(GatewayMetrics.Refusal.USER_CONNECTIONS);
            close.accept(GatewayException.tooManyConnectionsOfUser(config.limits().maxConnectionsPerUser(),
                    userLimits.connectionsRetryAfter()));
            return false;
        }
        userCounted.set(sub);
        if (ended) {
            releaseUser();
        }
        return true;
    }

    private void refuseAuth(Duration coolingDown) {
        metrics.refused(GatewayMetrics.Refusal.FAILED_AUTH);
        close.accept(GatewayException.tooManyFailedAuthentications(config.limits().failedAuthLimit(),
                LimitsOptions.FAILED_AUTH_WINDOW, coolingDown));
    }

    private Mono<Start> admitted(Hello hello, Principal principal) {
        Mono<Boolean> place = admission.acquire()
                .doOnNext(granted -> {
                    if (granted) {
                        admitted.set(true);
                        if (ended) {
                            release();
                        }
                    } else {
                        metrics.refused(GatewayMetrics.Refusal.OVERLOADED);
                        close.accept(GatewayException.overloaded(admission.retryAfter()));
                    }
                })
                .cache();
        // Waits for its place whatever the connection does next; disposing the resources leaves the queue.
        resources.add(place.subscribe());
        Mono<Start> start = hello.resume() == null ? fresh(null, principal) : resume(hello.resume(), principal);
        return place.filter(Boolean::booleanValue).flatMap(granted -> start);
    }

    /** The session is attached and {@code welcome} goes out: the timeout no longer applies, the place is given back. */
    void finish(Start start) {
        finished = true;
        resources.dispose();
        metrics.handshake(start.resumed(), start.reason(), scheduler.now(TimeUnit.NANOSECONDS) - helloAt);
        release();
    }

    /**
     * The connection ended: leaves the connections awaiting hello, and gives back its handshake place if it holds one,
     * or as soon as it is granted one.
     */
    void end() {
        ended = true;
        releaseAddress();
        releaseUser();
        AwaitingHello.Waiter waiting = waiter;
        if (waiting != null) {
            awaitingHello.leave(waiting);
        }
        release();
    }

    /** Counts this connection out of its user's open connections, once. */
    private void releaseUser() {
        String sub = userCounted.getAndSet(null);
        if (sub != null) {
            userLimits.disconnect(sub);
        }
    }

    /** Counts this connection out of its address's open connections, once. */
    private void releaseAddress() {
        if (addressCounted.compareAndSet(true, false)) {
            addressLimits.disconnect(clientAddress);
        }
    }

    /** Gives back this connection's handshake place, once: at welcome, or when the connection ends before. */
    private void release() {
        if (admitted.compareAndSet(true, false)) {
            admission.release();
        }
    }

    private Mono<Start> resume(Hello.Resume resume, Principal principal) {
        String id = resume.sessionId();
        // Optional, so that a resume refused below (empty) is not taken for a session not found.
        return store.find(id).singleOptional()
                .flatMap(found -> {
                    if (found.isEmpty()) {
                        return failed(ResumeFailure.NOT_FOUND, principal);
                    }
                    var record = found.get();
                    if (!SessionTokens.matches(resume.token(), record.tokenDigest())) {
                        return failed(ResumeFailure.BAD_TOKEN, principal);
                    }
                    // After the token: a caller without the session's token learns nothing of whose it is.
                    if (!record.belongsTo(principal == null ? null : principal.sub())) {
                        return failed(ResumeFailure.FORBIDDEN, principal);
                    }
                    if (record.epoch() != resume.epoch() || resume.lastSeq() > record.lastSeq()) {
                        return fresh(ResumeFailure.HISTORY_LOST, principal);
                    }
                    if (!record.retainsAfter(resume.lastSeq())) {
                        return fresh(ResumeFailure.HISTORY_TRUNCATED, principal);
                    }
                    return store.attach(id, config.server().nodeId())
                            .map(attachment -> new Start(attachment, resume.token(), true, null, resume.lastSeq(),
                                    principal))
                            .onErrorResume(SessionStoreException::isNotFound,
                                    e -> failed(ResumeFailure.NOT_FOUND, principal));
                });
    }

    /**
     * A resume that names no session, the wrong token or another user's session: counted against the client's
     * address, and a fresh session as for any failed resume, unless this one goes over the limit, which closes the
     * connection instead.
     */
    private Mono<Start> failed(ResumeFailure reason, Principal principal) {
        Duration cooldown = failedResumes.failed(clientAddress);
        if (cooldown.isZero()) {
            return fresh(reason, principal);
        }
        refuseResumes(cooldown);
        return Mono.empty();
    }

    private void refuseResumes(Duration coolingDown) {
        metrics.refused(GatewayMetrics.Refusal.FAILED_RESUMES);
        close.accept(GatewayException.tooManyFailedResumes(config.resumes().failedResumeLimit(),
                config.resumes().failedResumeWindow(), coolingDown));
    }

    private Mono<Start> fresh(ResumeFailure reason, Principal principal) {
        return Mono.defer(() -> {
            if (principal != null) {
                Duration wait = userLimits.newSession(principal.sub());
                if (!wait.isZero()) {
                    metrics.refused(GatewayMetrics.Refusal.USER_SESSIONS);
                    close.accept(GatewayException.tooManyNewSessions(config.limits().userSessionsPerMinute(), wait));
                    return Mono.empty();
                }
            }
            String id = SessionTokens.newSessionId();
            String token = SessionTokens.newToken();
            return store.create(id, SessionTokens.digest(token), config.server().nodeId(),
                            principal == null ? null : principal.sub())
                    .map(attachment -> new Start(attachment, token, false, reason, 0, principal));
        });
    }
}
