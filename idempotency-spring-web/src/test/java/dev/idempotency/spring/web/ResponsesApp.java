package dev.idempotency.spring.web;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.servlet.ModelAndView;

import dev.idempotency.CallOutcome;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.PaymentsApp.Payment;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The payments API with endpoints that take the other paths users' code takes: catch-all exception handlers, error
 * statuses sent by Spring, values that cannot be written, responses written to a client that left, asynchronous
 * values behind a declared {@code Object}, forms, multipart uploads and a locale.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ PaymentsApp.class, ResponsesApp.CatchAll.class, ResponsesApp.Advised.class, ResponsesApp.AdvisedAnswers.class,
        ResponsesApp.Statuses.class, ResponsesApp.Bodies.class, ResponsesApp.Pages.class })
public class ResponsesApp {

    /** Counts work that runs after the handler method returned (an asynchronous value's). */
    public static final class Work {

        private final AtomicInteger runs = new AtomicInteger();

        public int runs() {
            return runs.get();
        }

        int run() {
            return runs.incrementAndGet();
        }

        public void reset() {
            runs.set(0);
        }
    }

    /** The outcomes that the engine reported to observers, in order. */
    public static final class Outcomes implements IdempotencyObserver {

        private final List<CallOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public ObservedCall start(String namespace) {
            return (outcome, failure) -> outcomes.add(outcome);
        }

        public List<CallOutcome> all() {
            synchronized (outcomes) {
                return List.copyOf(outcomes);
            }
        }

        public void reset() {
            outcomes.clear();
        }
    }

    /** Reads a parameter before the handler, as Spring Security's CSRF filter does for a form without the header. */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> parameterReadingFilter() {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
                new OncePerRequestFilter() {
                    @Override
                    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                            FilterChain chain) throws ServletException, IOException {
                        request.getParameter("_csrf");
                        chain.doFilter(request, response);
                    }
                });
        registration.addUrlPatterns("/filtered-forms");
        return registration;
    }

    @Bean
    Work work() {
        return new Work();
    }

    @Bean
    Outcomes outcomes() {
        return new Outcomes();
    }

    /** A controller whose own handler answers every exception with a 500. */
    @RestController
    public static class CatchAll {

        private final Gate gate;

        public CatchAll(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping("/catch-all")
        public String pay(@RequestBody Payment payment) {
            return "paid " + payment.card() + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping("/catch-all/broken")
        public Broken broken(@RequestBody Payment payment) {
            gate.pass();
            return new Broken(payment.card());
        }

        @ExceptionHandler(Exception.class)
        public ResponseEntity<String> oops(Exception e) {
            return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("oops: " + e.getClass().getName());
        }
    }

    /** A controller that an advice of the highest precedence answers for, whatever was thrown. */
    @RestController
    public static class Advised {

        private final Gate gate;

        public Advised(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping("/advised")
        public String pay(@RequestBody Payment payment) {
            return "paid " + payment.card() + " run " + gate.pass();
        }
    }

    @RestControllerAdvice(assignableTypes = Advised.class)
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public static class AdvisedAnswers {

        @ExceptionHandler(RuntimeException.class)
        public ResponseEntity<String> oops(RuntimeException e) {
            return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("advised oops");
        }
    }

    /** Statuses that Spring sends as errors, and a locale. */
    @RestController
    public static class Statuses {

        private final Gate gate;

        public Statuses(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping("/coupons/{code}")
        @ResponseStatus(code = HttpStatus.GONE, reason = "This coupon was used up")
        public void redeem(@PathVariable String code, @RequestBody Payment payment) {
            gate.pass();
        }

        @Idempotent
        @PostMapping("/seats")
        @ResponseStatus(code = HttpStatus.CONFLICT, reason = "The seat is taken")
        public void book(@RequestBody Payment payment) {
            gate.pass();
        }

        @Idempotent
        @PostMapping("/greetings")
        public String greet(@RequestBody Payment payment, HttpServletResponse response) {
            gate.pass();
            response.setLocale(Locale.CANADA_FRENCH);
            return "bonjour " + payment.card();
        }
    }

    /** A controller of views: a form posted, then redirected (Post/Redirect/Get). */
    @Controller
    public static class Pages {

        private final Gate gate;

        public Pages(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping(path = "/orders-form", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
        public String place(@RequestParam String item) {
            return "redirect:/orders/" + item + "-" + gate.pass();
        }
    }

    /** A value whose accessor fails, so that it cannot be written. */
    public record Broken(String card) {

        @Override
        public String card() {
            throw new IllegalStateException("cannot read the card (test)");
        }
    }

    /** A value only JSON can write. */
    public record Plain(String card) {
    }

    /** Bodies: unwritable ones, a large one, asynchronous ones, forms and uploads. */
    @RestController
    public static class Bodies {

        private final Gate gate;
        private final Work work;

        public Bodies(Gate gate, Work work) {
            this.gate = gate;
            this.work = work;
        }

        @Idempotent
        @PostMapping("/broken")
        public Broken broken(@RequestBody Payment payment) {
            gate.pass();
            return new Broken(payment.card());
        }

        @Idempotent
        @PostMapping(path = "/plain")
        public Plain plain(@RequestBody Payment payment) {
            gate.pass();
            return new Plain(payment.card());
        }

        /** {@code amount} bytes, written in chunks of 64 KiB. */
        @Idempotent
        @PostMapping("/downloads")
        public void download(@RequestBody Payment payment, HttpServletResponse response) throws IOException {
            gate.pass();
            response.setContentType(MediaType.TEXT_PLAIN_VALUE);
            byte[] chunk = "x".repeat(65536).getBytes(StandardCharsets.US_ASCII);
            for (long left = payment.amount(); left > 0; left -= chunk.length) {
                response.getOutputStream().write(chunk, 0, (int) Math.min(left, chunk.length));
            }
        }

        /** Declared as Object: at runtime a Callable, whose work runs after the handler returned. */
        @Idempotent
        @PostMapping("/later")
        public Object later(@RequestBody Payment payment) {
            gate.pass();
            Callable<String> later = () -> "later " + payment.card() + " work " + work.run();
            return later;
        }

        @Idempotent
        @RequestMapping("/things")
        public String things() {
            return "things run " + gate.pass();
        }

        @Idempotent
        @PostMapping("/created")
        public ResponseEntity<Void> created(@RequestBody Payment payment) {
            return ResponseEntity.created(URI.create("/created/" + gate.pass())).build();
        }

        @Idempotent
        @PostMapping("/accepted")
        public ResponseEntity<Void> accepted(@RequestBody Payment payment) {
            gate.pass();
            return ResponseEntity.noContent().build();
        }

        @Idempotent
        @PostMapping(path = "/latin", produces = "text/plain;charset=ISO-8859-1")
        public String latin(@RequestBody Payment payment) {
            return "caf\u00e9 " + payment.card() + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping("/redirects")
        public ModelAndView redirect(@RequestBody Payment payment) {
            return new ModelAndView("redirect:/payments/r-" + gate.pass());
        }

        @Idempotent
        @PostMapping(path = "/filtered-forms", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
        public String filteredForm(@RequestParam String amount) {
            return "amount " + amount + " run " + gate.pass();
        }

        /** Declared as Object: at runtime the value {@code kind} names, each written after the handler returned. */
        @Idempotent
        @PostMapping("/later/{kind}")
        public Object laterOf(@PathVariable String kind) {
            gate.pass();
            switch (kind) {
                case "streaming":
                    return (StreamingResponseBody) out -> out.write(("streamed work " + work.run())
                            .getBytes(StandardCharsets.UTF_8));
                case "future":
                    return CompletableFuture.supplyAsync(() -> "future work " + work.run());
                case "deferred":
                    DeferredResult<String> result = new DeferredResult<>();
                    result.setResult("deferred work " + work.run());
                    return result;
                default:
                    SseEmitter emitter = new SseEmitter();
                    CompletableFuture.runAsync(() -> {
                        try {
                            emitter.send("emitted work " + work.run());
                            emitter.complete();
                        } catch (IOException e) {
                            emitter.completeWithError(e);
                        }
                    });
                    return emitter;
            }
        }

        @Idempotent
        @PostMapping(path = "/forms", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
        public String form(@RequestBody String body, @RequestParam String source) {
            return "form [" + body + "] from " + source + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping(path = "/uploads", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
        public String upload(@RequestParam String title, @RequestParam List<String> tag,
                @RequestPart("file") MultipartFile file, @RequestPart(name = "note", required = false)
                @Nullable String note) throws IOException {
            return "upload " + title + " " + tag + " " + file.getOriginalFilename() + " "
                    + new String(file.getBytes(), StandardCharsets.UTF_8) + " run " + gate.pass();
        }
    }
}
