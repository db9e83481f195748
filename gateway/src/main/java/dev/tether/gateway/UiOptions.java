package dev.tether.gateway;

import java.util.Objects;

/**
 * The chat page a gateway node serves at {@code GET /}: static files read once from a classpath folder. Production
 * deployments usually turn it off. Immutable; build with {@link #builder()}.
 *
 * @param enabled whether {@code /} and the files under it are served; off, they answer 404; default {@code true}
 * @param root    the classpath folder holding {@code index.html} and the files it loads, such as
 *                {@code dev/tether/gateway/ui/}; default {@link #DEFAULT_ROOT}
 */
public record UiOptions(boolean enabled, String root) {

    /** Default classpath folder of the page: {@value}, where the build puts it. */
    public static final String DEFAULT_ROOT = "dev/tether/gateway/ui/";

    public UiOptions {
        Objects.requireNonNull(root, "root");
        if (!root.matches("([A-Za-z0-9_-][A-Za-z0-9._-]*/)+") || root.contains("..")) {
            throw new IllegalArgumentException("root must be a classpath folder such as " + DEFAULT_ROOT
                    + " (names of letters, digits, '.', '_' or '-', each followed by /), got \"" + root + "\"");
        }
    }

    /** The defaults: the page on, from {@link #DEFAULT_ROOT}. */
    public static UiOptions defaults() {
        return new UiOptions(true, DEFAULT_ROOT);
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link UiOptions}; each setter validates its argument. */
    public static final class Builder {
        private UiOptions o;

        private Builder(UiOptions options) {
            this.o = options;
        }

        /** Whether the page is served. */
        public Builder enabled(boolean enabled) {
            o = new UiOptions(enabled, o.root);
            return this;
        }

        /** The classpath folder of the page, ending in {@code /}, such as {@code dev/tether/gateway/ui/}. */
        public Builder root(String root) {
            o = new UiOptions(o.enabled, root);
            return this;
        }

        public UiOptions build() {
            return o;
        }
    }
}
