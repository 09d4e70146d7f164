package dev.idempotency.spring.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.View;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.PaymentsApp.Payment;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Endpoints on the edges: work after the handler method returned (a body advice, an
 * interceptor's postHandle, a view that fails to render), a write around the held response, a filter that sets a
 * stored header, encoded paths and chunked uploads.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ PaymentsApp.class, EdgeCasesApp.Endpoints.class, EdgeCasesApp.Pages.class, EdgeCasesApp.FailingAdvice.class })
public class EdgeCasesApp implements WebMvcConfigurer {

    /** While armed, the next postHandle fails once (a transient failure, as of an audit write). */
    public static final AtomicInteger POST_HANDLE_FAILURES = new AtomicInteger();

    /** Fails in postHandle, after the handler method returned (and its response was stored). */
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new HandlerInterceptor() {
            @Override
            public void postHandle(HttpServletRequest request, HttpServletResponse response, Object handler,
                    @Nullable ModelAndView modelAndView) {
                if (POST_HANDLE_FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new IllegalStateException("postHandle failed (test)");
                }
            }
        }).addPathPatterns("/post-handle", "/post-handle-plain");
    }

    /** Sets Content-Language (a stored header) on every response, before the chain, as a locale filter may. */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> languageFilter() {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
                new OncePerRequestFilter() {
                    @Override
                    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                            FilterChain chain) throws ServletException, IOException {
                        response.setHeader("Content-Language", "de");
                        chain.doFilter(request, response);
                    }
                });
        registration.addUrlPatterns("/languages");
        return registration;
    }

    /** Marks the answers that ResponseBodyAdvice refuses to write. */
    public record Refused(String card) {
    }

    @RestControllerAdvice(assignableTypes = Endpoints.class)
    public static class FailingAdvice implements ResponseBodyAdvice<Object> {

        @Override
        public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
            return true;
        }

        @Override
        public @Nullable Object beforeBodyWrite(@Nullable Object body, MethodParameter returnType,
                MediaType selectedContentType, Class<? extends HttpMessageConverter<?>> selectedConverterType,
                ServerHttpRequest request, ServerHttpResponse response) {
            if (body instanceof Refused) {
                throw new IllegalStateException("the advice refuses the body (test)");
            }
            return body;
        }
    }

    @RestController
    public static class Endpoints {

        private final Gate gate;

        public Endpoints(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping("/advice-throws")
        public Refused adviceThrows(@RequestBody Payment payment) {
            gate.pass();
            return new Refused(payment.card());
        }

        @Idempotent
        @PostMapping("/post-handle")
        public PaymentsApp.Receipt postHandle(@RequestBody Payment payment) {
            int run = gate.pass();
            return new PaymentsApp.Receipt("pay-" + run, payment.card(), payment.amount(), run);
        }

        /** The same, without @Idempotent: what the application answers without the framework. */
        @PostMapping("/post-handle-plain")
        public PaymentsApp.Receipt postHandlePlain(@RequestBody Payment payment) {
            return new PaymentsApp.Receipt("plain", payment.card(), payment.amount(), 0);
        }

        /** Sends an error, then returns a body anyway (which the container ignores after sendError). */
        @Idempotent
        @PostMapping("/errors-then-body")
        public String errorThenBody(@RequestBody Payment payment, HttpServletResponse response) throws IOException {
            gate.pass();
            response.sendError(410, "The offer expired");
            return "body after the error";
        }

        /** Writes part of its body, then fails. */
        @Idempotent
        @PostMapping("/partial-then-throws")
        public void partialThenThrows(@RequestBody Payment payment, HttpServletResponse response) throws IOException {
            gate.pass();
            response.setContentType(MediaType.TEXT_PLAIN_VALUE);
            response.getOutputStream().write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("failed after writing (test)");
        }

        /** Declared as Object: at runtime a future whose work waits at the gate, after the handler returned. */
        @Idempotent
        @PostMapping("/later-held")
        public Object laterHeld(@RequestBody Payment payment) {
            return CompletableFuture.supplyAsync(() -> "later " + payment.card() + " run " + gate.pass());
        }

        /** The same upload, without the framework. */
        @PostMapping(path = "/file-pairs-plain", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
        public String plainPairs(@RequestPart("file") List<MultipartFile> files) throws IOException {
            return "plain files " + files.size();
        }

        /** Not idempotent: the target of a forward. */
        @PostMapping("/plain-receipts/{id}")
        public String plainReceipt(@PathVariable String id) {
            return "receipt " + id;
        }

        /** A body the handler compressed itself, with its Content-Encoding (a pre-compressed report, say). */
        @Idempotent
        @PostMapping("/compressed")
        public org.springframework.http.ResponseEntity<byte[]> compressed(@RequestBody Payment payment)
                throws IOException {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(bytes)) {
                gzip.write(("report " + payment.card() + " run " + gate.pass()).getBytes(StandardCharsets.UTF_8));
            }
            return org.springframework.http.ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN)
                    .header("Content-Encoding", "gzip").body(bytes.toByteArray());
        }

        /** Raw forms, without the framework: what the application answers to a form on its own. */
        @PostMapping(path = "/raw-forms-plain", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
        public String plainForm(@RequestParam Map<String, String> fields) {
            return "form " + fields;
        }

        /** A PUT of a form, whose body Boot's FormContentFilter reads as parameters before the handler. */
        @Idempotent
        @org.springframework.web.bind.annotation.PutMapping(path = "/put-forms",
                consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
        public String putForm(@RequestParam Map<String, String> fields) {
            return "put " + fields + " run " + gate.pass();
        }

        /** A final exception that no exception handler of the application answers (Boot's error page does). */
        @Idempotent(finalExceptions = UnsupportedOperationException.class)
        @PostMapping("/unanswered-finals")
        public String unansweredFinal(@RequestBody Payment payment) {
            gate.pass();
            throw new UnsupportedOperationException("final, unanswered (test)");
        }

        /** Writes to the response that the request context holds (the container's), and returns nothing. */
        @Idempotent
        @PostMapping("/context-writes")
        public void contextWrites(@RequestBody Payment payment) throws IOException {
            int run = gate.pass();
            HttpServletResponse response = ((ServletRequestAttributes) RequestContextHolder
                    .currentRequestAttributes()).getResponse();
            response.setContentType(MediaType.TEXT_PLAIN_VALUE);
            response.getOutputStream().write(("written " + payment.card() + " run " + run)
                    .getBytes(StandardCharsets.UTF_8));
        }

        /** Writes its body, flushes it and closes the stream inside the handler, and returns nothing. */
        @Idempotent
        @PostMapping("/flushes")
        public void flushes(@RequestBody Payment payment, HttpServletResponse response) throws IOException {
            int run = gate.pass();
            response.setContentType(MediaType.TEXT_PLAIN_VALUE);
            response.getOutputStream().write(("flushed " + payment.card() + " run " + run)
                    .getBytes(StandardCharsets.UTF_8));
            response.flushBuffer();
            response.getOutputStream().flush();
            response.getOutputStream().close();
        }

        @Idempotent
        @PostMapping("/languages")
        public String language(@RequestBody Payment payment) {
            return "hallo " + payment.card() + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping("/items/{id}")
        public String item(@PathVariable String id, @RequestBody Payment payment) {
            return "item " + id + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping(path = "/big-uploads", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
        public String upload(@RequestPart("file") MultipartFile file) throws IOException {
            return "upload " + file.getSize() + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping(path = "/raw-forms", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
        public String form(@RequestParam Map<String, String> fields) {
            return "form " + fields + " run " + gate.pass();
        }

        @Idempotent
        @PostMapping(path = "/file-pairs", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
        public String pairs(@RequestPart("file") List<MultipartFile> files) throws IOException {
            StringBuilder text = new StringBuilder("files");
            for (MultipartFile file : files) {
                text.append(' ').append(new String(file.getBytes(), StandardCharsets.UTF_8));
            }
            return text.append(" run ").append(gate.pass()).toString();
        }
    }

    /** Views: one that fails to render, and a void handler's default view. */
    @Controller
    public static class Pages {

        private final Gate gate;

        public Pages(Gate gate) {
            this.gate = gate;
        }

        @Idempotent
        @PostMapping("/broken-view")
        public ModelAndView brokenView(@RequestBody Payment payment) {
            gate.pass();
            View failing = new View() {
                @Override
                public void render(@Nullable Map<String, ?> model, HttpServletRequest request,
                        HttpServletResponse response) {
                    throw new IllegalStateException("the template failed (test)");
                }
            };
            return new ModelAndView(failing);
        }

        /** Forwards to another idempotent endpoint (a legacy route kept as an alias). */
        @Idempotent
        @PostMapping("/v1/items/{id}")
        public String legacyItem(@PathVariable String id) {
            return "forward:/items/" + id;
        }

        /** Forwards to an endpoint that is not idempotent. */
        @Idempotent
        @PostMapping("/v1/receipts/{id}")
        public String legacyReceipt(@PathVariable String id) {
            gate.pass();
            return "forward:/plain-receipts/" + id;
        }

        @Idempotent
        @PostMapping("/void-page")
        public void voidPage(@RequestBody Payment payment) {
            gate.pass();
        }
    }
}
