package dev.idempotency.spring.web;

import java.nio.charset.StandardCharsets;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.PaymentsApp.Payment;

/** Endpoints that only some applications of the tests have: each shows one policy or one startup failure. */
final class MoreEndpoints {

    private MoreEndpoints() {
    }

    /** A streamed body: refused at startup, or run unprotected. */
    @RestController
    public static class Streams {

        private final Gate gate;

        public Streams(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping("/exports")
        public StreamingResponseBody export(@RequestBody Payment payment) {
            gate.pass();
            return out -> out.write(("export of " + payment.card()).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Made idempotent by idempotency.web.routes, without an annotation. */
    @RestController
    public static class Unannotated {

        private final Gate gate;

        public Unannotated(Gate gate) {
            this.gate = gate;
        }

        @PostMapping({ "/transfers", "/transfers/legacy" })
        public String transfer(@RequestBody Payment payment) {
            return "transfer " + payment.card() + " run " + gate.pass();
        }
    }

    /** A form, by its parameters. */
    @RestController
    public static class Forms {

        private final Gate gate;

        public Forms(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping(path = "/signups", consumes = "application/x-www-form-urlencoded")
        public String signUp(@RequestParam String name) {
            return "signed up " + name.length() + " run " + gate.pass();
        }
    }

    /** A key expression where the header is the key: refused at startup. */
    @RestController
    public static class KeyedEndpoint {

        @Idempotent(key = "#payment.card")
        @PostMapping("/keyed")
        public String keyed(@RequestBody Payment payment) {
            return payment.card();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ PaymentsApp.class, Streams.class, Unannotated.class, Forms.class })
    public static class PolicyApp {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ PaymentsApp.class, Streams.class })
    public static class StreamingApp {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ PaymentsApp.class, KeyedEndpoint.class })
    public static class KeyedApp {
    }
}
