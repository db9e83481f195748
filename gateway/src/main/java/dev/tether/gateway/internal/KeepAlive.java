package dev.tether.gateway.internal;

import dev.tether.protocol.Ping;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The heartbeat of one connection once its session has started: a {@code ping} every heartbeat, and the end of a
 * connection on which nothing was heard for the idle timeout (a peer gone without a word, behind a dead NAT mapping
 * for example).
 *
 * <p>Idle time is measured on the node's scheduler, not by the transport, so that it runs on virtual time in tests:
 * one timer per connection, which on firing either finds the connection idle or waits again for what is left.
 */
final class KeepAlive implements Disposable {

    private final Duration heartbeat;
    private final long idleTimeoutNanos;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Consumer<Ping> ping;
    private final Runnable idle;
    private final Disposable.Composite timers = Disposables.composite();
    private final Disposable.Swap idleTimer = Disposables.swap();
    /** When a frame was last heard (scheduler nanos). */
    private volatile long heardAt;

    /**
     * @param ping sends a ping, stamped with {@code clock}
     * @param idle ends the connection; runs once
     */
    KeepAlive(Duration heartbeat, Duration idleTimeout, Scheduler scheduler, Clock clock, Consumer<Ping> ping,
              Runnable idle) {
        this.heartbeat = heartbeat;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.scheduler = scheduler;
        this.clock = clock;
        this.ping = ping;
        this.idle = idle;
        this.heardAt = now();
        timers.add(idleTimer);
    }

    /** Starts pinging and counting idle time from now. */
    void start() {
        heardAt = now();
        timers.add(Flux.interval(heartbeat, heartbeat, scheduler)
                .subscribe(tick -> ping.accept(new Ping(clock.millis()))));
        check();
    }

    /** Something arrived from the peer. Called for every frame: a volatile write, no timer work. */
    void heard() {
        heardAt = now();
    }

    private void check() {
        long left = idleTimeoutNanos - (now() - heardAt);
        if (left <= 0) {
            dispose();
            idle.run();
        } else {
            idleTimer.update(scheduler.schedule(this::check, left, TimeUnit.NANOSECONDS));
        }
    }

    private long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    @Override
    public void dispose() {
        timers.dispose();
    }

    @Override
    public boolean isDisposed() {
        return timers.isDisposed();
    }
}
