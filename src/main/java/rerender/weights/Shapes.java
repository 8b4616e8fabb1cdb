// Small helpers over tensor shapes (long[]): element count, formatting as "[320, 4, 3, 3]".
package rerender.weights;

import java.util.Arrays;

final class Shapes {
    private Shapes() {
    }

    /** Product of the dimensions; throws on negative dimensions or overflow. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + format(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static String format(long[] shape) {
        return Arrays.toString(shape);
    }
}
