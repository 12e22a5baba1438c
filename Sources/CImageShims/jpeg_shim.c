#include "csit_image_shims.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

struct shim_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *msg;
    size_t msg_len;
};

static void shim_error_exit(j_common_ptr cinfo) {
    struct shim_error *e = (struct shim_error *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    snprintf(e->msg, e->msg_len, "%s", buf);
    longjmp(e->jump, 1);
}

/* A corrupt-data warning (for example a file cut mid-stream) is an error for us: the
   pixels after it would be invented by libjpeg. */
static void shim_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        struct shim_error *e = (struct shim_error *)cinfo->err;
        char buf[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, buf);
        snprintf(e->msg, e->msg_len, "%s", buf);
        longjmp(e->jump, 1);
    }
}

int csit_jpeg_decode(const uint8_t *data, size_t size, uint8_t **out, int *width, int *height,
                     long long max_pixels, char *err, size_t err_len) {
    struct jpeg_decompress_struct cinfo;
    struct shim_error jerr;
    uint8_t *volatile pixels = NULL;
    *out = NULL;
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = shim_error_exit;
    jerr.pub.emit_message = shim_emit_message;
    jerr.msg = err;
    jerr.msg_len = err_len;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((long long)cinfo.image_width * (long long)cinfo.image_height > max_pixels) {
        *width = (int)cinfo.image_width;
        *height = (int)cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    cinfo.out_color_space = JCS_RGB;
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        cinfo.out_color_space = JCS_CMYK;
    }
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, c = cinfo.output_components;
    pixels = malloc((size_t)w * h * 3);
    uint8_t *row = malloc((size_t)w * c);
    if (!pixels || !row) {
        snprintf(err, err_len, "out of memory for %dx%d pixels", w, h);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return 1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        int y = (int)cinfo.output_scanline;
        JSAMPROW rows[1] = { row };
        jpeg_read_scanlines(&cinfo, rows, 1);
        uint8_t *dst = pixels + (size_t)y * w * 3;
        if (c == 3) {
            memcpy(dst, row, (size_t)w * 3);
        } else if (c == 4) {             /* Adobe CMYK is stored inverted */
            for (int x = 0; x < w; x++) {
                int k = row[4 * x + 3];
                for (int q = 0; q < 3; q++) dst[3 * x + q] = (uint8_t)(row[4 * x + q] * k / 255);
            }
        } else {
            for (int x = 0; x < w; x++) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = row[x];
        }
    }
    free(row);
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *out = pixels;
    *width = w;
    *height = h;
    return 0;
}
