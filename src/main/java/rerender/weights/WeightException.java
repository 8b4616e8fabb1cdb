// The one error type of weight loading: a one-line message naming the file, the key and what was expected.
package rerender.weights;

public final class WeightException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WeightException(String message) {
        super(message);
    }

    public WeightException(String message, Throwable cause) {
        super(message, cause);
    }
}
