package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;

/**
 * The canonical form orders a set by its elements' canonical bytes, rendering each element on its own generator
 * before the set is written, and renders it again when it is written. Every level of nested sets doubles the work: the
 * node at depth k of a category tree is written 2^k times, so a tree 24 levels deep (one child per level) holds the
 * request's thread for minutes of CPU (a tree of lists: each node once). A recursive DTO
 * ({@code Set<Category> children}) is an ordinary shape, and its depth is the client's to choose.
 *
 * <p>And since each fresh generator starts at depth 0, Jackson's nesting limit (500) never stops a cycle through a set
 * (a JPA entity graph: {@code Order.lines} a {@code Set<Line>}, {@code Line.order} back): it recurses until the thread's
 * stack is exhausted, and Jackson recovers from the StackOverflowError. The same cycle through a list stops cleanly at
 * the limit. Recovering from a StackOverflowError is not safe: whatever class initialiser runs on the exhausted stack
 * fails, for the JVM's lifetime: run with the other tests, this call left {@code tools.jackson.core.TokenStreamLocation}
 * uninitialisable, and every later Jackson error in that JVM became {@code NoClassDefFoundError: Could not initialize
 * class tools.jackson.core.TokenStreamLocation}. So the cycles run in fresh JVMs here.
 */
class NestedSetsFingerprintTest {

    /** A category tree node that counts how often the canonical form writes it. */
    public static final class Category {
        static final AtomicInteger writes = new AtomicInteger();

        private final String name;
        private final Set<Category> children;

        Category(String name, Set<Category> children) {
            this.name = name;
            this.children = children;
        }

        public String getName() {
            writes.incrementAndGet();
            return name;
        }

        public Set<Category> getChildren() {
            return children;
        }
    }

    private final IdempotentOperation<String> operation =
            Idempotency.create().operation("catalog.import", String.class).build();

    @Test
    void writesEachNodeOfATreeOfSetsAFewTimesNotTwiceForEveryLevelAboveIt() {
        int depth = 16;
        Category tree = new Category("leaf", Set.of());
        for (int level = 0; level < depth; level++) {
            tree = new Category("c" + level, Set.of(tree));
        }
        Category payload = tree;
        Category.writes.set(0);

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> operation.execute("k-1", payload, () -> "imported"));

        // Fails: 131071 writes (2^17 - 1) for 17 nodes; at depth 24 one request takes minutes of CPU.
        assertThat(Category.writes.get()).as("writes of the %d nodes", depth + 1).isLessThanOrEqualTo(4 * (depth + 1));
    }

    /** An entity graph: an order's lines in a set, each line pointing back at its order. */
    public static class Order {
        public String id = "o-1";
        public Set<Line> lines = new HashSet<>();
    }

    public static class Line {
        public String sku;
        public Order order;

        Line(String sku, Order order) {
            this.sku = sku;
            this.order = order;
        }
    }

    public static class ListedOrder {
        public String id = "o-1";
        public List<ListedLine> lines = new ArrayList<>();
    }

    public static class ListedLine {
        public String sku;
        public ListedOrder order;

        ListedLine(String sku, ListedOrder order) {
            this.sku = sku;
            this.order = order;
        }
    }

    /**
     * Fingerprints one cyclic payload in a fresh JVM (what it breaks there must not break the other tests), then
     * provokes an ordinary Jackson error; prints each throwable's class, one line per link of its cause chain.
     */
    public static final class CycleInAFreshJvm {

        public static void main(String[] arguments) {
            Object payload;
            if (arguments[0].equals("set")) {
                Order order = new Order();
                order.lines.add(new Line("A-1", order));
                payload = order;
            } else {
                ListedOrder order = new ListedOrder();
                order.lines.add(new ListedLine("A-1", order));
                payload = order;
            }
            IdempotentOperation<String> place = Idempotency.create().operation("orders.place", String.class).build();
            try {
                place.execute("k-1", payload, () -> "placed");
                System.out.println("cycle: no failure");
            } catch (Throwable t) {
                for (Throwable c = t; c != null; c = c.getCause()) {
                    System.out.println("cycle: " + c.getClass().getName());
                }
            }
            try {
                tools.jackson.databind.json.JsonMapper.builder().build().readTree("{");
            } catch (Throwable t) {
                System.out.println("later: " + (t instanceof JacksonException ? "a JacksonException" : t.getClass().getName()));
            }
        }
    }

    private static List<String> runInAFreshJvm(String shape) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CycleInAFreshJvm.class.getName(), shape)
                .redirectErrorStream(true).start();
        List<String> lines;
        try (var reader = process.inputReader()) {
            lines = reader.lines().filter(l -> l.startsWith("cycle: ") || l.startsWith("later: ")).toList();
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return lines;
    }

    @Test
    void refusesACyclicPayloadThroughASetAtTheNestingLimitAsThroughAList() throws Exception {
        assertThat(runInAFreshJvm("list")).as("a cycle through a list").containsExactly(
                "cycle: " + IdempotencyKeyException.class.getName(),
                "cycle: " + StreamConstraintsException.class.getName(),
                "later: a JacksonException");

        // Fails, e.g. [cycle: IdempotencyKeyException, cycle: DatabindException, cycle: StackOverflowError,
        // later: java.lang.NoClassDefFoundError] or [..., StackOverflowError, later: a JacksonException]: the stack was exhausted, and Jackson is broken for the JVM.
        assertThat(runInAFreshJvm("set")).as("a cycle through a set").containsExactly(
                "cycle: " + IdempotencyKeyException.class.getName(),
                "cycle: " + StreamConstraintsException.class.getName(),
                "later: a JacksonException");
    }
}
