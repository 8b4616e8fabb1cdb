// CIE L*a*b* <-> sRGB in float, in OpenCV's 8-bit cvtColor(COLOR_RGB2Lab) value convention:
// L in 0..255 (= L*·255/100), a and b offset by 128; D65 white, sRGB gamma; the formulas and constants of OpenCV's
// float path (thresholds 0.008856 / 903.3 / 7.787), without the 8-bit rounding.
package rerender.video.color;

import rerender.video.FloatImage;

public final class Lab {
    private Lab() {
    }

    // sRGB (linear) -> XYZ, D65, as OpenCV's sRGB2XYZ_D65; rows X, Y, Z.
    private static final double[] RGB2XYZ = {
            0.412453, 0.357580, 0.180423,
            0.212671, 0.715160, 0.072169,
            0.019334, 0.119193, 0.950227};
    private static final double WHITE_X = 0.950456;
    private static final double WHITE_Z = 1.088754;
    /** RGB2XYZ with the white point folded in (X/Xn, Z/Zn), and its exact inverse so that the round trip is exact. */
    private static final double[] M = whiteNormalised();
    private static final double[] M_INV = invert3(M);

    private static final double T = 0.008856;          // (6/29)^3, as OpenCV rounds it
    private static final double KAPPA = 903.3;         // L* slope below T
    private static final double SLOPE = 7.787;         // f(t) slope below T
    private static final double OFFSET = 16.0 / 116.0;
    private static final double F_T = SLOPE * T + OFFSET; // f at the threshold (OpenCV's fThresh)
    private static final double L_T = KAPPA * T;          // L* at the threshold (OpenCV's lThresh)

    /** RGB image (0..255) -> Lab image in the 8-bit convention (L 0..255, a and b centred on 128), float. */
    public static FloatImage fromRgb(FloatImage rgb) {
        requireThree(rgb);
        FloatImage out = new FloatImage(rgb.width, rgb.height, 3);
        float[] s = rgb.data, d = out.data;
        for (int i = 0; i < s.length; i += 3) {
            rgbToLab(s[i], s[i + 1], s[i + 2], d, i);
        }
        return out;
    }

    /** Lab image (8-bit convention) -> RGB image (0..255); out-of-gamut values are clamped to 0..255 like OpenCV. */
    public static FloatImage toRgb(FloatImage lab) {
        requireThree(lab);
        FloatImage out = new FloatImage(lab.width, lab.height, 3);
        float[] s = lab.data, d = out.data;
        for (int i = 0; i < s.length; i += 3) {
            labToRgb(s[i], s[i + 1], s[i + 2], d, i);
        }
        return out;
    }

    /** One pixel: r, g, b in 0..255 -> out[off..off+2] = L (0..255), a + 128, b + 128. */
    public static void rgbToLab(float r, float g, float b, float[] out, int off) {
        double rl = toLinear(r / 255.0), gl = toLinear(g / 255.0), bl = toLinear(b / 255.0);
        double x = M[0] * rl + M[1] * gl + M[2] * bl;
        double y = M[3] * rl + M[4] * gl + M[5] * bl;
        double z = M[6] * rl + M[7] * gl + M[8] * bl;
        double fx = f(x), fy = f(y), fz = f(z);
        double lStar = y > T ? 116.0 * fy - 16.0 : KAPPA * y;
        out[off] = (float) (lStar * (255.0 / 100.0));
        out[off + 1] = (float) (500.0 * (fx - fy) + 128.0);
        out[off + 2] = (float) (200.0 * (fy - fz) + 128.0);
    }

    /** One pixel: L (0..255), a + 128, b + 128 -> out[off..off+2] = r, g, b in 0..255 (clamped). */
    public static void labToRgb(float lIn, float aIn, float bIn, float[] out, int off) {
        double lStar = lIn * (100.0 / 255.0);
        double y, fy;
        if (lStar <= L_T) {
            y = lStar / KAPPA;
            fy = SLOPE * y + OFFSET;
        } else {
            fy = (lStar + 16.0) / 116.0;
            y = fy * fy * fy;
        }
        double x = fInv(fy + (aIn - 128.0) / 500.0);
        double z = fInv(fy - (bIn - 128.0) / 200.0);
        double rl = M_INV[0] * x + M_INV[1] * y + M_INV[2] * z;
        double gl = M_INV[3] * x + M_INV[4] * y + M_INV[5] * z;
        double bl = M_INV[6] * x + M_INV[7] * y + M_INV[8] * z;
        out[off] = (float) (255.0 * toGamma(clamp01(rl)));
        out[off + 1] = (float) (255.0 * toGamma(clamp01(gl)));
        out[off + 2] = (float) (255.0 * toGamma(clamp01(bl)));
    }

    // sRGB transfer curve and its inverse (IEC 61966-2-1), and f(t) of CIE Lab with its inverse. The power and
    // cube-root segments are evaluated from Hermite tables (error < 1e-8, checked against the exact functions
    // in LabTest); the exact versions stay beside them as the reference.
    private static final HermiteTable DECODE = new HermiteTable(
            v -> Math.pow((v + 0.055) / 1.055, 2.4), v -> 2.4 / 1.055 * Math.pow((v + 0.055) / 1.055, 1.4),
            0.04045, 1.0, 1024);
    private static final HermiteTable ENCODE = new HermiteTable(
            v -> 1.055 * Math.pow(v, 1.0 / 2.4) - 0.055, v -> 1.055 / 2.4 * Math.pow(v, 1.0 / 2.4 - 1),
            0.0031308, 1.0, 4096);
    /** Domain of f's cube-root branch: X/Xn, Y, Z/Zn of in-gamut colours stay below 1.0001. */
    private static final double CBRT_HI = 1.01;
    private static final HermiteTable CBRT = new HermiteTable(
            Math::cbrt, t -> 1 / (3 * Math.cbrt(t) * Math.cbrt(t)), T, CBRT_HI, 2048);

    static double toLinear(double v) {
        if (v <= 0.04045) {
            return v / 12.92;
        }
        return v <= 1 ? DECODE.at(v) : toLinearExact(v);
    }

    static double toGamma(double v) {
        return v <= 0.0031308 ? 12.92 * v : ENCODE.at(v); // v is clamped to [0, 1] by the caller
    }

    static double f(double t) {
        if (t <= T) {
            return SLOPE * t + OFFSET;
        }
        return t < CBRT_HI ? CBRT.at(t) : Math.cbrt(t);
    }

    static double toLinearExact(double v) {
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    static double toGammaExact(double v) {
        return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1.0 / 2.4) - 0.055;
    }

    static double fExact(double t) {
        return t > T ? Math.cbrt(t) : SLOPE * t + OFFSET;
    }

    private static double fInv(double ft) {
        return ft > F_T ? ft * ft * ft : (ft - OFFSET) / SLOPE;
    }

    private static double clamp01(double v) {
        return v < 0 ? 0 : Math.min(v, 1);
    }

    private static double[] whiteNormalised() {
        double[] m = RGB2XYZ.clone();
        for (int j = 0; j < 3; j++) {
            m[j] /= WHITE_X;
            m[6 + j] /= WHITE_Z;
        }
        return m;
    }

    private static double[] invert3(double[] m) {
        double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], k = m[8];
        double det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
        return new double[]{
                (e * k - f * h) / det, (c * h - b * k) / det, (b * f - c * e) / det,
                (f * g - d * k) / det, (a * k - c * g) / det, (c * d - a * f) / det,
                (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det};
    }

    private static void requireThree(FloatImage img) {
        if (img.channels != 3) {
            throw new IllegalArgumentException("Lab conversion needs a 3-channel image, got " + img.channels + " channels ("
                    + img.width + "x" + img.height + ")");
        }
    }
}
