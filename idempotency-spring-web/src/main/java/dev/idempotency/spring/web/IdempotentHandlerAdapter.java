package dev.idempotency.spring.web;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.Ordered;
import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotWritableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.View;
import org.springframework.web.servlet.ViewResolver;
import org.springframework.web.servlet.support.RequestContextUtils;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.servlet.HandlerAdapter;
import org.springframework.web.servlet.view.InternalResourceView;
import org.springframework.web.util.WebUtils;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyException;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;

/**
 * Runs idempotent endpoints: around Spring MVC's own adapter, for the handler methods that {@link IdempotentEndpoints}
 * holds, and for nothing else. It sees the matched handler and its route template, reads the key and the body (at
 * most a limit) before the store is asked, runs the handler through the endpoint's {@link IdempotentOperation} while
 * holding its response, and writes either that response or the stored one (with {@code Idempotent-Replayed: true}).
 * Framework answers (400, 409, 413, 422, 500, 503) are written here, as {@link IdempotencyExceptionHandler} (the
 * application's bean of it) gives them, so that no catch-all handler of the application turns them into something
 * else; what the handler throws, after its key was released, is thrown for the application's own exception handlers.
 */
final class IdempotentHandlerAdapter implements HandlerAdapter, Ordered, SmartInitializingSingleton {

    private static final HexFormat HEX = HexFormat.of();
    /** Set while an idempotent handler runs: its return value handlers then mark that the method returned. */
    static final String RUNNING_ATTRIBUTE = IdempotentHandlerAdapter.class.getName() + ".RUNNING";
    /** Set once the handler method returned, before its return value is handled (written, a view chosen). */
    static final String RETURNED_ATTRIBUTE = IdempotentHandlerAdapter.class.getName() + ".RETURNED";
    private static final Logger log = LoggerFactory.getLogger(IdempotentHandlerAdapter.class);
    private static final Pattern SESSION_ID_PARAMETER = Pattern.compile(";jsessionid=[^/;]*",
            Pattern.CASE_INSENSITIVE);
    /**
     * RequestContextHolder's inheritable holder, which says whether the dispatcher made the request context visible
     * to child threads ({@code setThreadContextInheritable}); Spring has no getter for it. Null where unreadable.
     */
    private static final @Nullable ThreadLocal<?> INHERITABLE_CONTEXT = inheritableContextHolder();

    private final IdempotentEndpoints endpoints;
    private final ObjectProvider<RequestMappingHandlerAdapter> delegates;
    private final ObjectProvider<Idempotency> idempotency;
    private final IdempotencyWebConfig config;
    private final IdempotencyScopeResolver scopes;
    private final ObjectProvider<IdempotencyExceptionHandler> answers;
    private final ObjectProvider<HandlerExceptionResolver> resolvers;
    private final ObjectProvider<ViewResolver> viewResolvers;
    private final Set<String> storedHeaders;
    private volatile @Nullable RequestMappingHandlerAdapter delegate;

    IdempotentHandlerAdapter(IdempotentEndpoints endpoints, ObjectProvider<RequestMappingHandlerAdapter> delegates,
            ObjectProvider<Idempotency> idempotency, IdempotencyWebConfig config, IdempotencyScopeResolver scopes,
            ObjectProvider<IdempotencyExceptionHandler> answers, ObjectProvider<HandlerExceptionResolver> resolvers,
            ObjectProvider<ViewResolver> viewResolvers) {
        this.viewResolvers = viewResolvers;
        this.endpoints = endpoints;
        this.answers = answers;
        this.resolvers = resolvers;
        this.delegates = delegates;
        this.idempotency = idempotency;
        this.config = config;
        this.scopes = scopes;
        this.storedHeaders = config.storedHeaders().stream().map(h -> h.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Puts the return-value marker in place before the server takes requests: replacing the handler list while
     * requests run would leave other endpoints a moment without handlers.
     */
    @Override
    public void afterSingletonsInstantiated() {
        RequestMappingHandlerAdapter adapter = delegates.getIfUnique();
        if (adapter != null) {
            markReturns(adapter);
            delegate = adapter;
        }
    }

    /** Before Spring MVC's own adapters, which would run the handler unprotected. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public boolean supports(Object handler) {
        return handler instanceof HandlerMethod method && endpoints.contains(method.getMethod());
    }

    @Override
    public @Nullable ModelAndView handle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        if (request.getDispatcherType() != DispatcherType.REQUEST
                || IdempotencyWebConfig.SAFE_METHODS.contains(request.getMethod())) {
            // Only the client's request is idempotent: the second half of one that went asynchronous (its first half
            // decided what the key holds), a forward or an include from an endpoint that holds the key (its response
            // is the forwarding endpoint's, held and kept there), an error page. Or a safe method (a GET, its HEAD)
            // of a handler mapped to several: it changes nothing, so nothing to dedupe.
            return delegate().handle(request, response, handler);
        }
        HandlerMethod method = (HandlerMethod) handler;
        Endpoint endpoint = endpoints.forRequest(method, request);
        IdempotentOperation<StoredResponse> operation = endpoint == null ? null : endpoint.operation();
        if (operation == null) {
            return delegate().handle(request, response, handler);
        }
        Run run = new Run();
        try {
            return handle(request, response, handler, operation, run);
        } catch (RuntimeException e) {
            // The framework's answers reach the client as documented, whatever the application's own handlers of
            // Exception would make of them; what the handler threw is the application's to answer.
            if (e != run.thrown && answer(e, request, response)) {
                return null;
            }
            throw e;
        }
    }

    private @Nullable ModelAndView handle(HttpServletRequest request, HttpServletResponse response, Object handler,
            IdempotentOperation<StoredResponse> operation, Run run) throws Exception {
        String key;
        try {
            key = KeyHeader.read(request, config.headerName(), operation.namespace());
        } catch (KeyHeader.InvalidKeyException e) {
            throw counted(operation, e);
        }
        if (key == null) {
            if (config.keyRequired()) {
                throw counted(operation, new KeyHeader.InvalidKeyException(operation.namespace(), "This endpoint"
                        + " requires an " + config.headerName() + " header: send a unique key, such as "
                        + config.headerName() + ": \"8e03978e-40d5-43e8-bc93-6894a57f9324\", and the same key again"
                        + " to retry."));
            }
            return delegate().handle(request, response, handler);
        }
        // A multipart body is the container's to parse (its parts are read below); a form's is read here first, so
        // that the handler gets it whole (a @RequestBody String), and its parameters come from what was read.
        boolean multipart = isMultipart(request);
        boolean urlEncoded = isUrlEncodedForm(request);
        if (urlEncoded && request.getContentLengthLong() > config.maxRequestBytes()) {
            // Too large, and untouched: the container still parses it for the handler's parameters.
            if (config.oversized() == OversizedPolicy.REFUSE) {
                throw new RequestTooLargeException(config.maxRequestBytes());
            }
            return delegate().handle(request, response, handler);
        }
        BufferedRequest buffered;
        if (multipart && request.getContentLengthLong() <= config.maxRequestBytes()) {
            // Its parts, parsed now if they were not (resolve-lazily), before anything reads the body: the limit
            // holds for their total size, which a chunked body does not declare.
            if (partsSize(request) > config.maxRequestBytes()) {
                if (config.oversized() == OversizedPolicy.REFUSE) {
                    throw new RequestTooLargeException(config.maxRequestBytes());
                }
                return delegate().handle(request, response, handler);
            }
            buffered = BufferedRequest.parsed(request);
        } else {
            buffered = BufferedRequest.read(request, config.maxRequestBytes());
        }
        if (urlEncoded) {
            buffered.form();
        }
        if (buffered.oversized()) {
            if (config.oversized() == OversizedPolicy.REFUSE) {
                throw new RequestTooLargeException(config.maxRequestBytes());
            }
            return delegate().handle(buffered, response, handler);
        }
        String scoped = KeyHeader.scoped(scopes.scope(request), key);
        Map<String, Object> payload = fingerprint(request, buffered, multipart);
        Idempotency engine = idempotency.getObject();
        int limit = Math.min(config.maxResponseBytes(), engine.store().maxResultBytes());
        CapturingResponse capture = new CapturingResponse(response, limit, request.getRequestURI());
        StoredResponse stored;
        try {
            stored = operation.execute(scoped, payload, () -> {
                run.ran = true;
                // The request context answers the held response while the handler runs (a handler, or a bean of
                // it, that writes to RequestContextHolder's response writes where the body is held).
                RequestAttributes previous = RequestContextHolder.getRequestAttributes();
                boolean inheritable = INHERITABLE_CONTEXT != null && INHERITABLE_CONTEXT.get() != null;
                HeldAttributes attributes = new HeldAttributes(buffered, capture, previous);
                RequestContextHolder.setRequestAttributes(attributes, inheritable);
                try {
                    return run(buffered, capture, response, handler, engine.store().maxResultBytes(), run);
                } catch (NotStored notStored) {
                    throw notStored;
                } catch (Exception | Error e) {
                    run.thrown = e;
                    throw e;
                } finally {
                    RequestContextHolder.setRequestAttributes(previous, inheritable);
                    attributes.requestCompleted();
                }
            });
        } catch (NotStored notStored) {
            capture.commit();
            return notStored.view();
        } catch (RuntimeException e) {
            if (!run.ran && !(e instanceof IdempotencyException)) {
                // A kept final exception, replayed for the application's handlers to answer as the first time.
                response.setHeader(IdempotencyWebConfig.REPLAYED_HEADER, "true");
            }
            throw e;
        }
        if (run.ran) {
            capture.commit();
            return run.view;
        }
        replay(stored, response, operation.namespace(), scoped);
        return null;
    }

    /**
     * The refusal of a missing or malformed key, after the engine saw the call without a key, so that it counts as
     * {@code invalid_key} for its observers. The handler does not run either way.
     */
    private static KeyHeader.InvalidKeyException counted(IdempotentOperation<StoredResponse> operation,
            KeyHeader.InvalidKeyException refusal) {
        try {
            operation.execute(null, null, () -> {
                throw refusal;
            });
        } catch (IdempotencyKeyException e) {
            // The engine's refusal of no key (or ours, where the engine runs calls without a key unprotected).
        }
        return refusal;
    }

    /** Writes the framework's answer to {@code e}, as {@link IdempotencyExceptionHandler} gives it, if it has one. */
    private boolean answer(RuntimeException e, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        IdempotencyExceptionHandler answers = this.answers.getIfUnique();
        if (answers == null || response.isCommitted()) {
            return false;
        }
        ResponseEntity<ProblemDetail> answer;
        if (e instanceof IdempotencyKeyException key) {
            answer = answers.handleKey(key, request);
        } else if (e instanceof IdempotencyInProgressException inProgress) {
            answer = answers.handleInProgress(inProgress, request);
        } else if (e instanceof IdempotencyPayloadMismatchException mismatch) {
            answer = answers.handlePayloadMismatch(mismatch, request);
        } else if (e instanceof IdempotencyStoreException store) {
            answer = answers.handleStore(store, request);
        } else if (e instanceof IdempotencyReplayException replay) {
            answer = answers.handleReplay(replay, request);
        } else if (e instanceof RequestTooLargeException tooLarge) {
            answer = answers.handleTooLarge(tooLarge, request);
        } else {
            return false;
        }
        if (answer == null) {
            return false;
        }
        Object body = answer.getBody();
        MediaType type = answer.getHeaders().getContentType() != null ? answer.getHeaders().getContentType()
                : MediaType.APPLICATION_PROBLEM_JSON;
        HttpMessageConverter<Object> converter = null;
        if (body != null) {
            for (HttpMessageConverter<?> candidate : delegate().getMessageConverters()) {
                if (candidate.canWrite(body.getClass(), type)) {
                    @SuppressWarnings("unchecked")
                    HttpMessageConverter<Object> found = (HttpMessageConverter<Object>) candidate;
                    converter = found;
                    break;
                }
            }
            if (converter == null) {
                return false;
            }
        }
        response.resetBuffer();
        ServletServerHttpResponse out = new ServletServerHttpResponse(response);
        out.setStatusCode(answer.getStatusCode());
        out.getHeaders().putAll(answer.getHeaders());
        if (converter != null) {
            converter.write(body, type, out);
        }
        out.flush();
        return true;
    }

    /** What one request's run did: whether the handler ran, what it threw, and a view left to the dispatcher. */
    private static final class Run {
        boolean ran;
        @Nullable Throwable thrown;
        @Nullable ModelAndView view;
    }

    /**
     * Renders a view that a handler returned (a {@code redirect:} in a {@code @RestController}, say) into the held
     * response, as the dispatcher would after the handler, so that it is stored and replayed like a body.
     */
    private boolean render(ModelAndView view, HttpServletRequest request, CapturingResponse capture)
            throws Exception {
        View resolved = view.getView();
        String name = view.getViewName();
        if (name != null) {
            Locale locale = RequestContextUtils.getLocale(request);
            for (ViewResolver resolver : viewResolvers.orderedStream().toList()) {
                resolved = resolver.resolveViewName(name, locale);
                if (resolved != null) {
                    break;
                }
            }
        }
        if (resolved == null) {
            return false;
        }
        // As the dispatcher renders: the locale (its Content-Language), then the view's status, then the view.
        capture.setLocale(RequestContextUtils.getLocale(request));
        if (view.getStatus() != null) {
            request.setAttribute(View.RESPONSE_STATUS_ATTRIBUTE, view.getStatus());
            capture.setStatus(view.getStatus().value());
        }
        // A forward (a "forward:" view, a JSP): the container finishes the response it finds beneath the wrappers
        // when the forward returns, before the held body is written; while it runs, nothing leads it there.
        boolean forward = resolved instanceof InternalResourceView && !capture.isCommitted()
                && !WebUtils.isIncludeRequest(request);
        if (forward) {
            capture.detachFromContainer();
        }
        try {
            resolved.render(view.getModel(), request, capture);
        } finally {
            if (forward) {
                capture.attachToContainer();
            }
        }
        return true;
    }

    /** Runs the handler and returns its response to store, or throws {@link NotStored} to release the key. */
    private StoredResponse run(BufferedRequest request, CapturingResponse capture, HttpServletResponse response,
            Object handler, int storeLimit, Run run) throws Exception {
        ModelAndView view;
        request.setAttribute(RUNNING_ATTRIBUTE, Boolean.TRUE);
        try {
            view = delegate().handle(request, capture, handler);
        } catch (Exception e) {
            if (!(e instanceof HttpMessageNotWritableException || e instanceof HttpMediaTypeNotAcceptableException
                    || request.getAttribute(RETURNED_ATTRIBUTE) != null)) {
                throw e;
            }
            // The handler method returned, so its effects happened: what the client gets for a failure after it
            // (a value that could not be written, a ResponseBodyAdvice that threw) is the final answer, kept
            // whatever its status, never a release.
            return afterReturn(request, capture, handler, e, storeLimit);
        } finally {
            request.removeAttribute(RUNNING_ATTRIBUTE);
            request.removeAttribute(RETURNED_ATTRIBUTE);
        }
        if (request.isAsyncStarted()) {
            // An asynchronous value the declared return type did not show (Object returning a Callable, say): its
            // body comes after the handler returned, beyond capture. Under REFUSE the record is completed without
            // it, as for a response too large, so that a duplicate is refused instead of running the work again.
            capture.passThrough();
            if (config.oversized() == OversizedPolicy.REFUSE) {
                log.warn("The idempotent endpoint {} returned a value that completes asynchronously or streams,"
                        + " which its declared return type did not show: its response is not kept, and retries"
                        + " with the key are refused (500). Declare the asynchronous type to have it checked at"
                        + " startup.", handler);
                return capture.toStored(storedHeaders, null);
            }
            throw new NotStored(null);
        }
        boolean rendered;
        try {
            rendered = view == null || render(view, request, capture);
        } catch (Exception e) {
            // A view that failed to render, after the handler returned: answered and kept, never released.
            return afterReturn(request, capture, handler, e, storeLimit);
        }
        if (!rendered) {
            // A view no resolver knows here: the dispatcher renders it after the handler, beyond capture.
            capture.passThrough();
            if (config.oversized() == OversizedPolicy.REFUSE) {
                log.warn("The idempotent endpoint {} returned a view that cannot be rendered before it is stored:"
                        + " its response is not kept, and retries with the key are refused (500).", handler);
                run.view = view;
                return capture.toStored(storedHeaders, null);
            }
            throw new NotStored(view);
        }
        if (capture.errorSent() || !isFinal(response.getStatus())) {
            throw new NotStored(null);
        }
        return keep(capture, storeLimit);
    }

    /** The application's answer to a failure after the handler method returned, kept whatever its status. */
    private StoredResponse afterReturn(HttpServletRequest request, CapturingResponse capture, Object handler,
            Exception failure, int storeLimit) throws IOException {
        if (failure instanceof HttpMediaTypeNotAcceptableException) {
            // The client's Accept, not a failure of the application: answered (406) and kept, as before.
            log.debug("The idempotent endpoint {} has no converter for the client's Accept: the 406 is kept.",
                    handler);
        } else {
            log.warn("The idempotent endpoint {} failed after its handler method returned: the answer to the"
                    + " failure is kept and replayed, and the handler does not run again for the key.", handler,
                    failure);
        }
        resolve(request, capture, handler, failure);
        return keep(capture, storeLimit);
    }

    private StoredResponse keep(CapturingResponse capture, int storeLimit) {
        if (capture.overflowed()) {
            return tooLarge(capture);
        }
        StoredResponse stored = capture.toStored(storedHeaders, capture.body());
        return stored.estimatedBytes() > storeLimit ? tooLarge(capture) : stored;
    }

    /**
     * Answers {@code failure} as the dispatcher would, through the application's exception resolvers, into the
     * held response; without one that answers it, or with one that renders a view, with the status it stands for.
     */
    private void resolve(HttpServletRequest request, CapturingResponse capture, Object handler, Exception failure)
            throws IOException {
        request.removeAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE);
        if (!capture.isCommitted()) {
            capture.resetBuffer();
        }
        for (HandlerExceptionResolver resolver : resolvers.orderedStream().toList()) {
            ModelAndView answer;
            try {
                answer = resolver.resolveException(request, capture, handler, failure);
            } catch (RuntimeException e) {
                continue;
            }
            if (answer != null) {
                if (answer.isEmpty()) {
                    return;
                }
                break;
            }
        }
        capture.resetBuffer();
        capture.sendError(failure instanceof HttpMediaTypeNotAcceptableException ? 406 : 500);
    }

    /** A response too large to keep: refused to retries, or released to run them again. */
    private StoredResponse tooLarge(CapturingResponse capture) {
        if (config.oversized() == OversizedPolicy.RUN_UNPROTECTED) {
            throw new NotStored(null);
        }
        return capture.toStored(storedHeaders, null);
    }

    /**
     * Whether a status is a final answer that a retry gets again: 2xx, 3xx and 4xx but those that say "try again"
     * (408, 409, 425, 429); 5xx only when configured so (Stripe keeps its 500s), and never 502, 503 or 504.
     */
    private boolean isFinal(int status) {
        if (status < 500) {
            return status != 408 && status != 409 && status != 425 && status != 429;
        }
        return config.keepServerErrors() && status != 502 && status != 503 && status != 504;
    }

    private void replay(StoredResponse stored, HttpServletResponse response, String namespace, String key)
            throws IOException {
        byte[] body = stored.body();
        if (body == null) {
            throw new IdempotencyReplayException(namespace, namespace + "#" + sha256(key), "The first request with"
                    + " this key ran, but its response was not kept (too large for"
                    + " idempotency.web.max-response-bytes or the store's limit, or written after the handler"
                    + " returned: an asynchronous value, a view rendered after it), so it cannot be replayed. The"
                    + " handler did not run again.");
        }
        response.setStatus(stored.status());
        // Each stored header replaces what a filter set before the handler (as the handler's did the first time):
        // its first value set, any further ones added.
        stored.headers().forEach((name, values) -> {
            for (int i = 0; i < values.size(); i++) {
                if (i == 0) {
                    response.setHeader(name, values.get(i));
                } else {
                    response.addHeader(name, values.get(i));
                }
            }
        });
        response.setHeader(IdempotencyWebConfig.REPLAYED_HEADER, "true");
        response.setContentLength(body.length);
        if (body.length > 0) {
            response.getOutputStream().write(body);
        }
    }

    /**
     * What the request asks for: its method, route template, path, query string (when configured) and the SHA-256 of
     * its body; for a multipart request, whose raw body holds a boundary that every client draws anew, its parts in
     * a canonical order instead of the body.
     */
    private Map<String, Object> fingerprint(HttpServletRequest request, BufferedRequest buffered, boolean multipart)
            throws IOException {
        byte[] body = buffered.body();
        Map<String, Object> payload = new HashMap<>(8);
        payload.put("method", request.getMethod());
        payload.put("route", String.valueOf(request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE)));
        // The path too: the same key on /orders/2/refunds is another request than on /orders/1/refunds.
        // Normalised as RFC 3986 (6.2.2) says: /items/a%62c is /items/abc, %2f is %2F, but %2F stays apart from /.
        payload.put("path", normalizedPath(request.getRequestURI()));
        String query = request.getQueryString();
        if (config.includeQuery() && query != null) {
            payload.put("query", query);
        }
        if (multipart) {
            payload.put("parts", parts(request));
        } else {
            payload.put("body", sha256(body));
        }
        if (buffered.isForm() && body.length == 0 && request.getContentLengthLong() != 0) {
            // A filter read the form as parameters before (Spring Security's CSRF filter does), so the container
            // holds its body as parameters alone: they are the request then (with the query string's among them).
            Map<String, List<String>> values = new LinkedHashMap<>();
            buffered.getParameterMap().forEach((name, array) -> values.put(name, List.of(array)));
            payload.put("parameters", values);
        }
        return payload;
    }

    /**
     * A request path with its percent-encoding normalised (RFC 3986, 6.2.2.1 and 6.2.2.2): an escaped unreserved
     * character ({@code ALPHA / DIGIT / - . _ ~}) decoded, every other escape kept with upper-case hex digits, so
     * that an escaped reserved character ({@code %2F}) stays another path than the character itself. A
     * {@code ;jsessionid=} path parameter (the container's URL session tracking, which it strips before mapping) is
     * left out: a retry may carry a session id where the first request had none.
     */
    static String normalizedPath(String path) {
        if (path.indexOf(';') >= 0) {
            path = SESSION_ID_PARAMETER.matcher(path).replaceAll("");
        }
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder normal = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            int high;
            int low;
            if (c == '%' && i + 2 < path.length() && (high = Character.digit(path.charAt(i + 1), 16)) >= 0
                    && (low = Character.digit(path.charAt(i + 2), 16)) >= 0) {
                char decoded = (char) (high * 16 + low);
                if ((decoded >= 'A' && decoded <= 'Z') || (decoded >= 'a' && decoded <= 'z')
                        || (decoded >= '0' && decoded <= '9') || decoded == '-' || decoded == '.' || decoded == '_'
                        || decoded == '~') {
                    normal.append(decoded);
                } else {
                    normal.append('%').append(Character.toUpperCase(path.charAt(i + 1)))
                            .append(Character.toUpperCase(path.charAt(i + 2)));
                }
                i += 2;
            } else {
                normal.append(c);
            }
        }
        return normal.toString();
    }

    /**
     * The parts of a multipart request, each its name, file name, content type and the SHA-256 of its bytes, sorted
     * by name (stably, so that parts of one name keep their order): the same fields in another order, or under
     * another boundary, are the same request.
     */
    private static List<Map<String, Object>> parts(HttpServletRequest request) throws IOException {
        List<Map<String, Object>> parts = new ArrayList<>();
        try {
            for (Part part : request.getParts()) {
                Map<String, Object> described = new HashMap<>();
                described.put("name", part.getName());
                if (part.getSubmittedFileName() != null) {
                    described.put("fileName", part.getSubmittedFileName());
                }
                if (part.getContentType() != null) {
                    described.put("contentType", part.getContentType());
                }
                MessageDigest digest = sha256Digest();
                try (InputStream in = new DigestInputStream(part.getInputStream(), digest)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                described.put("sha256", HEX.formatHex(digest.digest()));
                parts.add(described);
            }
        } catch (jakarta.servlet.ServletException e) {
            throw new IOException("Cannot read the parts of a multipart request", e);
        }
        parts.sort(Comparator.comparing(part -> (String) part.get("name")));
        return parts;
    }

    /**
     * Parses the parts of a multipart request if nothing did yet (Spring's lazily resolving multipart request, with
     * its own answers to a malformed or too large body), and returns their total size in bytes.
     */
    private static long partsSize(HttpServletRequest request) throws IOException {
        MultipartHttpServletRequest spring = WebUtils.getNativeRequest(request, MultipartHttpServletRequest.class);
        if (spring != null) {
            spring.getMultiFileMap();
        }
        long total = 0;
        try {
            for (Part part : request.getParts()) {
                total += Math.max(0, part.getSize());
            }
        } catch (jakarta.servlet.ServletException e) {
            throw new IOException("Cannot read the parts of a multipart request", e);
        }
        return total;
    }

    private static boolean isUrlEncodedForm(HttpServletRequest request) {
        String contentType = request.getContentType();
        return contentType != null
                && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private static boolean isMultipart(HttpServletRequest request) {
        String contentType = request.getContentType();
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    private static @Nullable ThreadLocal<?> inheritableContextHolder() {
        try {
            Field holder = RequestContextHolder.class.getDeclaredField("inheritableRequestAttributesHolder");
            holder.setAccessible(true);
            return holder.get(null) instanceof ThreadLocal<?> threadLocal ? threadLocal : null;
        } catch (ReflectiveOperationException | RuntimeException unreadable) {
            return null;
        }
    }

    private RequestMappingHandlerAdapter delegate() {
        RequestMappingHandlerAdapter adapter = delegate;
        if (adapter == null) {
            adapter = delegates.getIfUnique();
            if (adapter == null) {
                throw new IllegalStateException("Idempotent endpoints need one RequestMappingHandlerAdapter bean"
                        + " (Spring MVC's, from @EnableWebMvc or Spring Boot), but there is none or several");
            }
            markReturns(adapter);
            delegate = adapter;
        }
        return adapter;
    }

    /**
     * Puts one return value handler in front of the adapter's, which marks (for an idempotent run) that the handler
     * method returned and then hands the value to the adapter's own handlers, as they were: whatever fails after
     * that (a {@code ResponseBodyAdvice}, a converter) happened after the method's effects.
     */
    private static synchronized void markReturns(RequestMappingHandlerAdapter adapter) {
        List<HandlerMethodReturnValueHandler> handlers = adapter.getReturnValueHandlers();
        if (handlers == null || (handlers.size() == 1 && handlers.get(0) instanceof ReturnMarker)) {
            return;
        }
        HandlerMethodReturnValueHandlerComposite original = new HandlerMethodReturnValueHandlerComposite()
                .addHandlers(handlers);
        adapter.setReturnValueHandlers(List.of(new ReturnMarker(original)));
    }

    /**
     * The request context while an idempotent handler runs: the held response; request-scoped beans' destruction
     * callbacks are registered with the dispatcher's context, which ends with the request.
     */
    private static final class HeldAttributes extends ServletRequestAttributes {

        private final @Nullable RequestAttributes outer;

        HeldAttributes(HttpServletRequest request, HttpServletResponse response, @Nullable RequestAttributes outer) {
            super(request, response);
            this.outer = outer;
        }

        @Override
        public void registerDestructionCallback(String name, Runnable callback, int scope) {
            if (outer != null) {
                outer.registerDestructionCallback(name, callback, scope);
            } else {
                super.registerDestructionCallback(name, callback, scope);
            }
        }
    }

    /** Marks that the handler method returned, then handles its value as the adapter's own handlers do. */
    private record ReturnMarker(HandlerMethodReturnValueHandlerComposite handlers)
            implements HandlerMethodReturnValueHandler {

        @Override
        public boolean supportsReturnType(MethodParameter returnType) {
            return handlers.supportsReturnType(returnType);
        }

        @Override
        public void handleReturnValue(@Nullable Object returnValue, MethodParameter returnType,
                ModelAndViewContainer mavContainer, NativeWebRequest webRequest) throws Exception {
            HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
            if (request != null && request.getAttribute(RUNNING_ATTRIBUTE) != null) {
                request.setAttribute(RETURNED_ATTRIBUTE, Boolean.TRUE);
            }
            handlers.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
        }
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        return HEX.formatHex(sha256Digest().digest(bytes));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A body larger than {@link IdempotencyWebConfig#maxRequestBytes()}, under {@link OversizedPolicy#REFUSE}. */
    static final class RequestTooLargeException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final int limit;

        RequestTooLargeException(int limit) {
            super("The request body is larger than the " + limit + " bytes an idempotent endpoint accepts", null,
                    false, false);
            this.limit = limit;
        }

        int limit() {
            return limit;
        }
    }
}
