package dev.tether.protocol.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tether.protocol.AssistantDelta;
import dev.tether.protocol.FrameCodec;
import dev.tether.protocol.ServerEvent;
import dev.tether.protocol.UserMessage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What the codec costs per frame on the hot paths: encoding a streamed delta (every token a gateway sends) and
 * decoding a user message (every message a gateway receives). Run with {@code scripts/bench-codec.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBenchmark {

    private final FrameCodec codec = new FrameCodec();
    private final AssistantDelta delta = new AssistantDelta(4711, 42, " token");
    private final ServerEvent event = new ServerEvent(4712, "tool_done",
            JsonNodeFactory.instance.objectNode().put("tool", "search").put("ms", 42).put("ok", true));
    private final String userMessage = codec.encode(new UserMessage(42, "What is the weather like in Lisbon today?"));
    private final String deltaText = codec.encode(delta);

    @Benchmark
    public String encodeDelta() {
        return codec.encode(delta);
    }

    @Benchmark
    public String encodeEvent() {
        return codec.encode(event);
    }

    @Benchmark
    public Object decodeUserMessage() {
        return codec.decodeClient(userMessage);
    }

    @Benchmark
    public Object decodeDelta() {
        return codec.decodeServer(deltaText);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(FrameCodecBenchmark.class.getSimpleName()).build()).run();
    }
}
