"""Turning canvas drawings and uploaded photos into what MNIST looks like.

MNIST digits are white ink on black, 28x28, size-normalised so the longer side of
the ink is 20 px (anti-aliased, aspect ratio kept), then placed so the centre of
mass sits at the centre. A drawing or photo differs from that in every respect;
`canvas_to_gray` and `decode_upload` turn either into ink in [0, 1], and
`mnist_like` applies MNIST's own recipe to that ink.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 12_000_000
UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
INK_THRESHOLD = 0.1  # of the brightest ink: fainter is noise, and MNIST's background is exactly 0
SIDE = 28
DIGIT_BOX = 20  # MNIST's digits fill a 20x20 box; the margin leaves room for centring
CENTRE = 14.0  # where MNIST's centres of mass lie, in pixel indices (the test set averages 14.0)
_TOO_LARGE = f"This image has over {MAX_PIXELS // 1_000_000} million pixels: too many to read."
_DAMAGED = "This image file is damaged or incomplete, so it can't be read."
_NOT_FINITE = "This image contains undefined (NaN or infinite) pixel values."


class InputError(ValueError):
    """An image that can't be used; the message is one sentence for the user."""


class EmptyImageError(InputError):
    """An image without any ink, such as an empty canvas."""


# ---------------------------------------------------------------- canvas


def canvas_to_gray(rgba: np.ndarray) -> np.ndarray:
    """The canvas's RGBA pixels (uint8, H x W x 4) as float32 (H, W) ink in [0, 1].

    Strokes are white on a black or transparent background, so ink is lightness
    times opacity: a transparent pixel is no ink whatever its colour.
    """
    pixels = np.asarray(rgba)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.size == 0:
        raise InputError(
            f"The canvas sent {pixels.dtype} pixels of shape {pixels.shape}, "
            "not the expected height x width x 4 RGBA bytes."
        )
    lightness, opacity = _lightness_and_opacity(Image.fromarray(pixels))
    return lightness * opacity


def _lightness_and_opacity(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's luma (as PIL's "L") and alpha, float32 in [0, 1]."""
    # Through RGBA, because it is the one conversion that honours every kind of
    # transparency: alpha channels, palette entries and single transparent colours.
    rgba = image.convert("RGBA")
    lightness = np.asarray(rgba.convert("L"), dtype=np.float32) / 255
    opacity = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
    return lightness, opacity


# ---------------------------------------------------------------- uploads


def decode_upload(data: bytes) -> np.ndarray:
    """An uploaded image file as float32 (H, W) ink in [0, 1], white ink on black.

    Animated or multi-page files give their first frame. Dark ink on light paper
    (a photo, a scan) is inverted, and the paper's own shade counts as no ink.
    Raises InputError for anything that is not a whole, readable, small enough image.
    """
    if not data:
        raise InputError("The uploaded file is empty.")
    return _ink(_brightness(_read_image(data)))


def _read_image(data: bytes) -> Image.Image:
    """The first frame, fully decoded and turned upright as its EXIF orientation says."""
    image = _opened(data)
    # The header's size, checked before decoding: a small file can unpack to gigabytes.
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise InputError(_TOO_LARGE)
    try:
        image.load()  # decodes everything now, so a truncated file fails here
        return ImageOps.exif_transpose(image)
    # PIL's decoders report damage with many exception types (OSError, SyntaxError,
    # ValueError, struct.error, EOFError...); to the user they all mean the same.
    except Exception as error:
        raise InputError(_DAMAGED) from error


def _opened(data: bytes) -> Image.Image:
    """The image with only its header read: format, mode and size."""
    try:
        return Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)
    except UnidentifiedImageError as error:
        raise InputError(
            f"This file is not an image in a format we read ({', '.join(UPLOAD_FORMATS)})."
        ) from error
    except Image.DecompressionBombError as error:
        raise InputError(_TOO_LARGE) from error
    except Exception as error:  # a header that starts like an image's, then breaks off
        raise InputError(_DAMAGED) from error


def _brightness(image: Image.Image) -> np.ndarray:
    """Each pixel's brightness, float32 in [0, 1]; transparent parts lie on white paper."""
    if image.mode.startswith("I;16"):
        return np.asarray(image, dtype=np.float32) / 65535
    if image.mode == "I":
        # 32-bit integers have no customary range: the brightest pixel is white.
        values = np.asarray(image, dtype=np.float64)
        return np.clip(values / max(values.max(), 1), 0, 1).astype(np.float32)
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if not np.isfinite(values).all():
            raise InputError(_NOT_FINITE)
        return ((values - values.min()) / (np.ptp(values) or 1.0)).astype(np.float32)
    try:
        lightness, opacity = _lightness_and_opacity(image)
    except ValueError as error:  # the few modes PIL can't convert, e.g. "La"
        raise InputError(f"Images in colour mode {image.mode} are not supported.") from error
    return lightness * opacity + (1 - opacity)


def _ink(brightness: np.ndarray) -> np.ndarray:
    """Ink in [0, 1]: how much darker than the paper each pixel is, or lighter on dark paper.

    The paper is the outer ring of pixels, where a digit rarely reaches. Measuring
    from its shade rather than from white or black turns a photo's grey paper into
    MNIST's black background, and dark ink on light paper into white ink.
    """
    ring = np.concatenate(
        [brightness[0], brightness[-1], brightness[1:-1, 0], brightness[1:-1, -1]]
    )
    paper = np.median(ring)
    ink = paper - brightness if paper > 0.5 else brightness - paper
    return np.clip(ink, 0, 1).astype(np.float32)


# ---------------------------------------------------------------- MNIST's recipe


def mnist_like(ink: np.ndarray, *, center: bool = True) -> np.ndarray:
    """Ink of any size as a float32 (28, 28) MNIST digit in [0, 1].

    `ink` is float in [0, 1] or uint8. With center=False the whole image is only
    resized to 28x28, to show what the model makes of a digit without MNIST's
    normalisation. Raises EmptyImageError when there is no ink, and InputError
    for anything but a 2-D array of uint8, or of finite floats in [0, 1].
    """
    ink = _validated(ink)
    peak = ink.max()
    if peak < INK_THRESHOLD:
        raise EmptyImageError("There is no digit here yet: draw one, or upload a picture of one.")
    if not center:
        return _resized(ink, SIDE, SIDE)

    # Stretched so faint pencil reaches MNIST's full-strength strokes.
    ink = ink / peak
    ink[ink < INK_THRESHOLD] = 0
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    digit = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    scale = DIGIT_BOX / max(digit.shape)
    height, width = (max(1, round(side * scale)) for side in digit.shape)
    return _centred(_resized(digit, height, width))


def _validated(ink: np.ndarray) -> np.ndarray:
    """`ink` as float32 in [0, 1], or InputError saying what is wrong with it."""
    ink = np.asarray(ink)
    if ink.ndim != 2 or ink.size == 0:
        raise InputError(
            f"Expected a grayscale image (height x width), got an array of shape {ink.shape}."
        )
    if ink.dtype == np.uint8:
        return ink.astype(np.float32) / 255
    if not np.issubdtype(ink.dtype, np.floating):
        raise InputError(f"Expected float or uint8 pixels, got {ink.dtype}.")
    if not np.isfinite(ink).all():
        raise InputError(_NOT_FINITE)
    if ink.min() < 0 or ink.max() > 1:
        raise InputError("Float pixel values must lie between 0 and 1.")
    return ink.astype(np.float32)


def _resized(ink: np.ndarray, height: int, width: int) -> np.ndarray:
    """`ink` resized with area averaging (BOX).

    Area averaging is what anti-aliasing means here, and unlike LANCZOS it never
    rings: the result stays within [0, 1] and keeps some ink however thin the strokes.
    """
    image = Image.fromarray(ink)  # float32: mode "F"
    return np.asarray(image.resize((width, height), Image.Resampling.BOX), dtype=np.float32)


def _centred(digit: np.ndarray) -> np.ndarray:
    """`digit` pasted into 28x28 with its centre of mass at CENTRE, nothing cut off."""
    rows, cols = np.indices(digit.shape)
    mass = digit.sum()
    top = round(CENTRE - (rows * digit).sum() / mass)
    left = round(CENTRE - (cols * digit).sum() / mass)
    height, width = digit.shape
    top = min(max(top, 0), SIDE - height)
    left = min(max(left, 0), SIDE - width)
    canvas = np.zeros((SIDE, SIDE), dtype=np.float32)
    canvas[top : top + height, left : left + width] = digit
    return canvas
