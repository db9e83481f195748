package dev.tether.gateway.internal;

import dev.tether.gateway.GatewayConfig;
import dev.tether.gateway.UiOptions;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The chat page: {@code GET} and {@code HEAD} of {@code /} and the files under it, answered from bytes read once
 * from the classpath folder of {@link UiOptions#root()}. A request names a file by its exact path below the folder;
 * anything else ({@code ..}, encoded or not, backslashes, empty names) is answered 404, so no request reaches a file
 * outside it. Paths of the gateway's own routes are left to them. May change without notice.
 */
final class StaticFiles {

    /** Cache-Control of {@code index.html}: revalidated each time, so a new version is seen at once. */
    static final String INDEX_CACHE = "no-cache";
    /** Cache-Control of the other files: kept a minute, then revalidated by their ETag. */
    static final String FILE_CACHE = "public, max-age=60";
    /** Scripts and styles from the gateway only; the WebSocket to it, on either scheme. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    static final String NOT_BUILT = "The chat page was not built into this gateway: its jar has no %s. Build it "
            + "with the page, or start with --ui off.\n";

    private static final Logger LOG = LoggerFactory.getLogger(StaticFiles.class);

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("woff2", "font/woff2"));
    private static final String OTHER_TYPE = "application/octet-stream";
    /** The scheme and host of a request target in absolute form (RFC 9112 §3.2.2), which a server must accept. */
    private static final Pattern ABSOLUTE_FORM = Pattern.compile("https?://[^/?#]*", Pattern.CASE_INSENSITIVE);

    /** One file as it is answered. */
    private record File(byte[] bytes, String contentType, String cacheControl, String etag) {
    }

    private final GatewayConfig config;
    /** The files by their path below the root; null when the page was not built. */
    private final Map<String, File> files;

    private StaticFiles(GatewayConfig config, Map<String, File> files) {
        this.config = config;
        this.files = files;
    }

    /**
     * The page of {@code config}, read off the event loop; when it is off, nothing is read. When the classpath has no
     * page, every request of it is answered 404 saying so, and one line is logged.
     */
    static Mono<StaticFiles> load(GatewayConfig config) {
        UiOptions ui = config.ui();
        if (!ui.enabled()) {
            return Mono.just(new StaticFiles(config, null));
        }
        return Mono.fromCallable(() -> {
                    Optional<Map<String, byte[]>> read = ClasspathFolder.read(StaticFiles.class.getClassLoader(),
                            ui.root());
                    if (read.isEmpty()) {
                        LOG.info("chat page not built (no {}{} on the classpath): GET / answers 404", ui.root(),
                                ClasspathFolder.INDEX);
                        return new StaticFiles(config, null);
                    }
                    Map<String, File> files = new HashMap<>();
                    read.get().forEach((name, bytes) -> files.put(name, file(name, bytes)));
                    return new StaticFiles(config, Map.copyOf(files));
                })
                .subscribeOn(Schedulers.boundedElastic());
    }

    /** Whether the chat page is served at all: on, the route is installed even when the page was not built. */
    boolean enabled() {
        return config.ui().enabled();
    }

    /**
     * Whether this route takes {@code request}: a {@code GET} or {@code HEAD} of a path no other route of the gateway
     * serves, so the page never hides the WebSocket endpoint, {@code /health}, {@code /metrics} or the API.
     */
    boolean accepts(HttpServerRequest request) {
        HttpMethod method = request.method();
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            return false;
        }
        String path = rawPath(request.uri());
        String endpoint = config.server().path();
        return !(path.equals(endpoint) || path.startsWith(endpoint + "/")
                || path.equals("/health") || path.equals("/metrics")
                || path.equals("/api") || path.startsWith("/api/"));
    }

    /** Answers the file the request names, or 404. */
    Publisher<Void> serve(HttpServerRequest request, HttpServerResponse response) {
        response.header("X-Content-Type-Options", "nosniff")
                .header(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
                .header("Referrer-Policy", "no-referrer");
        if (files == null) {
            return text(request, response, NOT_BUILT.formatted(config.ui().root() + ClasspathFolder.INDEX));
        }
        File file = name(request.uri()).map(files::get).orElse(null);
        if (file == null) {
            return text(request, response, "Not found.\n");
        }
        response.header(HttpHeaderNames.CACHE_CONTROL, file.cacheControl())
                .header(HttpHeaderNames.ETAG, file.etag());
        if (matches(request.requestHeaders().get(HttpHeaderNames.IF_NONE_MATCH), file.etag())) {
            return response.status(HttpResponseStatus.NOT_MODIFIED).send();
        }
        response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, file.contentType())
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(file.bytes().length));
        if (HttpMethod.HEAD.equals(request.method())) {
            return response.send();
        }
        return response.sendByteArray(Mono.just(file.bytes()));
    }

    /**
     * The file a request URI names below the root, {@code index.html} for {@code /}; empty for a URI that is not a
     * plain path of names: an encoding error, an empty, {@code .} or {@code ..} name, a backslash or a control
     * character, before or after decoding.
     */
    static Optional<String> name(String uri) {
        String raw = rawPath(uri);
        if (!raw.startsWith("/")) {
            return Optional.empty();
        }
        if (raw.equals("/")) {
            return Optional.of(ClasspathFolder.INDEX);
        }
        String path = decode(raw.substring(1));
        if (path == null) {
            return Optional.empty();
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return Optional.empty();
            }
        }
        return Optional.of(path);
    }

    /** The path of a request URI as sent, without its query or fragment, nor its scheme and host in absolute form. */
    private static String rawPath(String uri) {
        Matcher absolute = ABSOLUTE_FORM.matcher(uri);
        String target = !absolute.lookingAt() ? uri
                : uri.length() == absolute.end() ? "/" : uri.substring(absolute.end());
        int end = target.length();
        for (char stop : new char[] {'?', '#'}) {
            int at = target.indexOf(stop);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return target.substring(0, end);
    }

    /** Percent-decodes {@code text} as UTF-8; null when it is malformed or holds a character no file name may. */
    private static String decode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    return null;
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return null;
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else if (c > 0x7e || c < 0x20) {
                return null;
            } else {
                bytes.write(c);
            }
        }
        String decoded = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':' || c == '\uFFFD') {
                return null;
            }
        }
        return decoded;
    }

    private static Publisher<Void> text(HttpServerRequest request, HttpServerResponse response, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        response.status(HttpResponseStatus.NOT_FOUND)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
        return HttpMethod.HEAD.equals(request.method()) ? response.send() : response.sendByteArray(Mono.just(bytes));
    }

    /** Whether an If-None-Match header names {@code etag}, compared weakly as RFC 9110 asks. */
    private static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String candidate = tag.trim();
            if (candidate.equals("*") || candidate.equals(etag) || candidate.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    private static File file(String name, byte[] bytes) {
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        String type = TYPES.getOrDefault(extension, OTHER_TYPE);
        String cache = name.equals(ClasspathFolder.INDEX) ? INDEX_CACHE : FILE_CACHE;
        return new File(bytes, type, cache, etag(bytes));
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
