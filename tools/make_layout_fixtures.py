#!/usr/bin/env python3
"""Regenerates Tests/HistoDataTests/Fixtures/{nct,breakhis}: small trees with the real
datasets' folder and file-name conventions, made from real tissue tiles of
data/sample/skimage_ihc.png (pip install pillow). Committed; CI does not run this.

    python3 tools/make_layout_fixtures.py
"""
import os
import shutil

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "HistoDataTests", "Fixtures")
TISSUE = Image.open(os.path.join(ROOT, "data", "sample", "skimage_ihc.png")).convert("RGB")

NCT = ["ADI", "BACK", "DEB", "LYM", "MUC", "MUS", "NORM", "STR", "TUM"]
# subtype code, folder name, benign?, patients (year, slide id)
BREAKHIS = [
    ("A", "adenosis", True, [("14", "22549AB"), ("14", "29960CD"), ("15", "11111AB")]),
    ("F", "fibroadenoma", True, [("14", "9133"), ("14", "21998EF")]),
    ("PT", "phyllodes_tumor", True, [("14", "22704"), ("15", "1099")]),
    ("TA", "tubular_adenoma", True, [("14", "3411F"), ("14", "16184")]),
    ("DC", "ductal_carcinoma", False, [("14", "2523"), ("14", "4372"), ("15", "18842"), ("14", "11951")]),
    ("LC", "lobular_carcinoma", False, [("14", "12204"), ("15", "30001")]),
    ("MC", "mucinous_carcinoma", False, [("14", "13418DE"), ("14", "18842D")]),
    ("PC", "papillary_carcinoma", False, [("14", "9146"), ("15", "19440")]),
]


def tile(k, w, h):
    """The k-th tile of the tissue image, deterministic."""
    x = (k * 37) % (TISSUE.width - w)
    y = (k * 53) % (TISSUE.height - h)
    return TISSUE.crop((x, y, x + w, y + h))


def nct():
    d = os.path.join(OUT, "nct")
    shutil.rmtree(d, ignore_errors=True)
    k = 0
    for c in NCT:
        os.makedirs(os.path.join(d, c))
        for i in range(3):
            tile(k, 32, 32).save(os.path.join(d, c, f"{c}-{'ABCDEFGH'[k % 8]}{k:07d}.tif"))
            k += 1


def breakhis():
    d = os.path.join(OUT, "breakhis", "BreaKHis_v1", "histology_slides", "breast")
    shutil.rmtree(os.path.join(OUT, "breakhis"), ignore_errors=True)
    k = 0
    for code, folder, benign, patients in BREAKHIS:
        cls = "benign" if benign else "malignant"
        for year, slide in patients:
            pdir = os.path.join(d, cls, "SOB", folder, f"SOB_{'B' if benign else 'M'}_{code}_{year}-{slide}")
            for zoom in (40, 100, 200, 400):
                zdir = os.path.join(pdir, f"{zoom}X")
                os.makedirs(zdir)
                for seq in range(1, 3):
                    name = f"SOB_{'B' if benign else 'M'}_{code}-{year}-{slide}-{zoom}-{seq:03d}.png"
                    tile(k, 35, 23).save(os.path.join(zdir, name))
                    k += 1


if __name__ == "__main__":
    nct()
    breakhis()
    print("layout fixtures written")
