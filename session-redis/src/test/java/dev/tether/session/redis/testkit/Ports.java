package dev.tether.session.redis.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports for servers the tests start. */
final class Ports {

    private Ports() {
    }

    /** A port that is free now, and whose cluster-bus port (+10000) is free too. */
    static int free() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = bindAny();
            if (port < 55535 && isFree(port + 10000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair found");
    }

    private static int bindAny() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind a free port", e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }
}
