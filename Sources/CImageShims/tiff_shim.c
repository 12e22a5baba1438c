#include "csit_image_shims.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

/* libtiff reports through process-wide handlers; the message goes to a thread-local
   buffer so concurrent decoders do not mix their errors. */
static __thread char last_error[512];

static void record_error(const char *module, const char *fmt, va_list ap) {
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(last_error, sizeof last_error, "%s%s%s", module ? module : "", module ? ": " : "", msg);
}

static void ignore_warning(const char *module, const char *fmt, va_list ap) {
    (void)module; (void)fmt; (void)ap;
}

int csit_tiff_decode(const char *path, int page, uint8_t **out, int *width, int *height,
                     int *pages, long long max_pixels, char *err, size_t err_len) {
    TIFFSetErrorHandler(record_error);
    TIFFSetWarningHandler(ignore_warning);
    last_error[0] = 0;
    *out = NULL;
    TIFF *tif = TIFFOpen(path, "r");
    if (!tif) {
        snprintf(err, err_len, "%s", last_error[0] ? last_error : "not a readable TIFF");
        return 1;
    }
    int count = 0;
    do { count++; } while (TIFFReadDirectory(tif));
    *pages = count;
    if (page < 0 || page >= count || !TIFFSetDirectory(tif, (tdir_t)page)) {
        snprintf(err, err_len, "page %d does not exist (the file has %d)", page, count);
        TIFFClose(tif);
        return 1;
    }
    uint32_t w = 0, h = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    uint16_t compression = 1;
    TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFIsCODECConfigured(compression)) {
        snprintf(err, err_len, "compression scheme %u is not supported by libtiff", compression);
        TIFFClose(tif);
        return 1;
    }
    char emsg[1024] = "";
    if (w == 0 || h == 0 || !TIFFRGBAImageOK(tif, emsg)) {
        snprintf(err, err_len, "unsupported TIFF layout: %s", emsg[0] ? emsg : (last_error[0] ? last_error : "empty image"));
        TIFFClose(tif);
        return 1;
    }
    if ((long long)w * (long long)h > max_pixels) {
        *width = (int)w;
        *height = (int)h;
        TIFFClose(tif);
        return 2;
    }
    uint32_t *raster = _TIFFmalloc((tmsize_t)w * h * sizeof(uint32_t));
    uint8_t *pixels = malloc((size_t)w * h * 3);
    if (!raster || !pixels) {
        snprintf(err, err_len, "out of memory for %ux%u pixels", w, h);
        if (raster) _TIFFfree(raster);
        free(pixels);
        TIFFClose(tif);
        return 1;
    }
    /* stop_on_error = 1: a damaged strip or tile is an error, not a grey hole. */
    if (!TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT, 1) || last_error[0]) {
        snprintf(err, err_len, "%s", last_error[0] ? last_error : "cannot decode the pixel data");
        _TIFFfree(raster);
        free(pixels);
        TIFFClose(tif);
        return 1;
    }
    for (size_t i = 0; i < (size_t)w * h; i++) {
        uint32_t p = raster[i];
        pixels[3 * i] = (uint8_t)TIFFGetR(p);
        pixels[3 * i + 1] = (uint8_t)TIFFGetG(p);
        pixels[3 * i + 2] = (uint8_t)TIFFGetB(p);
    }
    _TIFFfree(raster);
    TIFFClose(tif);
    *out = pixels;
    *width = (int)w;
    *height = (int)h;
    return 0;
}

int csit_tiff_write_rgb(const char *path, const uint8_t *pixels, int width, int height, char *err, size_t err_len) {
    TIFFSetErrorHandler(record_error);
    TIFFSetWarningHandler(ignore_warning);
    last_error[0] = 0;
    TIFF *tif = TIFFOpen(path, "w");
    if (!tif) {
        snprintf(err, err_len, "%s", last_error[0] ? last_error : "cannot create the file");
        return 1;
    }
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)height);
    tmsize_t size = (tmsize_t)width * height * 3;
    if (TIFFWriteEncodedStrip(tif, 0, (void *)pixels, size) != size) {
        snprintf(err, err_len, "%s", last_error[0] ? last_error : "cannot write the pixel data");
        TIFFClose(tif);
        return 1;
    }
    TIFFClose(tif);
    return 0;
}
