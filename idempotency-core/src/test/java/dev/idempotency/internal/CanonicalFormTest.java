package dev.idempotency.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.idempotency.serialization.JacksonResultSerializer;
import dev.idempotency.testing.Hashes;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical form behind fingerprints: equal payloads hash alike in any iteration order and any {@code Set} or
 * {@code Map} implementation, trees and classes alike, across a nullable field added between deploys and across
 * decimal scales; different payloads differ. Thousands of generated payloads, from fixed seeds, so that a failure
 * repeats.
 */
class CanonicalFormTest {

    private static final int CASES = 3_000;

    private final CanonicalForm form = new CanonicalForm(JacksonResultSerializer.create().mapper());

    private String text(@Nullable Object value) {
        return new String(form.bytes(value), StandardCharsets.UTF_8);
    }

    // --- the form, written out: a compatibility promise ---

    record LineItem(String sku, int quantity, BigDecimal price) {
    }

    record Order(String id, @Nullable String note, List<LineItem> items, Set<String> tags,
            Map<String, Object> attributes, Optional<String> coupon) {
    }

    private static Order goldenOrder() {
        Map<String, Object> attributes = new HashMap<>();
        attributes.put("channel", "web");
        attributes.put("gift", true);
        attributes.put("referrer", null);
        return new Order("o-42", null, List.of(new LineItem("B-2", 1, new BigDecimal("19.90")),
                new LineItem("A-1", 3, new BigDecimal("5.00"))), new HashSet<>(List.of("vip", "b2b", "eu")),
                attributes, Optional.empty());
    }

    /**
     * The form of a typical request, as text and as its SHA-256. Records written by one version must match calls of
     * the next: if this test fails, the change breaks every retry in flight across a deploy, so it belongs in a
     * major version, with a note.
     */
    @Test
    void writesTheFormThatIsPromised() {
        String expected = "{\"attributes\":{\"channel\":\"web\",\"gift\":true},\"id\":\"o-42\",\"items\":"
                + "[{\"price\":19.9,\"quantity\":1,\"sku\":\"B-2\"},{\"price\":5,\"quantity\":3,\"sku\":\"A-1\"}],"
                + "\"tags\":[\"b2b\",\"eu\",\"vip\"]}";

        assertThat(text(goldenOrder())).isEqualTo(expected);
        assertThat(form.fingerprint(goldenOrder())).isEqualTo(Hashes.sha256(expected))
                .isEqualTo("9124e32a59ecf2713761094eea50eacd463ec5a57b56ac9d6e8b6f1efc08a51e");
        List<Object> arguments = List.of("o-42", 3, new BigDecimal("2.50"));
        assertThat(text(arguments)).isEqualTo("[\"o-42\",3,2.5]");
        assertThat(form.fingerprint(arguments))
                .isEqualTo("f7e2ea7ab2f3b2134b90ac292f90682e7404188500a770b8e512afd31a7ab34c");
        assertThat(form.fingerprint(null)).isEqualTo("-");
    }

    // --- cases that users' code produces ---

    @Test
    void ordersSetsWhateverTheirImplementationAndIterationOrder() {
        // "Aa" and "BB" have one hash code: a HashSet keeps them in insertion order.
        List<String> colliding = List.of("Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa");
        List<String> reversed = new ArrayList<>(colliding);
        Collections.reverse(reversed);
        String expected = text(new TreeSet<>(colliding));

        assertThat(text(new HashSet<>(colliding))).isEqualTo(expected);
        assertThat(text(new HashSet<>(reversed))).isEqualTo(expected);
        assertThat(text(new LinkedHashSet<>(reversed))).isEqualTo(expected);
        assertThat(text(Set.of("Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa"))).isEqualTo(expected);
        assertThat(text(Set.of("BBAa", "AaBB", "BBBB", "AaAa", "BB", "Aa"))).isEqualTo(expected);
        assertThat(text(Set.copyOf(reversed))).isEqualTo(expected);
    }

    @Test
    void ordersSetsOfRecordsAndOfMixedValues() {
        LineItem a = new LineItem("A-1", 1, BigDecimal.ONE);
        LineItem b = new LineItem("B-2", 2, BigDecimal.TEN);

        assertThat(text(new LinkedHashSet<>(List.of(a, b)))).isEqualTo(text(new LinkedHashSet<>(List.of(b, a))));
        assertThat(text(new LinkedHashSet<>(List.of(1, "one", true))))
                .isEqualTo(text(new LinkedHashSet<>(List.of(true, "one", 1))));
    }

    @Test
    void ordersJsonTreesByPropertyNameAndLeavesOutNullProperties() {
        ObjectNode one = JsonNodeFactory.instance.objectNode();
        one.put("b", 2).put("a", 1).putObject("c").put("y", "why").put("x", "ex");
        ObjectNode other = JsonNodeFactory.instance.objectNode();
        other.putObject("c").put("x", "ex").put("y", "why");
        other.put("a", 1).putNull("z");
        other.put("b", 2);
        JsonNode parsed = JsonMapper.builder().build().readTree("{\"c\":{\"y\":\"why\",\"x\":\"ex\"},\"b\":2,\"a\":1}");

        assertThat(text(one)).isEqualTo("{\"a\":1,\"b\":2,\"c\":{\"x\":\"ex\",\"y\":\"why\"}}");
        assertThat(text(other)).isEqualTo(text(one));
        assertThat(text(parsed)).isEqualTo(text(one));
    }

    record PaymentV1(String id, BigDecimal amount) {
    }

    /** The next deploy's request: a nullable field more, and its components in another order. */
    record PaymentV2(@Nullable String memo, BigDecimal amount, String id, Optional<String> coupon) {
    }

    @Test
    void matchesARequestThatGainedANullableFieldBetweenDeploys() {
        assertThat(form.fingerprint(new PaymentV2(null, new BigDecimal("10.00"), "p-1", Optional.empty())))
                .isEqualTo(form.fingerprint(new PaymentV1("p-1", new BigDecimal("10"))));
        assertThat(form.fingerprint(new PaymentV2("gift", new BigDecimal("10"), "p-1", Optional.empty())))
                .isNotEqualTo(form.fingerprint(new PaymentV1("p-1", new BigDecimal("10"))));
    }

    @Test
    void writesEqualDecimalsAlikeWhateverTheirScale() {
        assertThat(text(new BigDecimal("1.0"))).isEqualTo(text(new BigDecimal("1.00"))).isEqualTo("1");
        assertThat(text(new BigDecimal("100"))).isEqualTo(text(new BigDecimal("1E+2")))
                .isEqualTo(text(new BigDecimal("100.000")));
        assertThat(text(JsonNodeFactory.instance.numberNode(new BigDecimal("2.50"))))
                .isEqualTo(text(new BigDecimal("2.5")));
        assertThat(text(new BigDecimal("1.01"))).isNotEqualTo(text(new BigDecimal("1.1")));
        assertThat(text(new BigDecimal("0.000"))).isEqualTo(text(BigDecimal.ZERO));
    }

    record Customer(String country, String id) {
    }

    @Test
    void ordersMapsWhoseKeysAreNotComparable() {
        Customer alice = new Customer("FR", "alice");
        Customer bob = new Customer("DE", "bob");
        Map<Customer, Integer> one = new LinkedHashMap<>();
        one.put(alice, 1);
        one.put(bob, 2);
        Map<Customer, Integer> other = new LinkedHashMap<>();
        other.put(bob, 2);
        other.put(alice, 1);

        assertThat(text(one)).isEqualTo(text(other));
        assertThat(text(Map.of(alice, 1, bob, 3))).isNotEqualTo(text(one));
    }

    @Test
    void ordersEnumKeysByNameInEveryMapImplementation() {
        Map<DayOfWeek, String> byEnum = new EnumMap<>(DayOfWeek.class);
        byEnum.put(DayOfWeek.MONDAY, "m");
        byEnum.put(DayOfWeek.FRIDAY, "f");
        Map<DayOfWeek, String> hashed = new HashMap<>(Map.of(DayOfWeek.FRIDAY, "f", DayOfWeek.MONDAY, "m"));

        assertThat(text(byEnum)).isEqualTo(text(hashed)).isEqualTo("{\"FRIDAY\":\"f\",\"MONDAY\":\"m\"}");
    }

    @Test
    void keepsTheOrderOfListsAndThePlacesOfTheirNulls() {
        assertThat(text(List.of("a", "b"))).isNotEqualTo(text(List.of("b", "a")));
        assertThat(text(java.util.Arrays.asList("a", null))).isNotEqualTo(text(java.util.Arrays.asList(null, "a")));
        assertThat(text(java.util.Arrays.asList("a", null))).isNotEqualTo(text(List.of("a")));
    }

    // --- generated payloads ---

    @Test
    void givesEqualPayloadsBuiltInAnyOrderAndShapeEqualFingerprints() {
        for (int seed = 0; seed < CASES; seed++) {
            Node payload = Node.generate(new Random(seed), 4);
            String first = form.fingerprint(payload.build(new Random(seed * 31L + 1)));
            for (int variant = 2; variant <= 3; variant++) {
                Object built = payload.build(new Random(seed * 31L + variant));
                assertThat(form.fingerprint(built)).as("seed %d, variant %d: %s", seed, variant, payload)
                        .isEqualTo(first);
            }
        }
    }

    @Test
    void givesDifferentPayloadsDifferentFingerprints() {
        for (int seed = 0; seed < CASES; seed++) {
            Random random = new Random(seed);
            Node payload = Node.generate(random, 4);
            Node changed = payload.mutate(random);
            assertThat(form.fingerprint(changed.build(new Random(seed))))
                    .as("seed %d: %s changed to %s", seed, payload, changed)
                    .isNotEqualTo(form.fingerprint(payload.build(new Random(seed))));
        }
    }

    /**
     * A payload's shape, independent of how it is built: {@link #build} makes a Java value of it with randomly
     * chosen implementations, insertion orders, trees or records, absent fields and decimal scales, all of which must
     * write the same canonical form.
     */
    sealed interface Node {

        Object build(Random random);

        Node mutate(Random random);

        static Node generate(Random random, int depth) {
            int kind = random.nextInt(depth <= 0 ? 4 : 9);
            return switch (kind) {
                case 0 -> new Text(text(random));
                case 1 -> new Whole(random.nextInt(2_000) - 1_000);
                case 2 -> new Decimal(BigDecimal.valueOf(random.nextInt(100_000) - 50_000, random.nextInt(4)));
                case 3 -> new Flag(random.nextBoolean());
                case 4 -> new Sequence(children(random, depth));
                case 5 -> new Strings(strings(random));
                case 6 -> new Mixed(distinct(children(random, depth)));
                case 7 -> new Fields(fields(random, depth), random.nextBoolean());
                default -> new Priced(text(random), random.nextBoolean() ? null : random.nextInt(100),
                        BigDecimal.valueOf(random.nextInt(10_000), 2));
            };
        }

        private static String text(Random random) {
            String[] parts = {"Aa", "BB", "é", "€", "x", "", "\"", "\\", "\u0000", "😀", "order", "1"};
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(4); i >= 0; i--) {
                text.append(parts[random.nextInt(parts.length)]);
            }
            return text.toString();
        }

        private static List<Node> children(Random random, int depth) {
            List<Node> children = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                children.add(generate(random, depth - 1));
            }
            return children;
        }

        private static Set<String> strings(Random random) {
            Set<String> strings = new TreeSet<>();
            for (int i = random.nextInt(6); i > 0; i--) {
                strings.add(text(random));
            }
            return strings;
        }

        /** Children whose canonical forms differ, as a set's elements must. */
        private static List<Node> distinct(List<Node> nodes) {
            CanonicalForm form = new CanonicalForm(JacksonResultSerializer.create().mapper());
            Map<String, Node> byForm = new TreeMap<>();
            for (Node node : nodes) {
                byForm.putIfAbsent(form.fingerprint(node.build(new Random(0))), node);
            }
            return new ArrayList<>(byForm.values());
        }

        private static Map<String, Node> fields(Random random, int depth) {
            Map<String, Node> fields = new TreeMap<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                fields.put(text(random), generate(random, depth - 1));
            }
            return fields;
        }

        private static <T> List<T> shuffled(List<T> items, Random random) {
            List<T> copy = new ArrayList<>(items);
            Collections.shuffle(copy, random);
            return copy;
        }
    }

    record Text(String value) implements Node {
        public Object build(Random random) {
            return value;
        }

        public Node mutate(Random random) {
            return new Text(value + "x");
        }
    }

    record Whole(int value) implements Node {
        public Object build(Random random) {
            return random.nextBoolean() ? (Object) value : (Object) (long) value;
        }

        public Node mutate(Random random) {
            return new Whole(value + 1);
        }
    }

    record Decimal(BigDecimal value) implements Node {
        /** The same number, at a scale with up to three more trailing zeros. */
        public Object build(Random random) {
            return value.setScale(value.scale() + random.nextInt(4));
        }

        public Node mutate(Random random) {
            return new Decimal(value.add(BigDecimal.ONE));
        }
    }

    record Flag(boolean value) implements Node {
        public Object build(Random random) {
            return value;
        }

        public Node mutate(Random random) {
            return new Flag(!value);
        }
    }

    record Sequence(List<Node> items) implements Node {
        public Object build(Random random) {
            List<Object> list = new ArrayList<>();
            items.forEach(item -> list.add(item.build(random)));
            return list;
        }

        public Node mutate(Random random) {
            List<Node> changed = new ArrayList<>(items);
            if (changed.isEmpty() || random.nextBoolean()) {
                changed.add(new Text("new"));
            } else {
                int at = random.nextInt(changed.size());
                changed.set(at, changed.get(at).mutate(random));
            }
            return new Sequence(changed);
        }
    }

    record Strings(Set<String> values) implements Node {
        public Object build(Random random) {
            List<String> order = Node.shuffled(List.copyOf(values), random);
            return switch (random.nextInt(4)) {
                case 0 -> new HashSet<>(order);
                case 1 -> new LinkedHashSet<>(order);
                case 2 -> new TreeSet<>(order);
                default -> Set.copyOf(order);
            };
        }

        public Node mutate(Random random) {
            Set<String> changed = new TreeSet<>(values);
            changed.add("new-element");
            return new Strings(changed);
        }
    }

    record Mixed(List<Node> elements) implements Node {
        public Object build(Random random) {
            Set<Object> set = random.nextBoolean() ? new LinkedHashSet<>() : new HashSet<>();
            Node.shuffled(elements, random).forEach(element -> set.add(element.build(random)));
            return set;
        }

        public Node mutate(Random random) {
            List<Node> changed = new ArrayList<>(elements);
            changed.add(new Text("new-element-" + elements.size()));
            return new Mixed(changed);
        }
    }

    /** An object: a map or a JSON tree, its fields inserted in any order, with null fields that count for nothing. */
    record Fields(Map<String, Node> fields, boolean asTree) implements Node {
        public Object build(Random random) {
            List<String> names = Node.shuffled(List.copyOf(fields.keySet()), random);
            if (asTree) {
                ObjectNode tree = JsonNodeFactory.instance.objectNode();
                for (String name : names) {
                    tree.set(name, TREES.valueToTree(fields.get(name).build(random)));
                }
                if (random.nextBoolean()) {
                    tree.putNull("absent-" + random.nextInt(3));
                }
                return tree;
            }
            Map<String, Object> map = random.nextBoolean() ? new HashMap<>() : new LinkedHashMap<>();
            names.forEach(name -> map.put(name, fields.get(name).build(random)));
            if (random.nextBoolean()) {
                map.put("absent-" + random.nextInt(3), null);
            }
            return map;
        }

        public Node mutate(Random random) {
            Map<String, Node> changed = new TreeMap<>(fields);
            if (changed.isEmpty() || random.nextBoolean()) {
                changed.put("new-field", new Whole(7));
            } else {
                String name = List.copyOf(changed.keySet()).get(random.nextInt(changed.size()));
                changed.put(name, changed.get(name).mutate(random));
            }
            return new Fields(changed, asTree);
        }
    }

    /** A record, written by this deploy or the next, which adds a nullable field and orders its components anew. */
    record Priced(String name, @Nullable Integer quantity, BigDecimal price) implements Node {
        public Object build(Random random) {
            BigDecimal scaled = price.setScale(price.scale() + random.nextInt(3));
            return random.nextBoolean() ? new PricedV1(name, quantity, scaled)
                    : new PricedV2(scaled, null, quantity, name, Optional.empty());
        }

        public Node mutate(Random random) {
            return new Priced(name, quantity == null ? 1 : quantity + 1, price);
        }
    }

    record PricedV1(String name, @Nullable Integer quantity, BigDecimal price) {
    }

    record PricedV2(BigDecimal price, @Nullable String note, @Nullable Integer quantity, String name,
            Optional<String> discount) {
    }

    /**
     * Makes tree values from built ones. A tree is JSON, whose arrays are ordered: a set put into a tree becomes an
     * array in the set's iteration order, and stays so. So the trees here are made with the canonical form's own
     * mapper, which orders sets as it converts; decimals keep their scale in the tree.
     */
    private static final tools.jackson.databind.ObjectMapper TREES =
            new CanonicalForm(JacksonResultSerializer.create().mapper()).mapper();

    @Test
    void generatesPayloadsOfEveryShape() {
        Set<Class<?>> kinds = new HashSet<>();
        for (int seed = 0; seed < CASES; seed++) {
            collectKinds(Node.generate(new Random(seed), 4), kinds);
        }
        assertThat(kinds).contains(Text.class, Whole.class, Decimal.class, Flag.class, Sequence.class,
                Strings.class, Mixed.class, Fields.class, Priced.class);
        assertThat(BigInteger.valueOf(kinds.size())).isEqualTo(BigInteger.valueOf(9));
    }

    private static void collectKinds(Node node, Set<Class<?>> kinds) {
        kinds.add(node.getClass());
        if (node instanceof Sequence sequence) {
            sequence.items().forEach(item -> collectKinds(item, kinds));
        } else if (node instanceof Mixed mixed) {
            mixed.elements().forEach(element -> collectKinds(element, kinds));
        } else if (node instanceof Fields fields) {
            fields.fields().values().forEach(field -> collectKinds(field, kinds));
        }
    }
}
