#!/usr/bin/env python3
"""Regenerates Tests/HistoDataTests/Fixtures: small real-tissue images in every format and
layout the decoders handle, damaged files for the error paths, and Pillow's own decoding
and bicubic resizing of them as references. Run once by a developer (pip install pillow
numpy safetensors); CI reads the committed files.

    python3 tools/make_image_fixtures.py
"""
import io
import os

import numpy as np
from PIL import Image
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "HistoDataTests", "Fixtures", "images")
SRC = os.path.join(ROOT, "data", "sample", "skimage_ihc.png")


def main():
    os.makedirs(OUT, exist_ok=True)
    tissue = Image.open(SRC).convert("RGB")
    tile = tissue.crop((100, 140, 148, 180))                 # 48x40 of real IHC tissue
    files = {
        "rgb.png": lambda p: tile.save(p),
        "gray.png": lambda p: tile.convert("L").save(p),
        "rgba.png": lambda p: tile.convert("RGBA").save(p),
        "palette.png": lambda p: tile.convert("P").save(p),
        "gray16.png": lambda p: Image.fromarray(np.asarray(tile.convert("L")).astype(np.uint16) * 257).save(p),
        "rgb.jpg": lambda p: tile.save(p, quality=92),
        "gray.jpg": lambda p: tile.convert("L").save(p, quality=92),
        "strip.tif": lambda p: tile.save(p),
        "lzw.tif": lambda p: tile.save(p, compression="tiff_lzw"),
        "gray.tif": lambda p: tile.convert("L").save(p),
    }
    decoded = {}
    for name, write in files.items():
        path = os.path.join(OUT, name)
        write(path)
        decoded[name] = np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8))
    # Pillow clips 16-bit gray to 255 when converting to RGB; the right 8-bit value is v / 257.
    gray = np.asarray(tile.convert("L"), dtype=np.uint8)
    decoded["gray16.png"] = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
    # Damaged files.
    png = open(os.path.join(OUT, "rgb.png"), "rb").read()
    open(os.path.join(OUT, "truncated.png"), "wb").write(png[: len(png) // 2])
    open(os.path.join(OUT, "empty.png"), "wb").close()
    jpg = open(os.path.join(OUT, "rgb.jpg"), "rb").read()
    open(os.path.join(OUT, "cut.jpg"), "wb").write(jpg[: len(jpg) * 2 // 3])
    open(os.path.join(OUT, "notes.png"), "wb").write(b"these are not pixels\n")
    tif = bytearray(open(os.path.join(OUT, "strip.tif"), "rb").read())
    # Corrupt the BitsPerSample tag's value (tag 258) to 3, which no decoder supports.
    ifd = int.from_bytes(tif[4:8], "little")
    n = int.from_bytes(tif[ifd:ifd + 2], "little")
    for i in range(n):
        e = ifd + 2 + 12 * i
        if int.from_bytes(tif[e:e + 2], "little") == 259:   # Compression → 60000 (unknown scheme)
            tif[e + 8:e + 10] = (60000).to_bytes(2, "little")
    open(os.path.join(OUT, "badtag.tif"), "wb").write(bytes(tif))
    # Pillow's bicubic resize, the reference for the evaluation transform.
    big = tissue.crop((0, 0, 97, 71))
    refs = {"source": np.asarray(big, dtype=np.uint8).copy(),
            "down_40x29": np.asarray(big.resize((40, 29), Image.BICUBIC), dtype=np.uint8).copy(),
            "up_131x90": np.asarray(big.resize((131, 90), Image.BICUBIC), dtype=np.uint8).copy(),
            "mixed_50x100": np.asarray(big.resize((50, 100), Image.BICUBIC), dtype=np.uint8).copy()}
    decoded.update({"resize." + k: v for k, v in refs.items()})
    save_file(decoded, os.path.join(OUT, "..", "pillow_reference.safetensors"))
    print("image fixtures written")


if __name__ == "__main__":
    main()
