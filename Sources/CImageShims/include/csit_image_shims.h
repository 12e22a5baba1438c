#ifndef CSIT_IMAGE_SHIMS_H
#define CSIT_IMAGE_SHIMS_H
#include <stddef.h>
#include <stdint.h>

/// Decodes a JPEG held in memory to 8-bit RGB (grayscale and CMYK are converted).
/// libjpeg's fatal-error exit is turned into a return code: on failure returns non-zero
/// and writes libjpeg's message into `err`; never longjmps through the caller.
/// On success `*out` is malloc'ed (`w * h * 3` bytes) and must be released with free().
/// An image of more than `max_pixels` pixels fails with code 2 before any pixel buffer is
/// allocated (`*width`, `*height` hold its size).
int csit_jpeg_decode(const uint8_t *data, size_t size, uint8_t **out, int *width, int *height,
                     long long max_pixels, char *err, size_t err_len);

/// Decodes page `page` of a TIFF file (strips or tiles, any compression libtiff reads,
/// JPEG-compressed tiles included) to 8-bit RGB. libtiff's error and warning handlers are
/// replaced by ones that record the message instead of printing it.
/// On success `*out` is malloc'ed (`w * h * 3` bytes); returns non-zero with a message on failure,
/// 2 (with `*width`, `*height` set) for a page of more than `max_pixels` pixels.
int csit_tiff_decode(const char *path, int page, uint8_t **out, int *width, int *height,
                     int *pages, long long max_pixels, char *err, size_t err_len);

#endif

#ifndef CSIT_TIFF_WRITE
#define CSIT_TIFF_WRITE
/// Writes an 8-bit RGB image as an uncompressed, single-strip TIFF (the NCT-CRC layout).
/// Returns non-zero with a message on failure.
int csit_tiff_write_rgb(const char *path, const uint8_t *pixels, int width, int height, char *err, size_t err_len);
#endif
