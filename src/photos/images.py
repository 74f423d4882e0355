"""Decoding an uploaded image and making its renditions, with Pillow.

Used by ProcessPhotoFunction only (imported on first use: the API functions never load
Pillow). Everything here is pure: bytes in, :class:`Renditions` out, or
:class:`Rejected` with a reason code; no AWS, no logging of bytes.

Rules and sources:

- The type comes from the bytes (``filetype``, as for ``POST /photos``), and Pillow must
  agree (its ``format``): a PNG header on something else is refused.
- Decompression bombs: Pillow's ``Image.MAX_IMAGE_PIXELS`` guard raises
  ``DecompressionBombError`` past twice the limit and *warns* past the limit; here both
  are refusals (Pillow docs, "Image.open": "to protect against potential DOS attacks").
  The pixel count is checked from the header, before any pixel is decoded.
- JPEGs are decoded with ``Image.draft`` at the smallest DCT scale that still covers the
  display size, which makes a 24 MP photo decode at a fraction of the memory and time.
- EXIF orientation is applied (``ImageOps.exif_transpose``) and then no metadata is
  written: the renditions are saved without ``exif``/``icc_profile``/XMP, so GPS and
  camera data never reach a rendition.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is imported on first use (make_renditions), not at cold start
    from PIL import Image

#: Largest image accepted, in pixels (width x height): 64 MP, about a 9200 x 6900 photo.
#: Pillow's own default is ~89 MP; decoding 64 MP RGB needs ~192 MB, inside the
#: processing function's MemorySize.
MAX_PIXELS = 64_000_000

#: filetype MIME -> the Pillow ``format`` name that must agree with it.
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}

#: Rendition JPEG quality (Pillow's ``quality``, 1..95).
JPEG_QUALITY = 82


class Rejected(Exception):
    """The bytes are not an acceptable image; ``reason`` is a ``RejectedReason`` code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Renditions:
    """The decoded image's size (pixels, after EXIF orientation) and JPEG renditions by
    name (``photos.store.RENDITIONS``)."""

    width: int
    height: int
    jpegs: dict[str, bytes]


def make_renditions(data: bytes, declared_type: str, sizes: dict[str, int]) -> Renditions:
    """Decode ``data``, check it is ``declared_type``, and render each of ``sizes``
    (name -> longest side in pixels; never upscaled).

    Raises:
        Rejected: ``empty``, ``not_an_image`` (no known image signature),
            ``type_mismatch`` (another image type than declared), ``decompression_bomb``
            (over :data:`MAX_PIXELS`), ``undecodable`` (truncated or corrupt).
    """
    from PIL import Image, ImageOps  # first use only: ~30 ms of import

    from photos.service import image_type

    if not data:
        raise Rejected("empty")
    sniffed = image_type(data)
    if sniffed is None:
        raise Rejected("not_an_image")
    if sniffed != declared_type:
        raise Rejected("type_mismatch")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[declared_type]]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Rejected("decompression_bomb")
                width, height = image.size  # full size, from the header
                largest = max(sizes.values())
                if image.format == "JPEG":
                    image.draft("RGB", (largest, largest))
                image.seek(0)  # an animation's first frame
                image.load()
                upright = ImageOps.exif_transpose(image)
                if upright.size != image.size:  # rotated 90/270 degrees by EXIF
                    width, height = height, width
                rgb = _to_rgb(upright)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Rejected("decompression_bomb") from exc
        except Rejected:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow's errors for truncated/corrupt data ("image file is truncated",
            # "broken data stream", UnidentifiedImageError is an OSError).
            raise Rejected("undecodable") from exc
    jpegs = {}
    for name, longest in sizes.items():
        copy = rgb.copy()
        copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        jpegs[name] = out.getvalue()
    return Renditions(width=width, height=height, jpegs=jpegs)


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white for images with transparency (a JPEG has no alpha)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
