// Colour-space conversions for the video layer.
/**
 * {@link rerender.video.color.Lab}: sRGB ↔ CIE Lab in OpenCV's 8-bit value convention (L 0..255, a and b + 128), in
 * float, as the reference's cvtColor(COLOR_BGR2Lab) on 8-bit images without the rounding.
 */
package rerender.video.color;
