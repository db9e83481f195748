package dev.tether.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tether.gateway.testing.GatewayExtension;
import dev.tether.gateway.testing.RawHttp;
import dev.tether.gateway.testing.RawHttp.Answer;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chat page served by a real gateway, from a test folder of its own (the built page may sit in the default folder
 * of the same classpath): each file with its type and caching, HEAD, 404s, no way out of the folder, and the
 * gateway's own routes untouched.
 */
class StaticFilesIT {

    private static final String ROOT = "dev/tether/gateway/testui/";

    @RegisterExtension
    final GatewayExtension gateway = new GatewayExtension(c -> c.ui(u -> u.root(ROOT)));

    private int port() {
        return gateway.gateway().port();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = StaticFilesIT.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void slashServesTheIndexWithTheSecurityHeadersAndNoCaching() throws IOException {
        Answer page = RawHttp.get(port(), "/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).isEqualTo(resource(ROOT + "index.html"));
        assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.header("Content-Length")).isEqualTo(Integer.toString(page.body().length));
        assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(page.header("ETag")).matches("\"[A-Za-z0-9_-]{22}\"");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(page.header("Content-Security-Policy"))
                .contains("script-src 'self'", "style-src 'self'", "connect-src 'self' ws: wss:")
                .doesNotContain("unsafe");
        assertThat(RawHttp.get(port(), "/index.html").body()).isEqualTo(page.body());
        assertThat(RawHttp.get(port(), "/?reload=1").body()).as("a query is not part of the name")
                .isEqualTo(page.body());
        assertThat(RawHttp.get(port(), "http://127.0.0.1:" + port() + "/").body()).as("a request in absolute form")
                .isEqualTo(page.body());
    }

    @Test
    void eachFileIsServedByNameWithItsTypeAndAShortCache() throws IOException {
        Map<String, String> types = Map.of(
                "client/index.js", "text/javascript; charset=utf-8",
                "client/index.js.map", "application/json",
                "page.css", "text/css; charset=utf-8",
                "logo.svg", "image/svg+xml",
                "icon.png", "image/png",
                "data.json", "application/json");
        for (Map.Entry<String, String> type : types.entrySet()) {
            Answer file = RawHttp.get(port(), "/" + type.getKey());
            assertThat(file.status()).as(type.getKey()).isEqualTo(200);
            assertThat(file.header("Content-Type")).as(type.getKey()).isEqualTo(type.getValue());
            assertThat(file.header("Cache-Control")).as(type.getKey()).isEqualTo(StaticFiles.FILE_CACHE);
            assertThat(file.header("X-Content-Type-Options")).as(type.getKey()).isEqualTo("nosniff");
            assertThat(file.body()).as(type.getKey()).isEqualTo(resource(ROOT + type.getKey()));
        }
    }

    @Test
    void headAnswersTheHeadersOfGetWithoutTheBody() throws IOException {
        Answer get = RawHttp.get(port(), "/client/index.js");
        Answer head = RawHttp.request(port(), "HEAD", "/client/index.js");

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length"))
                .isEqualTo(Integer.toString(resource(ROOT + "client/index.js").length));
        assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
        assertThat(head.header("ETag")).isEqualTo(get.header("ETag"));
        assertThat(RawHttp.request(port(), "HEAD", "/missing.js").status()).isEqualTo(404);
    }

    @Test
    void aKnownETagIsAnswered304WithoutTheBody() {
        String etag = RawHttp.get(port(), "/page.css").header("ETag");

        Answer same = RawHttp.get(port(), "/page.css", "If-None-Match: W/\"other\", " + etag);
        Answer other = RawHttp.get(port(), "/page.css", "If-None-Match: \"other\"");

        assertThat(same.status()).isEqualTo(304);
        assertThat(same.body()).isEmpty();
        assertThat(same.header("ETag")).isEqualTo(etag);
        assertThat(other.status()).isEqualTo(200);
        assertThat(RawHttp.get(port(), "/", "If-None-Match: " + RawHttp.get(port(), "/").header("ETag")).status())
                .isEqualTo(304);
    }

    @Test
    void aMissingFileOrAFolderIs404() {
        for (String target : List.of("/missing.html", "/client", "/client/", "/client/missing.js", "/index.htm",
                "/INDEX.HTML")) {
            Answer missing = RawHttp.get(port(), target);
            assertThat(missing.status()).as(target).isEqualTo(404);
            assertThat(missing.header("Cache-Control")).as(target).isEqualTo("no-store");
        }
    }

    @Test
    void noRequestReachesAFileOutsideTheFolder() throws IOException {
        String secret = new String(resource("dev/tether/gateway/secret.txt")).strip();
        List<String> targets = List.of(
                "/../secret.txt", "/client/../../secret.txt", "/./index.html", "/client/./index.js",
                "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt", "/client/%2e%2e/%2e%2e/secret.txt",
                "/..%2fsecret.txt", "/..%2Fsecret.txt", "/%2e%2e%2fsecret.txt", "/%252e%252e/secret.txt",
                "/..%5csecret.txt", "/..\\secret.txt", "/client\\..\\..\\secret.txt", "/%5c..%5csecret.txt",
                "/%c0%ae%c0%ae/secret.txt", "/%2e%2e%00/secret.txt", "/index.html%00.js", "/%",
                "//etc/passwd", "/%2fetc/passwd", "/etc/passwd", "/C:/Windows/win.ini", "/c:%5cwindows%5cwin.ini",
                "/file:/etc/passwd", "/jar:file:/x.jar!/dev/tether/gateway/secret.txt",
                "http://127.0.0.1/../secret.txt", "*");
        for (String target : targets) {
            Answer answer = RawHttp.get(port(), target);
            assertThat(answer.status()).as(target).isEqualTo(404);
            assertThat(answer.text()).as(target).doesNotContain(secret).doesNotContain("root:");
        }
        assertThat(RawHttp.get(port(), "/client/index.js").status()).as("the folder is still served").isEqualTo(200);
    }

    @Test
    void theGatewaysOwnRoutesAreNotShadowed() {
        assertThat(RawHttp.get(port(), "/health").status()).isEqualTo(200);
        assertThat(RawHttp.get(port(), "/metrics").status()).isEqualTo(200);
        assertThat(RawHttp.get(port(), "/metrics").header("Content-Security-Policy")).isNull();
        assertThat(RawHttp.get(port(), "/ws").status()).as("the endpoint's own answer to a plain GET")
                .isEqualTo(400);
        for (String target : List.of("/health", "/metrics", "/ws", "/api/v1/sessions/s/events", "/api",
                "/api/v1/sessions/s/state")) {
            Answer head = RawHttp.request(port(), "HEAD", target);
            assertThat(head.header("Content-Security-Policy")).as("HEAD " + target).isNull();
            Answer get = RawHttp.get(port(), target);
            assertThat(get.header("Content-Security-Policy")).as("GET " + target).isNull();
        }
        assertThat(RawHttp.request(port(), "POST", "/index.html", "Content-Length: 0").status()).isEqualTo(404);
    }

    @Test
    void offAnswers404AtSlash() {
        int port = gateway.start(c -> c.ui(u -> u.enabled(false))).port();

        Answer page = RawHttp.get(port, "/");

        assertThat(page.status()).isEqualTo(404);
        assertThat(page.header("Content-Security-Policy")).as("no route of the page at all").isNull();
        assertThat(RawHttp.get(port, "/client/index.js").status()).isEqualTo(404);
        assertThat(RawHttp.get(port, "/health").status()).isEqualTo(200);
    }

    @Test
    void aGatewayBuiltWithoutThePageSaysSoAt404() {
        int port = gateway.start(c -> c.ui(u -> u.root("dev/tether/gateway/nopage/"))).port();

        Answer page = RawHttp.get(port, "/");

        assertThat(page.status()).isEqualTo(404);
        assertThat(page.text()).contains("chat page was not built").contains("--ui off");
        assertThat(page.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(RawHttp.get(port, "/health").status()).isEqualTo(200);
    }
}
