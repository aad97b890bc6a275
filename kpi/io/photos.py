"""Photos without metadata: EXIF (GPS position, camera make, artist, dates), XMP, IPTC and comments are removed,
the EXIF orientation applied to the pixels first, so a photo looks the same and tells nothing else.

A photo with nothing to remove and no rotation keeps its exact bytes (no second JPEG compression); any other is
encoded again (JPEG at quality 92, PNG losslessly), keeping only the colour profile.
"""
from __future__ import annotations

import io

# Image.info keys that describe how to show the pixels, never who, where or with what they were taken.
_HARMLESS = frozenset({"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
                       "icc_profile", "adobe", "adobe_transform", "gamma", "srgb", "chromaticity", "transparency",
                       "aspect"})
_ORIENTATION = 0x0112


def needs_cleaning(im) -> bool:
    """True when the image carries metadata other than display settings, or a rotation still to apply."""
    return bool(set(im.info) - _HARMLESS) or im.getexif().get(_ORIENTATION, 1) != 1


def clean(content: bytes) -> tuple[bytes, int, int]:
    """The photo's bytes with the metadata removed and the orientation applied, and its width and height."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(content)) as im:
        fmt = im.format
        if not needs_cleaning(im):
            return content, im.width, im.height
        upright = ImageOps.exif_transpose(im)
        icc = im.info.get("icc_profile")
        upright.info = {}  # nothing of the original's info is carried over implicitly
        out = io.BytesIO()
        if fmt == "JPEG":
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            upright.save(out, "JPEG", quality=92, optimize=True, **({"icc_profile": icc} if icc else {}))
        else:
            upright.save(out, "PNG", optimize=True, **({"icc_profile": icc} if icc else {}))
        return out.getvalue(), upright.width, upright.height
