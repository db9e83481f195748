package dev.tether.loadtest.fault;

import dev.tether.protocol.Checks;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How a {@link FaultProxy} listens and where it forwards. Immutable; build with {@link #builder()} and derive
 * variants with {@link #toBuilder()}.
 */
public final class FaultProxyOptions {

    /** Default listening host: the IPv4 loopback address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Default listening port: 0, an ephemeral port chosen by the system. */
    public static final int DEFAULT_PORT = 0;

    /** Default timeout for connecting to the upstream: 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Default number of I/O threads: the number of available processors. */
    public static final int DEFAULT_IO_THREADS = Runtime.getRuntime().availableProcessors();

    private final String host;
    private final int port;
    private final InetSocketAddress target;
    private final Duration connectTimeout;
    private final long cutDownstreamAfterBytes;
    private final int ioThreads;

    private FaultProxyOptions(Builder builder) {
        this.host = builder.host;
        this.port = builder.port;
        this.target = Objects.requireNonNull(builder.target, "target must be set");
        this.connectTimeout = builder.connectTimeout;
        this.cutDownstreamAfterBytes = builder.cutDownstreamAfterBytes;
        this.ioThreads = builder.ioThreads;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.host = host;
        builder.port = port;
        builder.target = target;
        builder.connectTimeout = connectTimeout;
        builder.cutDownstreamAfterBytes = cutDownstreamAfterBytes;
        builder.ioThreads = ioThreads;
        return builder;
    }

    /** The host to listen on; default {@link #DEFAULT_HOST}. */
    public String host() {
        return host;
    }

    /** The port to listen on, 0 for an ephemeral one; default {@link #DEFAULT_PORT}. */
    public int port() {
        return port;
    }

    /** Where connections are forwarded to until {@link FaultProxy#retarget(InetSocketAddress)}. */
    public InetSocketAddress target() {
        return target;
    }

    /** Timeout for connecting to the upstream; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Bytes after which every connection is cut downstream, if set; by default connections are not cut. */
    public OptionalLong cutDownstreamAfterBytes() {
        return cutDownstreamAfterBytes > 0 ? OptionalLong.of(cutDownstreamAfterBytes) : OptionalLong.empty();
    }

    /** I/O threads; default {@link #DEFAULT_IO_THREADS}. */
    public int ioThreads() {
        return ioThreads;
    }

    @Override
    public String toString() {
        return "FaultProxyOptions[host=" + host + ", port=" + port + ", target=" + target
                + ", connectTimeout=" + connectTimeout + ", cutDownstreamAfterBytes="
                + cutDownstreamAfterBytes() + ", ioThreads=" + ioThreads + "]";
    }

    /** Builds {@link FaultProxyOptions}; each setter validates its argument. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private InetSocketAddress target;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private long cutDownstreamAfterBytes;
        private int ioThreads = DEFAULT_IO_THREADS;

        private Builder() {
        }

        /** The host to listen on, not blank. */
        public Builder host(String host) {
            this.host = Checks.nonBlank("host", host);
            return this;
        }

        /** The port to listen on, 0 (ephemeral) to 65535. */
        public Builder port(int port) {
            this.port = Checks.between("port", port, 0, 65_535);
            return this;
        }

        /** Where to forward connections; required. */
        public Builder target(InetSocketAddress target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /** Where to forward connections: {@code host}, and a {@code port} from 1 to 65535. */
        public Builder target(String host, int port) {
            Objects.requireNonNull(host, "host");
            return target(new InetSocketAddress(host, Checks.between("target port", port, 1, 65_535)));
        }

        /** Timeout for connecting to the upstream, from 1 ms to 1 hour. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Checks.between("connectTimeout", connectTimeout, Duration.ofMillis(1),
                    Duration.ofHours(1));
            return this;
        }

        /**
         * Cuts every connection after it has forwarded {@code bytes} bytes to the client, 1 or more; see
         * {@link FaultProxy#cutAfterDownstreamBytes(long)}.
         */
        public Builder cutDownstreamAfterBytes(long bytes) {
            this.cutDownstreamAfterBytes = Checks.atLeast("cutDownstreamAfterBytes", bytes, 1);
            return this;
        }

        /** Connections are not cut after a number of bytes (the default). */
        public Builder noDownstreamCut() {
            this.cutDownstreamAfterBytes = 0;
            return this;
        }

        /** I/O threads, from 1 to 256. */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = Checks.between("ioThreads", ioThreads, 1, 256);
            return this;
        }

        public FaultProxyOptions build() {
            return new FaultProxyOptions(this);
        }
    }
}
