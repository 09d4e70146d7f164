package dev.idempotency.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns JMH's JSON results into {@code benchmarks/RESULTS.md}: the machine, the JMH settings, every result, and each
 * target from the benchmark issue marked met or missed.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.idempotency.benchmarks.ResultsReport results.json RESULTS.md}
 */
public final class ResultsReport {

    /** One JMH result row. */
    record Row(String benchmark, String params, int threads, String mode, double score, double error, String unit,
            Double allocBytes, Double requestsPerCall, Map<String, Double> secondary) {

        String shortName() {
            return benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        }
    }

    private ResultsReport() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: ResultsReport <jmh-results.json> <RESULTS.md>");
            System.exit(2);
        }
        JsonNode results = JsonMapper.builder().build().readTree(Files.readString(Path.of(args[0])));
        List<Row> rows = new ArrayList<>();
        JsonNode first = null;
        Map<String, String> settings = new LinkedHashMap<>();
        for (JsonNode result : results) {
            first = first == null ? result : first;
            rows.add(row(result));
            String benchmark = result.path("benchmark").asString();
            String benchmarkClass = benchmark.substring(0, benchmark.lastIndexOf('.'));
            settings.putIfAbsent(benchmarkClass.substring(benchmarkClass.lastIndexOf('.') + 1),
                    result.path("warmupIterations").asInt() + " × " + result.path("warmupTime").asString() + " + "
                            + result.path("measurementIterations").asInt() + " × "
                            + result.path("measurementTime").asString());
        }
        String report = render(rows, first, settings, InMemoryFootprint.bytesPerRecord());
        Files.writeString(Path.of(args[1]), report, StandardCharsets.UTF_8);
        System.out.println(report);
    }

    private static Row row(JsonNode result) {
        Map<String, String> params = new LinkedHashMap<>();
        JsonNode paramsNode = result.path("params");
        for (Map.Entry<String, JsonNode> e : paramsNode.properties()) {
            params.put(e.getKey(), e.getValue().asString());
        }
        JsonNode primary = result.path("primaryMetric");
        JsonNode alloc = result.path("secondaryMetrics").path("gc.alloc.rate.norm");
        JsonNode requests = result.path("secondaryMetrics").path("storeRequests");
        return new Row(result.path("benchmark").asString(),
                params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", ")),
                result.path("threads").asInt(),
                result.path("mode").asString(),
                primary.path("score").asDouble(),
                primary.path("scoreError").asDouble(Double.NaN),
                primary.path("scoreUnit").asString(),
                alloc.isMissingNode() ? null : alloc.path("score").asDouble(),
                requests.isMissingNode() ? null : requests.path("score").asDouble() / primary.path("score").asDouble(),
                secondary(result.path("secondaryMetrics")));
    }

    private static Map<String, Double> secondary(JsonNode metrics) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : metrics.properties()) {
            scores.put(e.getKey(), e.getValue().path("score").asDouble());
        }
        return scores;
    }

    static String render(List<Row> rows, JsonNode first, Map<String, String> settings, long bytesPerRecord) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("Written by `benchmarks/run` on ").append(LocalDate.now())
                .append(". Regenerate with `benchmarks/run` (about ten minutes on 2 cores). Numbers are from one run")
                .append(" on the machine below; the error is JMH's 99.9% confidence interval, wide with so few")
                .append(" iterations on 2 shared cores.\n\n");
        md.append("## Machine and settings\n\n");
        md.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores; memory ").append(Runtime.getRuntime().maxMemory() / (1024 * 1024))
                .append(" MiB max heap\n");
        md.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vendor"))
                .append("); OS: ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append('\n');
        if (first != null) {
            md.append("- JMH ").append(first.path("jmhVersion").asString())
                    .append(", one fork per benchmark, `-prof gc` for allocation; warm-up and measured iterations:");
            settings.forEach((benchmarkClass, setting) -> md.append(' ').append(benchmarkClass).append(' ')
                    .append(setting).append(';'));
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        md.append("- The DynamoDB rows run against dynalite 4.0.0 (node), the JDBC rows against PostgreSQL 14 (from")
                .append(" io.zonky.test's binaries), the Redis rows against redis-server 7.0 (from org.signal's")
                .append(" embedded-redis) and the web rows through an embedded Tomcat 11, all on 127.0.0.1 and")
                .append(" sharing the cores with the JVM.\n");
        md.append("\n## Targets\n\n");
        md.append("| target | measured | verdict |\n| --- | --- | --- |\n");
        target(md, rows, "CoreCallBenchmark.duplicateFromLocalCache", "CoreCallBenchmark.bareCall",
                "duplicate replayed from the local cache adds at most 2 µs", 2_000, 2_048);
        target(md, rows, "CoreCallBenchmark.firstCall", "CoreCallBenchmark.bareCall",
                "first call on the in-memory store adds at most 3 µs", 3_000, null);
        target(md, rows, "CoreCallBenchmark.duplicateFromStore", "CoreCallBenchmark.bareCall",
                "duplicate from the store (cache off) adds at most 3 µs", 3_000, null);
        target(md, rows, "CoreCallBenchmark.firstCallOnANoOpStore", "CoreCallBenchmark.bareCall",
                "(for reference) the engine's share of a first call, on a store that keeps nothing", 3_000, null);
        besideRaw(md, rows, "DynamoDbBenchmark.firstCallsBesideRaw", "firstCalls", "rawClaimThenComplete",
                "DynamoDB first calls/s reach 0.95 of raw claim+complete pairs/s (4 + 4 threads side by side)", 0.95);
        besideRaw(md, rows, "JdbcBenchmark.firstCallsBesideRaw", "firstCalls", "rawClaimThenComplete",
                "PostgreSQL first calls/s reach 0.90 of the raw claim and complete statements/s (4 + 4 threads)",
                0.90);
        besideRaw(md, rows, "JdbcBenchmark.duplicatesBesideRaw", "duplicatesFromStore", "rawLosingClaim",
                "PostgreSQL duplicates/s reach 0.90 of the raw losing claims/s (4 + 4 threads)", 0.90);
        besideRaw(md, rows, "RedisBenchmark.firstCallsBesideRaw", "firstCalls", "rawClaimThenComplete",
                "Redis first calls/s reach 0.90 of the raw claim and complete scripts/s (4 + 4 threads)", 0.90);
        besideRaw(md, rows, "RedisBenchmark.duplicatesBesideRaw", "duplicatesFromStore", "rawLosingClaim",
                "Redis duplicates/s reach 0.90 of the raw losing claims/s (4 + 4 threads)", 0.90);
        target(md, rows, "WebEndpointBenchmark.replayFromLocalCache", "WebEndpointBenchmark.bareCall",
                "an HTTP replay from the local cache costs no more than the same endpoint without it", 0, null);
        target(md, rows, "WebEndpointBenchmark.firstCall", "WebEndpointBenchmark.bareCall",
                "an idempotent HTTP first call adds at most 100 µs to the same endpoint through Tomcat", 100_000,
                null);
        md.append("\nHow to read them: `firstCall` includes the in-memory store's cost of keeping every record for")
                .append(" its ttl (2 s in the benchmark, so hundreds of thousands of live records and the garbage")
                .append(" collection of them); `firstCallOnANoOpStore` is the same call on a store that keeps nothing,")
                .append(" the engine's own share. The DynamoDB ratio compares first calls and the same requests sent")
                .append(" raw by 4 + 4 threads against one dynalite at the same time, so both see the same warm-up and")
                .append(" load.\n");
        md.append("\n## Heap per record in the in-memory store\n\n")
                .append(format(bytesPerRecord)).append(" bytes per completed record, with a result of ")
                .append(InMemoryFootprint.resultBytes())
                .append(" bytes: the heap in use after a full collection, before and after ")
                .append(format(InMemoryFootprint.RECORDS)).append(" first calls (one record each), divided by their")
                .append(" number. Measured by `ResultsReport` itself, in its own JVM.\n");
        md.append("\n## All results\n\n");
        md.append("| benchmark | params | threads | score | unit | allocated B/op | store requests/call |\n")
                .append("| --- | --- | ---: | ---: | --- | ---: | ---: |\n");
        for (Row row : rows) {
            md.append("| ").append(row.shortName()).append(" | ").append(row.params()).append(" | ")
                    .append(row.threads()).append(" | ").append(format(row.score()))
                    .append(Double.isNaN(row.error()) ? "" : " ± " + format(row.error())).append(" | ")
                    .append(row.unit()).append(" | ")
                    .append(row.allocBytes() == null ? "" : format(row.allocBytes())).append(" | ")
                    .append(row.requestsPerCall() == null ? "" : format(row.requestsPerCall())).append(" |\n");
        }
        return md.toString();
    }

    private static void target(StringBuilder md, List<Row> rows, String name, String baseline, String what,
            double maxAddedNanos, Integer maxAllocBytes) {
        Optional<Row> measured = find(rows, name);
        Optional<Row> bare = find(rows, baseline);
        if (measured.isEmpty() || bare.isEmpty()) {
            md.append("| ").append(what).append(" | not run | - |\n");
            return;
        }
        double added = nanos(measured.get()) - nanos(bare.get());
        boolean met = added <= maxAddedNanos;
        String allocation = "";
        if (maxAllocBytes != null && measured.get().allocBytes() != null) {
            double allocAdded = measured.get().allocBytes() - Optional.ofNullable(bare.get().allocBytes()).orElse(0.0);
            allocation = ", allocates " + format(allocAdded) + " B more (target 2 KB)";
            met &= allocAdded <= maxAllocBytes;
        }
        md.append("| ").append(what).append(" | adds ").append(format(added / 1_000)).append(" µs").append(allocation)
                .append(" | ").append(met ? "met" : "missed").append(" |\n");
    }

    /** A group of framework calls and the raw requests they are made of, run side by side: their ratio. */
    private static void besideRaw(StringBuilder md, List<Row> rows, String group, String calls, String raw,
            String what, double minRatio) {
        Optional<Row> measured = find(rows, group);
        Double framework = measured.map(r -> r.secondary().get(calls)).orElse(null);
        Double floor = measured.map(r -> r.secondary().get(raw)).orElse(null);
        if (framework == null || floor == null) {
            md.append("| ").append(what).append(" | not run | - |\n");
            return;
        }
        double ratio = framework / floor;
        md.append("| ").append(what).append(" | ").append(format(framework)).append(" vs ")
                .append(format(floor)).append(" ops/s = ")
                .append(String.format(Locale.ROOT, "%.2f", ratio)).append(" | ")
                .append(ratio >= minRatio ? "met" : "missed").append(" |\n");
    }

    /** A time per operation in nanoseconds, whatever unit the benchmark reports in. */
    private static double nanos(Row row) {
        return switch (row.unit()) {
            case "us/op" -> row.score() * 1_000;
            case "ms/op" -> row.score() * 1_000_000;
            default -> row.score();
        };
    }

    private static Optional<Row> find(List<Row> rows, String suffix) {
        return rows.stream().filter(r -> r.benchmark().endsWith(suffix) && r.params().isEmpty()).findFirst();
    }

    private static String format(double value) {
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }
}
