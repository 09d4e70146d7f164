package dev.idempotency.spring.web;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.servlet.DispatcherServlet;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.PaymentsApp.Payment;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Handlers that dispatch inside their own method (an include of another endpoint, then a failure) and that hand
 * work to a child thread of an application whose dispatcher makes the request context inheritable.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ PaymentsApp.class, NestedDispatchApp.Endpoints.class })
public class NestedDispatchApp {

    /** While armed, the next handler run of /include-then-fail fails (a transient failure, before any effect). */
    public static final AtomicInteger FAILURES = new AtomicInteger();

    /** The dispatcher of an application that lets child threads see the request context. */
    @Bean
    static BeanPostProcessor inheritableContext() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof DispatcherServlet dispatcher) {
                    dispatcher.setThreadContextInheritable(true);
                }
                return bean;
            }
        };
    }

    @RestController
    public static class Endpoints {

        private final Gate gate;

        public Endpoints(Gate gate) {
            this.gate = gate;
        }

        /** Not idempotent: a fragment that other handlers include. */
        @PostMapping("/fragment")
        public String fragment() {
            return "fragment;";
        }

        /** Includes a fragment, then fails inside the handler method itself (before returning). */
        @Idempotent
        @PostMapping("/include-then-fail")
        public void includeThenFail(@RequestBody Payment payment, HttpServletRequest request,
                HttpServletResponse response) throws Exception {
            int run = gate.pass();
            request.getRequestDispatcher("/fragment").include(request, response);
            if (FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("transient failure in the handler method (test)");
            }
            response.getOutputStream().write(("paid " + payment.card() + " run " + run).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** Reads the request context in a child thread (inheritable, as the dispatcher is configured). */
        @Idempotent
        @PostMapping("/child-thread")
        public String childThread(@RequestBody Payment payment) throws InterruptedException {
            return "run " + gate.pass() + " child sees context: " + childSeesContext();
        }

        /** The same, without @Idempotent. */
        @PostMapping("/child-thread-plain")
        public String childThreadPlain(@RequestBody Payment payment) throws InterruptedException {
            return "child sees context: " + childSeesContext();
        }

        /** Not idempotent: asynchronous and wrapped return types, after the adapter's return value handlers changed. */
        @PostMapping("/plain/deferred")
        public org.springframework.web.context.request.async.DeferredResult<String> deferred() {
            org.springframework.web.context.request.async.DeferredResult<String> result =
                    new org.springframework.web.context.request.async.DeferredResult<>();
            new Thread(() -> result.setResult("deferred")).start();
            return result;
        }

        @PostMapping("/plain/callable")
        public java.util.concurrent.Callable<String> callable() {
            return () -> "callable";
        }

        @PostMapping("/plain/future")
        public java.util.concurrent.CompletableFuture<String> future() {
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> "future");
        }

        @PostMapping("/plain/emitter")
        public org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter emitter() {
            org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter emitter =
                    new org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter();
            new Thread(() -> {
                try {
                    emitter.send("emit", org.springframework.http.MediaType.TEXT_PLAIN);
                    emitter.send("ted", org.springframework.http.MediaType.TEXT_PLAIN);
                    emitter.complete();
                } catch (java.io.IOException e) {
                    emitter.completeWithError(e);
                }
            }).start();
            return emitter;
        }

        @PostMapping("/plain/streaming")
        public org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody streaming() {
            return out -> out.write("streamed".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        @PostMapping("/plain/optional")
        public java.util.Optional<String> optional() {
            return java.util.Optional.of("optional");
        }

        @PostMapping("/plain/entity")
        public org.springframework.http.HttpEntity<String> entity() {
            return org.springframework.http.ResponseEntity.status(201).header("X-Entity", "yes").body("entity");
        }

        private static boolean childSeesContext() throws InterruptedException {
            AtomicReference<RequestAttributes> seen = new AtomicReference<>();
            Thread child = new Thread(() -> seen.set(RequestContextHolder.getRequestAttributes()));
            child.start();
            child.join();
            return seen.get() != null;
        }
    }
}
