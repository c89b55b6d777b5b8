"""Candidates' photos: checked, re-encoded without metadata, and served from our own host.

An upload is accepted only when Pillow recognises it as a JPEG, PNG or WebP image of
sensible dimensions; the header is read before any pixel is decoded, so a "decompression
bomb" (a small file that expands to billions of pixels) is refused without being
decoded. The image is then turned upright (EXIF orientation), reduced to fit
`MAX_SIDE`, flattened onto white, and written anew as a JPEG without EXIF, XMP, ICC or
comments: the camera's GPS position, serial numbers and the like are gone, and so is
anything else a crafted file carried (a script in a comment, a polyglot). What is stored
and served are only those new bytes.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Final

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from voting.errors import FieldError

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024
MAX_SOURCE_PIXELS: Final = 40_000_000  # a 40-megapixel camera; more is refused undecoded
MAX_SIDE: Final = 800
JPEG_QUALITY: Final = 85
ACCEPTED_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})
MEDIA_TYPE: Final = "image/jpeg"


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    """A photo ready to store: re-encoded JPEG bytes and their size."""

    content: bytes
    width: int
    height: int
    media_type: str

    @property
    def sha256(self) -> str:
        """The SHA-256 of the stored bytes, as hex."""
        return hashlib.sha256(self.content).hexdigest()


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check an upload and re-encode it.

    Raises:
        FieldError: ("photo") too large, not an image, an unsupported format, too many
            pixels, or damaged.
    """
    if not data:
        raise FieldError("photo", _l("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise FieldError("photo", _l("The photo may be at most 5 MB."))
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses large images; we refuse them ourselves below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as source:
                if source.format not in ACCEPTED_FORMATS:
                    raise FieldError("photo", _l("Upload a photo as JPEG, PNG or WebP."))
                width, height = source.size
                if width < 1 or height < 1 or width * height > MAX_SOURCE_PIXELS:
                    raise FieldError("photo", _l("The photo has too many pixels."))
                source.load()
                upright = ImageOps.exif_transpose(source)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                # A new image from the pixels alone: Pillow would otherwise write metadata
                # it carries along in `info` (a JPEG comment, for one) into the new file.
                flat = _on_white(upright)
                clean = Image.frombytes("RGB", flat.size, flat.tobytes())
                output = io.BytesIO()
                clean.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except FieldError:
        raise
    except Image.DecompressionBombError as error:
        raise FieldError("photo", _l("The photo has too many pixels.")) from error
    except UnidentifiedImageError as error:
        raise FieldError("photo", _l("Upload a photo as JPEG, PNG or WebP.")) from error
    except (OSError, ValueError, SyntaxError) as error:
        # Pillow reports a truncated or damaged file with these.
        raise FieldError("photo", _l("The photo could not be read. Try another file.")) from error
    return PreparedPhoto(
        content=output.getvalue(), width=clean.width, height=clean.height, media_type=MEDIA_TYPE
    )


def _on_white(image: Image.Image) -> Image.Image:
    """The image in RGB, transparent parts on a white background."""
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
