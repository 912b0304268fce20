"""Tests for ae.preprocess: canvas and upload decoding, and MNIST's size-and-centre recipe."""

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from ae.data import load_test_split
from ae.preprocess import (
    MAX_PIXELS,
    EmptyImageError,
    InputError,
    canvas_to_gray,
    decode_upload,
    mnist_like,
)

# ---------------------------------------------------------------- helpers

SIZE = (48, 40)  # width, height
STROKE = np.zeros(SIZE[::-1], dtype=bool)  # a "7": a bar along the top, a stem down the middle
STROKE[6:10, 12:36] = True
STROKE[6:34, 28:34] = True
NUMPY_DTYPES = {"I;16": "<u2", "I;16B": ">u2", "I": "<i4", "F": "<f4"}  # modes PIL can't paste into


def sheet(mode: str, paper, ink, stroke: np.ndarray = STROKE) -> Image.Image:
    """A page of `paper` with `stroke` drawn in `ink`, in PIL mode `mode`."""
    if mode in NUMPY_DTYPES:
        return Image.fromarray(np.where(stroke, ink, paper).astype(NUMPY_DTYPES[mode]))
    image = Image.new(mode, SIZE, paper)
    image.paste(ink, mask=Image.fromarray(stroke.astype(np.uint8) * 255))
    return image


def palette_sheet() -> Image.Image:
    """Navy ink on transparent red paper: red is dark, so ignoring transparency shows."""
    image = sheet("P", 0, 1)
    image.putpalette([255, 0, 0, 0, 0, 128])
    return image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def centre_of_mass(image: np.ndarray) -> np.ndarray:
    rows, cols = np.indices(image.shape)
    return np.array([(rows * image).sum(), (cols * image).sum()]) / image.sum()


def ink_box(image: np.ndarray) -> tuple[int, int]:
    """Height and width of the bounding box of the nonzero pixels."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def drawn_large(digit: np.ndarray, *, top: int, left: int) -> np.ndarray:
    """A 280x280 uint8 canvas with `digit` drawn 5 times larger at (top, left)."""
    canvas = np.zeros((280, 280), dtype=np.uint8)
    large = Image.fromarray(digit).resize((140, 140), Image.Resampling.BILINEAR)
    canvas[top : top + 140, left : left + 140] = large
    return canvas


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels; its data is for 1x1."""
    png = encode(Image.new("1", (1, 1)), "PNG")
    ihdr = struct.pack(">II", width, height) + png[24:29]  # keep depth, colour type...
    chunk = b"IHDR" + ihdr
    return png[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    images, _ = load_test_split()
    return images[:100]


# ---------------------------------------------------------------- mnist_like


def test_mnist_digits_pass_through_nearly_unchanged(digits):
    outputs = [mnist_like(digit) for digit in digits]
    differences = [np.abs(out - digit / 255).mean() for out, digit in zip(outputs, digits)]
    assert np.mean(differences) < 0.05
    for out, digit in zip(outputs, digits):
        assert np.abs(centre_of_mass(out) - centre_of_mass(digit)).max() <= 1


def test_a_big_off_centre_digit_comes_back_as_mnist_has_it(digits):
    outputs = [mnist_like(drawn_large(digit, top=10, left=120)) for digit in digits]
    differences = [np.abs(out - digit / 255).mean() for out, digit in zip(outputs, digits)]
    assert np.mean(differences) < 0.05


def test_a_small_drawing_in_a_corner_is_recentred_and_scaled():
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[10:13, 10:40] = 255  # the top of a "7", 3 px thick
    rgba[10:50, 30:33] = 255  # its stem
    out = mnist_like(canvas_to_gray(rgba))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert np.abs(centre_of_mass(out) - 14).max() <= 1
    assert 19 <= max(ink_box(out)) <= 20


def test_aspect_ratio_is_kept():
    ink = np.zeros((280, 280), dtype=np.float32)
    ink[40:190, 100:130] = 1.0  # 150 x 30: a tall bar
    height, width = ink_box(mnist_like(ink))
    assert height == 20
    assert abs(width - 20 * 30 / 150) <= 1


def test_faint_ink_is_stretched_to_full_strength(digits):
    digit = digits[0] / 255
    np.testing.assert_allclose(mnist_like(0.3 * digit), mnist_like(digit), atol=1e-5)


def test_faint_noise_around_the_digit_is_background(digits):
    canvas = drawn_large(digits[2], top=100, left=20) / 255
    grain = 0.09 * np.random.default_rng(0).random(canvas.shape, dtype=np.float32)
    noisy = np.where(canvas == 0, grain, canvas)
    np.testing.assert_array_equal(mnist_like(noisy), mnist_like(canvas))


def test_uint8_and_float_input_agree(digits):
    np.testing.assert_allclose(mnist_like(digits[1]), mnist_like(digits[1] / 255), atol=1e-6)


def test_one_pixel_of_ink_becomes_a_centred_box():
    out = mnist_like(np.ones((1, 1)))
    assert ink_box(out) == (20, 20)
    assert np.abs(centre_of_mass(out) - 14).max() <= 1


def test_without_centering_the_whole_image_is_only_resized():
    ink = np.zeros((280, 280), dtype=np.float32)
    ink[10:50, 10:13] = 1.0
    out = mnist_like(ink, center=False)
    # 280 -> 28 with area averaging is the mean of each 10x10 block.
    np.testing.assert_allclose(out, ink.reshape(28, 10, 28, 10).mean(axis=(1, 3)), atol=1e-6)


@pytest.mark.parametrize("center", [True, False])
def test_no_ink_is_an_empty_image(center):
    with pytest.raises(EmptyImageError):
        mnist_like(np.zeros((280, 280), dtype=np.float32), center=center)
    with pytest.raises(EmptyImageError):
        mnist_like(np.full((280, 280), 0.05), center=center)  # faint noise only


@pytest.mark.parametrize(
    "bad",
    [
        np.full((5, 5), np.nan),
        np.array([[0.0, np.inf]]),
        np.zeros((5, 5, 3)),
        np.zeros(5),
        np.zeros((0, 5)),
        np.ones((5, 5), dtype=np.int32),
        np.full((5, 5), 255.0),  # float that was meant as bytes
        np.full((5, 5), -0.5),
    ],
)
def test_unusable_arrays_are_input_errors(bad):
    with pytest.raises(InputError) as caught:
        mnist_like(bad)
    assert not isinstance(caught.value, EmptyImageError)


# ---------------------------------------------------------------- canvas_to_gray


def test_canvas_ink_is_lightness_times_opacity():
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[0, 0] = (255, 255, 255, 255)  # a white stroke
    rgba[0, 1] = (255, 255, 255, 0)  # white, but transparent: no ink
    rgba[0, 2] = (255, 255, 255, 51)  # an anti-aliased edge
    rgba[1, 0] = (0, 0, 0, 255)  # the opaque black background
    rgba[1, 1] = (255, 0, 0, 255)  # a red stroke: its luma
    gray = canvas_to_gray(rgba)
    assert gray.dtype == np.float32 and gray.shape == (2, 3)
    np.testing.assert_allclose(gray, [[1.0, 0.0, 0.2], [0.0, 76 / 255, 0.0]], atol=1e-6)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((5, 5, 3), np.uint8),
        np.zeros((5, 5), np.uint8),
        np.zeros((5, 5, 4)),
        np.zeros((0, 5, 4), np.uint8),
    ],
)
def test_canvas_of_the_wrong_shape_or_type_is_an_input_error(bad):
    with pytest.raises(InputError):
        canvas_to_gray(bad)


# ---------------------------------------------------------------- decode_upload


UPLOADS = {
    "1 png": encode(sheet("1", 1, 0), "PNG"),
    "L png, white on black": encode(sheet("L", 0, 255), "PNG"),
    "L png, on grey paper": encode(sheet("L", 200, 20), "PNG"),
    "P png with transparency": encode(palette_sheet(), "PNG", transparency=0),
    "P gif with transparency": encode(palette_sheet(), "GIF", transparency=0),
    "RGB png": encode(sheet("RGB", (250, 240, 220), (20, 20, 90)), "PNG"),
    "RGB jpeg": encode(sheet("RGB", (250, 240, 220), (20, 20, 90)), "JPEG", quality=90),
    "RGB mpo, as phones save JPEGs": encode(sheet("RGB", (250, 240, 220), (20, 20, 90)), "MPO", quality=90),
    "RGB bmp": encode(sheet("RGB", (250, 240, 220), (20, 20, 90)), "BMP"),
    "RGBA png on transparent black": encode(sheet("RGBA", (0, 0, 0, 0), (10, 10, 10, 255)), "PNG"),
    "RGBA webp": encode(sheet("RGBA", (0, 0, 0, 0), (10, 10, 10, 255)), "WEBP", lossless=True),
    "LA png": encode(sheet("LA", (0, 0), (0, 255)), "PNG"),
    "CMYK jpeg": encode(sheet("CMYK", (0, 0, 0, 0), (0, 0, 0, 255)), "JPEG", quality=90),
    "CMYK tiff": encode(sheet("CMYK", (0, 0, 0, 0), (0, 0, 0, 255)), "TIFF"),
    "I;16 png": encode(sheet("I;16", 60000, 3000), "PNG"),
    "I;16B tiff": encode(sheet("I;16B", 60000, 3000), "TIFF"),
    "I tiff": encode(sheet("I", 1_000_000, 50_000), "TIFF"),
    "F tiff": encode(sheet("F", 3.5, -2.0), "TIFF"),
}


@pytest.mark.parametrize("name", UPLOADS)
def test_every_mode_decodes_to_white_ink_on_black(name):
    ink = decode_upload(UPLOADS[name])
    assert ink.dtype == np.float32 and ink.shape == STROKE.shape
    assert np.isfinite(ink).all() and ink.min() >= 0 and ink.max() <= 1
    assert ink[STROKE].mean() > 0.6  # grey paper leaves (200 - 20) / 255 = 0.71
    assert ink[~STROKE].mean() < 0.05


def test_16_bit_images_keep_their_levels():
    # Paper 40000, ink 30000 of 65535: faint ink, not stretched to full strength here.
    ink = decode_upload(encode(sheet("I;16", 40_000, 30_000), "PNG"))
    np.testing.assert_allclose(ink[STROKE], 10_000 / 65535, rtol=1e-5)
    assert ink[~STROKE].max() == 0


def test_an_animated_gif_gives_its_first_frame():
    other = np.zeros_like(STROKE)
    other[30:36, 4:44] = True
    frames = [sheet("L", 255, 0), sheet("L", 255, 0, other)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    ink = decode_upload(data)
    assert ink[STROKE].mean() > 0.8 and ink[other & ~STROKE].mean() < 0.05


def test_exif_orientation_is_applied():
    image = sheet("L", 255, 0)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    ink = decode_upload(encode(image, "JPEG", quality=95, exif=exif))
    upright = np.rot90(STROKE, k=-1)  # clockwise
    assert ink.shape == upright.shape
    assert ink[upright].mean() > 0.8 and ink[~upright].mean() < 0.05


def test_nan_in_a_float_tiff_is_an_input_error():
    with pytest.raises(InputError):
        decode_upload(encode(sheet("F", np.nan, 1.0), "TIFF"))


def _truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is not an image",
        np.random.default_rng(0).bytes(5000),
        _truncated(UPLOADS["RGB png"]),
        _truncated(UPLOADS["RGB jpeg"]),
        _truncated(UPLOADS["F tiff"]),
        encode(sheet("RGB", 255, 0), "PDF"),  # a real file, but not an image format we take
    ],
    ids=["empty", "text", "random", "truncated png", "truncated jpeg", "truncated tiff", "pdf"],
)
def test_unreadable_files_are_input_errors(data):
    with pytest.raises(InputError):
        decode_upload(data)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "data",
    [
        encode(Image.new("1", (4000, 4000)), "PNG", optimize=True),  # 16 million real pixels
        png_claiming(10_000, 10_000),  # beyond PIL's own warning limit
        png_claiming(20_000, 20_000),  # beyond PIL's own error limit
    ],
    ids=["16M 1-bit png", "claims 100M", "claims 400M"],
)
def test_huge_images_are_refused_before_decoding(data):
    assert len(data) < 100_000
    start = time.perf_counter()
    with pytest.raises(InputError, match="million pixels"):
        decode_upload(data)
    assert time.perf_counter() - start < 0.5


def test_the_largest_allowed_image_decodes():
    width = 4000
    height = MAX_PIXELS // width
    ink = decode_upload(encode(Image.new("1", (width, height)), "PNG"))
    assert ink.shape == (height, width)
