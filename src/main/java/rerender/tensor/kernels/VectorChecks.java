// Switches off the Vector API's per-access bounds check for the product (kernels check extents up front).
package rerender.tensor.kernels;

public final class VectorChecks {
    private VectorChecks() {
    }

    /** The JDK property read once, when the Vector API initialises; 0 = no per-load/store index check. */
    public static final String PROPERTY = "jdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK";

    /**
     * Call first thing in main, before any vector class loads. Every FloatVector.fromArray/intoArray otherwise
     * compares its index against the array length; in the GEMM micro-kernel (6 loads per 9 FMAs) that costs about
     * a third of its speed on Zen 3 (measured 55-63 vs 89-92 GFLOP/s single-threaded, and UNet 512 12.5 s vs 9.7 s
     * in back-to-back runs). The kernels validate every operand span before entering their loops (Gemm.check and
     * the callers' shape checks), and the test suite runs with the checks on, so an indexing bug still surfaces
     * there as an exception. A user who sets the property explicitly (e.g. to 1) keeps their value.
     */
    public static void relaxForSpeed() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "0");
        }
    }
}
