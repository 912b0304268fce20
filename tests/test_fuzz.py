"""Fuzzing ae.preprocess: whatever comes in, out comes an MNIST digit or an InputError.

An MNIST digit here is float32 (28, 28), finite, in [0, 1], with some ink in it. Any
other exception, and any numpy RuntimeWarning (a division by zero, an invalid cast),
fails the test.
"""

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from ae.preprocess import InputError, canvas_to_gray, decode_upload, mnist_like

pytestmark = [
    pytest.mark.filterwarnings("error::RuntimeWarning"),
    # PIL's notes on damaged files ("Corrupt EXIF data"), expected here by design.
    pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin"),
]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ODD_FLOATS = [
    0.0, 1.0, 0.0999, 0.1, 1e-30, 5e-324,  # valid, at the edges
    -1e-9, 1 + 1e-6, 255.0, 1e300, np.nan, np.inf, -np.inf,  # not
]
DTYPES = [np.uint8, np.float16, np.float32, np.float64, np.int16, np.int64, np.bool_, np.complex64]
# Which formats can store each PIL mode (some convert it on the way, e.g. GIF to "P").
FORMATS_FOR = {
    "1": ["PNG", "GIF", "BMP", "TIFF", "JPEG", "WEBP"],
    "L": ["PNG", "GIF", "BMP", "TIFF", "JPEG", "WEBP"],
    "P": ["PNG", "GIF", "BMP", "TIFF"],
    "PA": ["TIFF"],
    "RGB": ["PNG", "GIF", "BMP", "TIFF", "JPEG", "WEBP"],
    "RGBA": ["PNG", "GIF", "TIFF", "WEBP"],
    "LA": ["PNG", "TIFF"],
    "CMYK": ["JPEG", "TIFF"],
    "YCbCr": ["TIFF"],
    "LAB": ["TIFF"],
    "I;16": ["PNG", "TIFF"],
    "I;16B": ["TIFF"],
    "I": ["TIFF"],
    "F": ["TIFF"],
}
# File signatures, so that random bytes get past identification into the decoders.
MAGIC = [
    b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM",
    b"II*\0", b"MM\0*", b"RIFF\0\0\0\0WEBPVP8 ",
]


def assert_digit_or_input_error(make) -> None:
    try:
        digit = make()
    except InputError:
        return
    assert digit.dtype == np.float32 and digit.shape == (28, 28)
    assert np.isfinite(digit).all()
    assert digit.min() >= 0 and digit.max() <= 1
    assert digit.max() > 0  # no ink would have been an EmptyImageError


def paint_rectangle(draw, image: np.ndarray, value) -> None:
    """Paint `value` into a rectangle of up to 60x60 somewhere in `image`."""
    top, left = draw(st.integers(0, image.shape[0] - 1)), draw(st.integers(0, image.shape[1] - 1))
    image[top : top + draw(st.integers(1, 60)), left : left + draw(st.integers(1, 60))] = value


def pixel_values(dtype) -> st.SearchStrategy:
    if dtype == np.uint8:
        return st.integers(0, 255)
    if dtype == np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        return st.integers(-1000, 1000)
    return st.one_of(st.floats(0, 1), st.sampled_from(ODD_FLOATS))


@st.composite
def ink_arrays(draw) -> np.ndarray:
    """Mostly 2-D images, 1x1 to 300x300: a background, a few rectangles of ink."""
    dtype = draw(st.sampled_from(DTYPES))
    image_shape = st.tuples(st.integers(1, 300), st.integers(1, 300))
    other_shape = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=8)
    shape = draw(st.one_of(image_shape, image_shape, other_shape))  # 2 in 3 are images
    values = pixel_values(dtype)
    with np.errstate(all="ignore"):  # 1e300 as float16 is inf: that is the point
        image = np.full(shape, draw(values), dtype=dtype)
        if image.ndim == 2 and image.size:
            for _ in range(draw(st.integers(0, 4))):
                paint_rectangle(draw, image, draw(values))
    return image


@FUZZ
@given(ink=ink_arrays(), center=st.booleans())
def test_mnist_like_on_any_array(ink, center):
    assert_digit_or_input_error(lambda: mnist_like(ink, center=center))


@FUZZ
@given(
    ink=hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        st.tuples(st.integers(1, 12), st.integers(1, 12)),
        elements=st.floats(0, 1, width=32),
    ),
    center=st.booleans(),
)
def test_mnist_like_on_small_valid_ink(ink, center):
    assert_digit_or_input_error(lambda: mnist_like(ink, center=center))


@st.composite
def canvases(draw) -> np.ndarray:
    """RGBA canvases with strokes of any colour and opacity, and some arrays that aren't."""
    if draw(st.integers(0, 9)) == 0:
        dtype = st.sampled_from([np.uint8, np.float32])
        return draw(hnp.arrays(dtype, hnp.array_shapes(max_dims=4)))
    height, width = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    colour = st.tuples(*[st.integers(0, 255)] * 4)
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    rgba[:] = draw(colour)
    for _ in range(draw(st.integers(0, 4))):
        paint_rectangle(draw, rgba, draw(colour))
    return rgba


@FUZZ
@given(rgba=canvases())
def test_canvas_to_gray_then_mnist_like(rgba):
    def pipeline():
        gray = canvas_to_gray(rgba)
        assert gray.dtype == np.float32 and gray.shape == rgba.shape[:2]
        assert gray.min() >= 0 and gray.max() <= 1
        return mnist_like(gray)

    assert_digit_or_input_error(pipeline)


def as_mode(rgba: np.ndarray, mode: str, scale: float, special: float) -> Image.Image:
    """`rgba` in PIL mode `mode`; 32-bit modes get `scale`, float gets a `special` pixel."""
    image = Image.fromarray(rgba)
    gray = np.asarray(image.convert("L"), dtype=np.float64) / 255
    if mode in ("I;16", "I;16B"):
        return Image.fromarray((gray * 65535).astype("<u2" if mode == "I;16" else ">u2"))
    if mode == "I":
        return Image.fromarray((gray * scale).astype("<i4"))
    if mode == "F":
        values = (gray * scale).astype("<f4")
        values[0, 0] = special
        return Image.fromarray(values)
    return image.convert(mode)


@st.composite
def image_files(draw) -> bytes:
    """Image files of every mode and format; some animated, rotated, transparent or damaged."""
    mode = draw(st.sampled_from(sorted(FORMATS_FOR)))
    fmt = draw(st.sampled_from(FORMATS_FOR[mode]))
    height, width = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    colour = st.tuples(*[st.integers(0, 255)] * 4)

    def frame() -> Image.Image:
        rgba = np.empty((height, width, 4), dtype=np.uint8)
        rgba[:] = draw(colour)
        if draw(st.booleans()):
            paint_rectangle(draw, rgba, draw(colour))
        scale = draw(st.sampled_from([1.0, 255.0, -3.0, 2.0**31 - 1]))
        special = draw(st.sampled_from([0.5, np.nan, np.inf, -np.inf, 3e38]))
        return as_mode(rgba, mode, scale, special)

    image = frame()
    params = {}
    if fmt in ("GIF", "PNG", "TIFF", "WEBP") and draw(st.booleans()):
        params.update(save_all=True, append_images=[frame()])
    if fmt in ("JPEG", "PNG", "WEBP") and draw(st.booleans()):
        exif = Image.Exif()
        exif[0x0112] = draw(st.integers(0, 9))  # orientation; 1-8 are the valid ones
        params["exif"] = exif
    # PIL can't save APNG frames with a transparent palette index.
    if mode == "P" and fmt in ("PNG", "GIF") and "save_all" not in params and draw(st.booleans()):
        params["transparency"] = draw(st.integers(0, 255))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    data = buffer.getvalue()

    damage = draw(st.sampled_from(["none", "truncate", "flip"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    return data


def assert_upload_digit_or_input_error(data: bytes) -> None:
    def pipeline():
        ink = decode_upload(data)
        assert ink.dtype == np.float32 and ink.ndim == 2
        assert np.isfinite(ink).all() and ink.min() >= 0 and ink.max() <= 1
        return mnist_like(ink)

    assert_digit_or_input_error(pipeline)


@FUZZ
@given(data=image_files())
def test_decode_upload_on_image_files(data):
    assert_upload_digit_or_input_error(data)


@FUZZ
@given(magic=st.sampled_from(MAGIC), rest=st.binary(max_size=2000))
def test_decode_upload_on_random_bytes(magic, rest):
    assert_upload_digit_or_input_error(magic + rest)
