package dev.tether.loadtest;

import java.util.List;
import java.util.Objects;

/** What the harness does to the connections at the scenario's fault time. */
public sealed interface Fault {

    /** No fault. */
    static Fault none() {
        return new None();
    }

    /** Cuts every connection at once on the harness's own {@code FaultProxy} in front of each target. */
    static Fault proxyCut() {
        return new ProxyCut();
    }

    /** Stops the first in-process gateway abruptly (only with embedded gateways); clients move to the others. */
    static Fault stopEmbeddedNode() {
        return new StopEmbeddedNode();
    }

    /** Kills the process {@code pid} with SIGKILL, for example a gateway node started by {@code scripts/cluster.sh}. */
    static Fault killPid(long pid) {
        return new KillPid(pid);
    }

    /** Runs {@code command} through {@code sh -c}, for example {@code scripts/cluster.sh kill-node node-1}. */
    static Fault killCommand(String command) {
        return new KillCommand(command);
    }

    /** No fault. */
    record None() implements Fault {
        @Override
        public String toString() {
            return "none";
        }
    }

    /** Every connection cut at once by the harness's proxies. */
    record ProxyCut() implements Fault {
        @Override
        public String toString() {
            return "proxy cut";
        }
    }

    /** The first embedded gateway disposed without a goodbye. */
    record StopEmbeddedNode() implements Fault {
        @Override
        public String toString() {
            return "stop embedded node-1";
        }
    }

    /** A process killed with SIGKILL. */
    record KillPid(long pid) implements Fault {
        public KillPid {
            if (pid <= 0) {
                throw new IllegalArgumentException("kill-pid must be a process id > 0, got " + pid);
            }
        }

        @Override
        public String toString() {
            return "kill -9 " + pid;
        }
    }

    /** A shell command that kills a node. */
    record KillCommand(String command) implements Fault {
        public KillCommand {
            Objects.requireNonNull(command, "kill-cmd");
            if (command.isBlank()) {
                throw new IllegalArgumentException("kill-cmd must be a non-empty shell command");
            }
        }

        /** The command line to run. */
        public List<String> argv() {
            return List.of("sh", "-c", command);
        }

        @Override
        public String toString() {
            return "sh -c '" + command + "'";
        }
    }
}
