package dev.tether.loadtest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tether.protocol.Durations;
import dev.tether.loadtest.Fault;
import dev.tether.loadtest.LoadTestOptions;
import dev.tether.loadtest.RunResult;
import dev.tether.loadtest.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Writes a run's reports to its folder: {@code summary.txt} (the console summary, Gatling style),
 * {@code report.json} for machines and {@code report.html} with Chart.js inlined from its webjar, so that the report
 * opens offline.
 */
final class Report {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter FOLDER_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final String LINE = "=".repeat(96);

    private final LoadTestOptions options;
    private final Scenario scenario;
    private final String label;
    private final Instant startedAt;
    private final Runner.RunTimes times;
    private final Metrics metrics;
    private final Tally tally;
    private final Problems problems;
    private final boolean producer;

    Report(LoadTestOptions options, String label, Instant startedAt, Runner.RunTimes times, Metrics metrics,
           Tally tally, Problems problems, boolean producer) {
        this.options = options;
        this.scenario = options.scenario();
        this.label = label;
        this.startedAt = startedAt;
        this.times = times;
        this.metrics = metrics;
        this.tally = tally;
        this.problems = problems;
        this.producer = producer;
    }

    boolean passed() {
        if (!scenario.requireNoLoss()) {
            return true;
        }
        return tally.losses().values().stream().allMatch(v -> v == 0) && tally.resumesFailed() == 0
                && tally.clientsNeverConnected == 0;
    }

    RunResult write(PrintStream out) {
        boolean passed = passed();
        Path folder = options.results().resolve(FOLDER_TIME.format(startedAt) + "-" + scenario.name()
                + (label.isEmpty() ? "" : "-" + label));
        Map<String, Object> json = json(passed);
        String summary = summary(passed, folder);
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("summary.txt"), summary);
            Files.writeString(folder.resolve("report.json"), JSON.writeValueAsString(json));
            Files.writeString(folder.resolve("report.html"), html(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reports to " + folder, e);
        }
        out.print(summary);
        out.flush();
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) json.get("counts");
        return new RunResult(scenario.name(), label, passed, tally.losses(), counts, problems.samples(), folder);
    }

    // ------------------------------------------------------------------------------------------------ console

    private String summary(boolean passed, Path folder) {
        StringBuilder s = new StringBuilder();
        s.append('\n').append(LINE).append('\n');
        s.append("Tether load test: ").append(scenario.name()).append(label.isEmpty() ? "" : " [" + label + "]")
                .append("   started ").append(startedAt).append('\n');
        s.append(scenario).append('\n');
        s.append(String.format(Locale.ROOT, "elapsed %.1fs (load %.1fs, drain %.1fs)%n", seconds(times.end),
                seconds(times.drainStart), (times.end - times.drainStart) / 1e9));
        if (!(scenario.fault() instanceof Fault.None)) {
            s.append(String.format(Locale.ROOT, "fault: %s at %.1fs: %s%n", scenario.fault(), seconds(times.faultAt),
                    times.faultAt == 0 ? "not injected" : times.faultOutcome));
            if (times.recoveredAt > 0) {
                s.append(String.format(Locale.ROOT, "all %d clients connected again %.2fs after the fault%n",
                        times.connectedBeforeFault, (times.recoveredAt - times.faultAt) / 1e9));
            } else if (times.faultAt > 0) {
                s.append("the clients did not all reconnect before the end\n");
            }
        }
        s.append(section("Global information"));
        row(s, "clients started", tally.clients);
        row(s, "clients never connected", tally.clientsNeverConnected);
        row(s, "handshakes completed", metrics.total(Metrics.Series.HANDSHAKES));
        row(s, "reconnect attempts", metrics.total(Metrics.Series.RECONNECTS));
        row(s, "handshakes refused (1013)", metrics.total(Metrics.Series.REFUSED));
        row(s, "resumes succeeded", tally.resumesSucceeded);
        row(s, "frames replayed on resume", tally.framesReplayed);
        row(s, "resumes failed", tally.resumesFailed());
        tally.resumeFailures.forEach((reason, count) -> row(s, "  failed: " + reason.wireName(), count));
        row(s, "frames received", tally.framesReceived);
        row(s, "user messages sent", tally.messagesSent);
        row(s, "user messages acknowledged", tally.messagesAcked);
        row(s, "replies complete", tally.repliesComplete);
        row(s, "replies continued after their node died", tally.repliesContinued);
        tally.repliesEnded.forEach((reason, count) -> row(s, "  replies ended " + reason.wireName(), count));
        row(s, "events published (seq returned)", tally.eventsPublished);
        row(s, "events received", tally.eventsReceived);
        if (producer) {
            row(s, "publish failures", metrics.publishFailures.get());
            row(s, "publish 404 (session gone)", metrics.publishNotFound.get());
            row(s, "pushes skipped (producer saturated)", metrics.publishSkipped.get());
        }
        s.append(section("Peaks per second"));
        row(s, "handshakes per second", metrics.peak(Metrics.Series.HANDSHAKES));
        row(s, "reconnect attempts per second", metrics.peak(Metrics.Series.RECONNECTS));
        row(s, "refused handshakes per second", metrics.peak(Metrics.Series.REFUSED));
        row(s, "frames per second", metrics.peak(Metrics.Series.FRAMES));
        s.append(section("Latency (ms)")).append(String.format(Locale.ROOT,
                "%-34s %9s %9s %9s %9s %9s %9s %9s%n", "", "count", "min", "p50", "p90", "p99", "max", "mean"));
        latency(s, "connect (connect() to welcome)", metrics.connect);
        latency(s, "resume (loss to caught up)", metrics.resume);
        latency(s, "round trip (send to done)", metrics.roundTrip);
        latency(s, "continue (pause of a continued reply)", metrics.continuePause);
        if (producer) {
            latency(s, "publish (POST to seq)", metrics.publish);
        }
        s.append(section("Checks (every client, end to end)"));
        tally.losses().forEach((name, count) -> s.append(String.format(Locale.ROOT, "> %-50s %12d  %s%n", name, count,
                count == 0 ? "OK" : "FAIL")));
        List<String> samples = problems.samples();
        if (!samples.isEmpty()) {
            s.append(section("Problems (first " + samples.size() + " of " + problems.total() + ")"));
            samples.forEach(p -> s.append("  ").append(p).append('\n'));
        }
        s.append(LINE).append('\n');
        s.append("VERDICT: ").append(passed ? "PASS" : "FAIL").append(" - ").append(verdictText(passed)).append('\n');
        s.append("reports: ").append(folder.toAbsolutePath()).append("/{summary.txt,report.json,report.html}\n");
        s.append(LINE).append('\n');
        return s.toString();
    }

    private String verdictText(boolean passed) {
        if (!scenario.requireNoLoss()) {
            return "checks reported, not enforced";
        }
        if (passed) {
            return "no loss: every frame once and in order, every message stored once and answered, every published"
                    + " event received, every resume succeeded";
        }
        List<String> failed = new ArrayList<>();
        tally.losses().forEach((name, count) -> {
            if (count > 0) {
                failed.add(count + " " + name);
            }
        });
        if (tally.resumesFailed() > 0) {
            failed.add(tally.resumesFailed() + " failed resumes");
        }
        if (tally.clientsNeverConnected > 0) {
            failed.add(tally.clientsNeverConnected + " clients never connected");
        }
        return String.join(", ", failed);
    }

    private static String section(String title) {
        return "---- " + title + " " + "-".repeat(Math.max(3, 90 - title.length())) + "\n";
    }

    private static void row(StringBuilder s, String name, long value) {
        s.append(String.format(Locale.ROOT, "> %-50s %12d%n", name, value));
    }

    private static void latency(StringBuilder s, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            s.append(String.format(Locale.ROOT, "> %-32s %9d %9s %9s %9s %9s %9s %9s%n", name, 0, "-", "-", "-", "-",
                    "-", "-"));
            return;
        }
        s.append(String.format(Locale.ROOT, "> %-32s %9d %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f%n", name,
                h.getTotalCount(), h.getMinValue() / 1e3, h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3,
                h.getMean() / 1e3));
    }

    private double seconds(long nanos) {
        return nanos == 0 ? 0 : (nanos - times.start) / 1e9;
    }

    // ------------------------------------------------------------------------------------------------ JSON

    private Map<String, Object> json(boolean passed) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario.name());
        root.put("label", label);
        root.put("verdict", passed ? "PASS" : "FAIL");
        root.put("startedAt", startedAt.toString());
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("description", scenario.toString());
        setup.put("clients", scenario.clients());
        setup.put("injection", scenario.injection().toString());
        setup.put("messageRatePerClient", scenario.messageRate());
        setup.put("eventInterval", scenario.eventInterval().map(Durations::format).orElse(null));
        setup.put("producer", producer);
        setup.put("hold", Durations.format(scenario.hold()));
        setup.put("fault", scenario.fault().toString());
        setup.put("faultAfter", Durations.format(scenario.faultAfter()));
        setup.put("lifetime", scenario.lifetime().map(Durations::format).orElse(null));
        setup.put("reconnectJitter", scenario.reconnectJitter());
        setup.put("reconnectBase", Durations.format(scenario.reconnectBase()));
        setup.put("reconnectMax", Durations.format(scenario.reconnectMax()));
        setup.put("targets", options.targets().stream().map(Object::toString).toList());
        setup.put("embeddedGateways", options.embeddedGateways());
        root.put("setup", setup);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("elapsedSeconds", seconds(times.end));
        timing.put("injectionEndSecond", seconds(times.injectEnd));
        timing.put("faultSecond", times.faultAt == 0 ? null : seconds(times.faultAt));
        timing.put("faultOutcome", times.faultOutcome);
        timing.put("connectedBeforeFault", times.connectedBeforeFault);
        timing.put("allReconnectedAfterFaultSeconds",
                times.recoveredAt == 0 ? null : (times.recoveredAt - times.faultAt) / 1e9);
        timing.put("drainStartSecond", seconds(times.drainStart));
        root.put("timing", timing);
        Map<String, Object> counts = tally.asMap();
        counts.put("handshakes", metrics.total(Metrics.Series.HANDSHAKES));
        counts.put("reconnectAttempts", metrics.total(Metrics.Series.RECONNECTS));
        counts.put("handshakesRefused", metrics.total(Metrics.Series.REFUSED));
        counts.put("publishFailures", metrics.publishFailures.get());
        counts.put("publishNotFound", metrics.publishNotFound.get());
        counts.put("publishSkipped", metrics.publishSkipped.get());
        root.put("counts", counts);
        root.put("losses", tally.losses());
        Map<String, Object> peaks = new LinkedHashMap<>();
        peaks.put("handshakesPerSecond", metrics.peak(Metrics.Series.HANDSHAKES));
        peaks.put("reconnectsPerSecond", metrics.peak(Metrics.Series.RECONNECTS));
        peaks.put("refusedPerSecond", metrics.peak(Metrics.Series.REFUSED));
        peaks.put("framesPerSecond", metrics.peak(Metrics.Series.FRAMES));
        root.put("peaks", peaks);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("connect", latency(metrics.connect));
        latency.put("resume", latency(metrics.resume));
        latency.put("roundTrip", latency(metrics.roundTrip));
        latency.put("continuePause", latency(metrics.continuePause));
        latency.put("publish", latency(metrics.publish));
        root.put("latencyMs", latency);
        Map<String, Object> series = new LinkedHashMap<>();
        for (Metrics.Series which : Metrics.Series.values()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("label", which.label);
            one.put("values", metrics.series(which));
            series.put(which.name().toLowerCase(Locale.ROOT), one);
        }
        root.put("perSecond", series);
        root.put("problems", problems.samples());
        root.put("problemCount", problems.total());
        return root;
    }

    static Map<String, Object> latency(Histogram h) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return map;
        }
        map.put("min", h.getMinValue() / 1e3);
        map.put("p50", h.getValueAtPercentile(50) / 1e3);
        map.put("p90", h.getValueAtPercentile(90) / 1e3);
        map.put("p99", h.getValueAtPercentile(99) / 1e3);
        map.put("p999", h.getValueAtPercentile(99.9) / 1e3);
        map.put("max", h.getMaxValue() / 1e3);
        map.put("mean", h.getMean() / 1e3);
        List<double[]> curve = new ArrayList<>();
        for (HistogramIterationValue value : h.percentiles(5)) {
            curve.add(new double[] {value.getPercentileLevelIteratedTo(), value.getValueIteratedTo() / 1e3});
            if (value.getPercentileLevelIteratedTo() >= 99.999) {
                break;
            }
        }
        map.put("percentileCurve", curve);
        // Counts in log2 buckets of milliseconds, for the bar chart.
        List<Object[]> buckets = new ArrayList<>();
        long low = 0;
        long high = 1_000;
        long max = h.getMaxValue();
        while (low <= max) {
            long count = h.getCountBetweenValues(low, high - 1);
            buckets.add(new Object[] {"<" + formatMillis(high), count});
            low = high;
            high *= 2;
        }
        map.put("histogram", buckets);
        return map;
    }

    private static String formatMillis(long micros) {
        double millis = micros / 1e3;
        return millis >= 1000 ? String.format(Locale.ROOT, "%.0fs", millis / 1000)
                : String.format(Locale.ROOT, "%.0fms", millis);
    }

    // ------------------------------------------------------------------------------------------------ HTML

    static String html(Map<String, Object> json) throws IOException {
        return html(List.of(json));
    }

    /** One HTML page for one run, or several runs drawn on the same charts. */
    static String html(List<Map<String, Object>> runs) throws IOException {
        String template = resource("/dev/tether/loadtest/report.html");
        String data = JSON.writeValueAsString(Map.of("runs", runs)).replace("</", "<\\/");
        return template.replace("/*CHART_JS*/", chartJs()).replace("/*REPORT_JSON*/", data);
    }

    static String chartJs() throws IOException {
        Properties webjar = new Properties();
        try (InputStream in = Report.class.getResourceAsStream(
                "/META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
            if (in == null) {
                throw new IOException("the chart.js webjar is not on the class path");
            }
            webjar.load(in);
        }
        return resource("/META-INF/resources/webjars/chart.js/" + webjar.getProperty("version")
                + "/dist/chart.umd.js")
                // The source map is not shipped in the report.
                .replaceAll("//# sourceMappingURL=\\S*", "")
                .replace("</script", "<\\/script");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Report.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
