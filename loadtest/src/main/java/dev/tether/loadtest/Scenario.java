package dev.tether.loadtest;

import dev.tether.client.TetherClientOptions;
import dev.tether.protocol.Checks;
import dev.tether.protocol.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A load scenario described in code, Gatling style: how many clients arrive and how (the injection profile), what
 * each does while connected (chat at a rate, receive pushed events, live for a while), what goes wrong (a fault after
 * the injection), and what must hold at the end (the checks).
 *
 * <pre>{@code
 * Scenario storm = Scenario.builder("storm")
 *         .clients(10_000)
 *         .inject(Injection.ramp(Duration.ofSeconds(20)))
 *         .messageRate(0.2)                        // per client per second, echo round trips
 *         .events(Duration.ofMillis(200))          // a producer pushes one event per client every 200 ms
 *         .hold(Duration.ofSeconds(30))            // after the injection
 *         .fault(Fault.proxyCut(), Duration.ofSeconds(10))
 *         .reconnectJitter(0.3)
 *         .requireNoLoss(true)                     // any loss fails the run
 *         .build();
 * }</pre>
 *
 * <p>Immutable; {@link #toBuilder()} derives variants, so a scenario can serve as a template.
 */
public final class Scenario {

    /** Default number of clients: 100. */
    public static final long DEFAULT_CLIENTS = 100;
    /** Default injection: {@link Injection#atOnce()}. */
    public static final Injection DEFAULT_INJECTION = Injection.atOnce();
    /** Default message rate per client: 0.2 per second. */
    public static final double DEFAULT_MESSAGE_RATE = 0.2;
    /** Default time the load is held after the injection: 30 seconds. */
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(30);
    /** Default time after the injection at which the fault happens: 10 seconds. */
    public static final Duration DEFAULT_FAULT_AFTER = Duration.ofSeconds(10);
    /** Default longest wait, after the load stops, for every reply and event to arrive: 60 seconds. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(60);
    /** Default reconnect jitter: the client's own default, {@link TetherClientOptions#DEFAULT_RECONNECT_JITTER}. */
    public static final double DEFAULT_RECONNECT_JITTER = TetherClientOptions.DEFAULT_RECONNECT_JITTER;
    /** Default first reconnect backoff: the client's, {@link TetherClientOptions#DEFAULT_RECONNECT_BASE_DELAY}. */
    public static final Duration DEFAULT_RECONNECT_BASE = TetherClientOptions.DEFAULT_RECONNECT_BASE_DELAY;
    /** Default largest reconnect backoff: the client's, {@link TetherClientOptions#DEFAULT_RECONNECT_MAX_DELAY}. */
    public static final Duration DEFAULT_RECONNECT_MAX = TetherClientOptions.DEFAULT_RECONNECT_MAX_DELAY;
    /** Default reconnect attempts before a client gives up: unlimited, so that only real failures show. */
    public static final long DEFAULT_RECONNECT_ATTEMPTS = TetherClientOptions.UNLIMITED_RECONNECT_ATTEMPTS;

    private final String name;
    private final long clients;
    private final Injection injection;
    private final double messageRate;
    private final Duration eventInterval;
    private final Duration hold;
    private final Fault fault;
    private final Duration faultAfter;
    private final Duration lifetime;
    private final Duration drainTimeout;
    private final double reconnectJitter;
    private final Duration reconnectBase;
    private final Duration reconnectMax;
    private final long reconnectAttempts;
    private final boolean requireNoLoss;

    private Scenario(Builder b) {
        this.name = b.name;
        this.clients = b.clients;
        this.injection = b.injection;
        this.messageRate = b.messageRate;
        this.eventInterval = b.eventInterval;
        this.hold = b.hold;
        this.fault = b.fault;
        this.faultAfter = b.faultAfter;
        this.lifetime = b.lifetime;
        this.drainTimeout = b.drainTimeout;
        this.reconnectJitter = b.reconnectJitter;
        this.reconnectBase = b.reconnectBase;
        this.reconnectMax = b.reconnectMax;
        this.reconnectAttempts = b.reconnectAttempts;
        this.requireNoLoss = b.requireNoLoss;
    }

    /** A scenario with every default, named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Clients chat with the echo handler at a fixed rate; no fault. */
    public static Builder steady() {
        return builder("steady");
    }

    /**
     * Clients chat and receive pushed events, then every connection is cut at once (or a node killed) while the
     * producer keeps pushing; any loss fails the run.
     */
    public static Builder storm() {
        return builder("storm").fault(Fault.proxyCut(), DEFAULT_FAULT_AFTER).requireNoLoss(true);
    }

    /** A constant rate of connects and disconnects: clients arrive at a rate, chat for a lifetime, then close. */
    public static Builder churn() {
        return builder("churn").inject(Injection.rate(50)).lifetime(Duration.ofSeconds(10));
    }

    /** A builder holding this scenario, to derive a variant. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The scenario's name, used in reports. */
    public String name() {
        return name;
    }

    /** The number of virtual clients. */
    public long clients() {
        return clients;
    }

    /** How clients arrive. */
    public Injection injection() {
        return injection;
    }

    /** User messages per second per client; 0 for none. */
    public double messageRate() {
        return messageRate;
    }

    /** The interval between pushed events per client; empty when no producer runs. */
    public Optional<Duration> eventInterval() {
        return Optional.ofNullable(eventInterval);
    }

    /** How long the load is held after the injection, before draining. */
    public Duration hold() {
        return hold;
    }

    /** The fault. */
    public Fault fault() {
        return fault;
    }

    /** When the fault happens, measured from the end of the injection. */
    public Duration faultAfter() {
        return faultAfter;
    }

    /** How long each client lives before it closes its session; empty when clients live for the whole run. */
    public Optional<Duration> lifetime() {
        return Optional.ofNullable(lifetime);
    }

    /** The longest wait, after the load stops, for every outstanding reply and event. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** The client reconnect jitter factor, 0 to 1. */
    public double reconnectJitter() {
        return reconnectJitter;
    }

    /** The client's first reconnect backoff. */
    public Duration reconnectBase() {
        return reconnectBase;
    }

    /** The client's largest reconnect backoff. */
    public Duration reconnectMax() {
        return reconnectMax;
    }

    /** Reconnect attempts in a row before a client gives up. */
    public long reconnectAttempts() {
        return reconnectAttempts;
    }

    /** Whether any loss, duplicate, reordering, failed resume or failed send fails the run. */
    public boolean requireNoLoss() {
        return requireNoLoss;
    }

    @Override
    public String toString() {
        return name + "[clients=" + clients + ", inject=" + injection + ", messageRate=" + messageRate + "/s"
                + ", events=" + (eventInterval == null ? "off" : "every " + Durations.format(eventInterval))
                + ", hold=" + Durations.format(hold) + ", fault=" + fault
                + (fault instanceof Fault.None ? "" : " after " + Durations.format(faultAfter))
                + (lifetime == null ? "" : ", lifetime=" + Durations.format(lifetime))
                + ", jitter=" + reconnectJitter + ", backoff=" + Durations.format(reconnectBase) + ".."
                + Durations.format(reconnectMax) + "]";
    }

    /** Builds a {@link Scenario}; every setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private String name;
        private long clients = DEFAULT_CLIENTS;
        private Injection injection = DEFAULT_INJECTION;
        private double messageRate = DEFAULT_MESSAGE_RATE;
        private Duration eventInterval;
        private Duration hold = DEFAULT_HOLD;
        private Fault fault = Fault.none();
        private Duration faultAfter = DEFAULT_FAULT_AFTER;
        private Duration lifetime;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private double reconnectJitter = DEFAULT_RECONNECT_JITTER;
        private Duration reconnectBase = DEFAULT_RECONNECT_BASE;
        private Duration reconnectMax = DEFAULT_RECONNECT_MAX;
        private long reconnectAttempts = DEFAULT_RECONNECT_ATTEMPTS;
        private boolean requireNoLoss = true;

        private Builder(String name) {
            name(name);
        }

        private Builder(Scenario s) {
            name = s.name;
            clients = s.clients;
            injection = s.injection;
            messageRate = s.messageRate;
            eventInterval = s.eventInterval;
            hold = s.hold;
            fault = s.fault;
            faultAfter = s.faultAfter;
            lifetime = s.lifetime;
            drainTimeout = s.drainTimeout;
            reconnectJitter = s.reconnectJitter;
            reconnectBase = s.reconnectBase;
            reconnectMax = s.reconnectMax;
            reconnectAttempts = s.reconnectAttempts;
            requireNoLoss = s.requireNoLoss;
        }

        /** The name used in reports: letters, digits, {@code -} and {@code _}. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("name must be 1 to 64 letters, digits, '-' or '_', got " + name);
            }
            this.name = name;
            return this;
        }

        /** The number of virtual clients, from 1 to 1,000,000; default {@link #DEFAULT_CLIENTS}. */
        public Builder clients(long clients) {
            this.clients = Checks.between("clients", clients, 1L, 1_000_000L);
            return this;
        }

        /** How clients arrive; default {@link #DEFAULT_INJECTION}. */
        public Builder inject(Injection injection) {
            this.injection = Objects.requireNonNull(injection, "inject");
            return this;
        }

        /** User messages per second per client, from 0 (none) to 100; default {@link #DEFAULT_MESSAGE_RATE}. */
        public Builder messageRate(double perSecond) {
            this.messageRate = Checks.between("messageRate", perSecond, 0.0, 100.0);
            return this;
        }

        /** One pushed event per client every {@code interval}, from 1 ms to 1 hour; default none. */
        public Builder events(Duration interval) {
            this.eventInterval = Checks.between("eventInterval", interval, Duration.ofMillis(1), Duration.ofHours(1));
            return this;
        }

        /** No pushed events. */
        public Builder noEvents() {
            this.eventInterval = null;
            return this;
        }

        /** How long the load is held after the injection, from 0 to 24 hours; default {@link #DEFAULT_HOLD}. */
        public Builder hold(Duration hold) {
            this.hold = Checks.between("hold", hold, Duration.ZERO, Duration.ofHours(24));
            return this;
        }

        /**
         * The fault and when it happens after the injection, from 0 to 24 hours; default none, and
         * {@link #DEFAULT_FAULT_AFTER}.
         */
        public Builder fault(Fault fault, Duration after) {
            this.fault = Objects.requireNonNull(fault, "fault");
            this.faultAfter = Checks.between("faultAfter", after, Duration.ZERO, Duration.ofHours(24));
            return this;
        }

        /** The fault, at the time already set; default none. */
        public Builder fault(Fault fault) {
            return fault(fault, faultAfter);
        }

        /** Each client closes its session after {@code lifetime}, from 100 ms to 24 hours; default never. */
        public Builder lifetime(Duration lifetime) {
            this.lifetime = lifetime == null ? null
                    : Checks.between("lifetime", lifetime, Duration.ofMillis(100), Duration.ofHours(24));
            return this;
        }

        /** The longest wait for outstanding replies and events, from 0 to 1 hour; default {@link #DEFAULT_DRAIN_TIMEOUT}. */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Checks.between("drainTimeout", timeout, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** The client reconnect jitter, from 0.0 to 1.0; default {@link #DEFAULT_RECONNECT_JITTER}. */
        public Builder reconnectJitter(double jitter) {
            this.reconnectJitter = Checks.between("reconnectJitter", jitter, 0.0, 1.0);
            return this;
        }

        /** The client's first and largest reconnect backoff, each from 1 ms to 1 hour, base at most max. */
        public Builder reconnectBackoff(Duration base, Duration max) {
            Duration b = Checks.between("reconnectBase", base, Duration.ofMillis(1), Duration.ofHours(1));
            Duration m = Checks.between("reconnectMax", max, Duration.ofMillis(1), Duration.ofHours(1));
            if (b.compareTo(m) > 0) {
                throw new IllegalArgumentException("reconnectBase (" + b + ") must not exceed reconnectMax (" + m + ")");
            }
            this.reconnectBase = b;
            this.reconnectMax = m;
            return this;
        }

        /** Reconnect attempts before a client gives up, 0 or more; default {@link #DEFAULT_RECONNECT_ATTEMPTS}. */
        public Builder reconnectAttempts(long attempts) {
            this.reconnectAttempts = Checks.atLeast("reconnectAttempts", attempts, 0);
            return this;
        }

        /** Whether any loss fails the run; default {@code true}. */
        public Builder requireNoLoss(boolean require) {
            this.requireNoLoss = require;
            return this;
        }

        public Scenario build() {
            return new Scenario(this);
        }
    }
}
