// A frame rate as an exact fraction (num/den, e.g. 30000/1001), as containers store it; double only for display.
package rerender.video.io;

public record Rational(int num, int den) {
    public Rational {
        if (num <= 0 || den <= 0) {
            throw new IllegalArgumentException("frame rate must be a positive fraction, got " + num + "/" + den);
        }
        int g = gcd(num, den);
        num /= g;
        den /= g;
    }

    public static Rational of(int num, int den) {
        return new Rational(num, den);
    }

    /** Nearest fraction with denominator up to 1001000 (FFmpeg's av_d2q bound for frame rates): 29.97 -> 30000/1001. */
    public static Rational ofDouble(double fps) {
        if (!(fps > 0) || Double.isInfinite(fps)) {
            throw new IllegalArgumentException("frame rate must be positive and finite, got " + fps);
        }
        // Try the usual NTSC-style denominators first so 29.97 becomes 30000/1001, not 2997/100.
        for (int den : new int[] {1, 1001, 1000, 100}) {
            double n = fps * den;
            if (Math.abs(n - Math.rint(n)) < 1e-6 * Math.max(1, n) && Math.rint(n) <= Integer.MAX_VALUE) {
                return new Rational((int) Math.rint(n), den);
            }
        }
        return new Rational((int) Math.round(fps * 1_001_000), 1_001_000);
    }

    public double value() {
        return (double) num / den;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public String toString() {
        return den == 1 ? Integer.toString(num) : num + "/" + den;
    }
}
