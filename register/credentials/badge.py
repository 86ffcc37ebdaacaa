"""The badge image for each level, and baking a credential into it (Open Badges 3.0
baking: the VC-JWT in a PNG iTXt chunk under the keyword `openbadgecredential`)."""

from __future__ import annotations

import io
from functools import lru_cache

from openbadgeslib.baking import bake_png, extract_png
from PIL import Image, ImageDraw, ImageFont

KEYWORD = b"openbadgecredential"
SIZE = 512
BLUE = (0, 94, 184)  # NHS blue
DARK = (0, 48, 135)
WHITE = (255, 255, 255)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int) -> None:
    font = ImageFont.load_default(size=size)
    width = draw.textlength(text, font=font)
    draw.text(((SIZE - width) / 2, y), text, font=font, fill=WHITE)


@lru_cache(maxsize=8)
def badge_png(level: int) -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=DARK)
    draw.ellipse((28, 28, SIZE - 28, SIZE - 28), fill=BLUE, outline=WHITE, width=6)
    _centred(draw, 120, "IMH", 120)
    _centred(draw, 260, "Recognition Register", 34)
    _centred(draw, 320, f"Level {level}", 64)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def baked(level: int, token: str) -> bytes:
    return bake_png(badge_png(level), token, keyword=KEYWORD)


def unbake(data: bytes) -> str | None:
    """The credential carried in a baked PNG, or None if it carries none."""
    return extract_png(data, keyword=KEYWORD)
