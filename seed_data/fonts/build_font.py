"""Build Qibu's embedded CJK font: a subset of WenQuanYi Micro Hei (Apache-2.0).

PDFs must show Chinese on machines without a Chinese font, so Qibu ships one and
reportlab embeds (and further subsets) it in every PDF. The subset keeps ASCII, common
punctuation, every character of GB 2312 (6,763 hanzi) and every character used in
seed_data/ and the translation catalogs, which keeps the file small enough to commit.

    python seed_data/fonts/build_font.py [--source /usr/share/fonts/truetype/wqy/wqy-microhei.ttc]

Needs fontTools (pip install fonttools) and Debian's fonts-wqy-microhei.
"""

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "app" / "static" / "fonts" / "QibuSans-CJK.ttf"
SOURCE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes (symbols and both levels of hanzi)."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def project_characters() -> set[str]:
    """Characters used in the reference data, demo data, questionnaire and catalogs."""
    chars = set()
    for pattern in ("seed_data/**/*.csv", "seed_data/**/*.json", "seed_data/**/*.md",
                    "app/translations/*/LC_MESSAGES/messages.po"):
        for path in ROOT.glob(pattern):
            chars |= set(path.read_text(encoding="utf-8"))
    return chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=SOURCE)
    args = parser.parse_args()
    collection = TTCollection(args.source)
    font = collection.fonts[0]
    keep = {chr(c) for c in range(0x20, 0x7F)} | set("，。、；：？！“”‘’（）《》【】—…·￥％")
    keep |= gb2312_characters() | project_characters()
    cmap = font.getBestCmap()
    unicodes = sorted(ord(c) for c in keep if len(c) == 1 and ord(c) in cmap)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(f"{OUT.relative_to(ROOT)}: {len(unicodes)} characters, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
