package kotlin.coroutines;

/**
 * A stand-in with the name of Kotlin's continuation, the last parameter of what a {@code suspend fun} compiles to.
 * The framework recognises suspend functions by that name, so no Kotlin library is needed to test it.
 */
public interface Continuation<T> {
}
