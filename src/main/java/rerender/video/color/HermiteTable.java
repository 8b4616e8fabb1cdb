// A smooth scalar function tabulated on a uniform grid and evaluated by cubic Hermite interpolation from exact
// values and derivatives; the fast path of the Lab conversion's power and cube-root curves.
package rerender.video.color;

import java.util.function.DoubleUnaryOperator;

/** Interpolation error ≤ h⁴/384·max|f''''| on [lo, hi]; outside the range callers must use the exact function. */
final class HermiteTable {
    private final double lo, invH, h;
    private final double[] value, slope; // f and h·f' at the grid points

    HermiteTable(DoubleUnaryOperator f, DoubleUnaryOperator df, double lo, double hi, int intervals) {
        this.lo = lo;
        this.h = (hi - lo) / intervals;
        this.invH = 1 / h;
        value = new double[intervals + 2];
        slope = new double[intervals + 2];
        for (int i = 0; i <= intervals + 1; i++) {
            double x = Math.min(lo + i * h, hi + h); // one spare point so x == hi needs no branch
            value[i] = f.applyAsDouble(x);
            slope[i] = h * df.applyAsDouble(x);
        }
    }

    double at(double x) {
        double u = (x - lo) * invH;
        int i = (int) u;
        double t = u - i, t2 = t * t, t3 = t2 * t;
        return (2 * t3 - 3 * t2 + 1) * value[i] + (t3 - 2 * t2 + t) * slope[i]
                + (3 * t2 - 2 * t3) * value[i + 1] + (t3 - t2) * slope[i + 1];
    }
}
