"""Small pictures made with numpy, not matplotlib: a figure costs ~50 ms, these well under 1 ms.

Every function returns a uint8 image ready for `st.image`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw, ImageFont


DARK_TEXT_ABOVE = 140  # luma above which black text reads better than white


def upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement, so each model pixel stays a crisp square."""
    return image.repeat(scale, axis=0).repeat(scale, axis=1)  # 3x faster than np.kron


def gray(image: np.ndarray, scale: int = 1) -> np.ndarray:
    """A [0, 1] image as uint8 gray, enlarged `scale` times."""
    pixels = (np.clip(np.nan_to_num(image), 0, 1) * 255).round().astype(np.uint8)
    return upscale(pixels, scale)


def colorize(values: np.ndarray, low: float, high: float, cmap: str = "viridis",
             scale: int = 1) -> np.ndarray:
    """Values mapped through a colormap between `low` and `high`, as RGB uint8."""
    span = high - low if high > low else 1.0
    unit = np.clip((np.asarray(values, np.float32) - low) / span, 0, 1)
    rgb = (colormaps[cmap](unit)[..., :3] * 255).round().astype(np.uint8)
    return upscale(rgb, scale)


def digit_grid(rows: list[np.ndarray], scale: int = 2, gap: int = 2) -> np.ndarray:
    """Rows of (N, 28, 28) images in [0, 1] as one gray picture, e.g. digits over reconstructions."""
    columns = max(len(row) for row in rows)
    blank = np.ones((28, 28), np.float32)  # a short row is padded with white, like the gaps
    tiles = [gray(image, scale) for row in rows
             for image in [*row, *[blank] * (columns - len(row))]]
    return _tiled(np.stack(tiles), columns, gap)


# ---------------------------------------------------------------- value maps


def value_maps(maps: np.ndarray, low: float, high: float, cmap: str = "viridis",
               cell: int = 24, columns: int = 4, gap: int = 6) -> np.ndarray:
    """The channels of an (H, W, C) activation as C coloured maps on ONE scale, values written in.

    Sharing `low`..`high` across the maps is what makes them comparable: a
    bright cell means a large number whichever map it is in. Each cell shows
    its value with one decimal, dark text on light colours and light on dark.
    """
    height, width, channels = maps.shape
    colours = colorize(maps, low, high, cmap).astype(np.float32)  # (H, W, C, 3)
    text = np.stack([_text_tile(f"{value:.1f}", cell) for value in maps.ravel().tolist()])
    text = text.reshape(height, width, channels, cell, cell)
    ink = np.where(_luma(colours) > DARK_TEXT_ABOVE, np.float32(0), np.float32(255))
    ink = ink[..., None, None]
    # One colour plane at a time: numpy is slow when its innermost axis has only 3 entries.
    planes = np.stack([
        plane + (ink - plane) * text
        for plane in np.moveaxis(colours, -1, 0)[..., None, None]
    ]).astype(np.uint8)  # (3, H, W, C, cell, cell)
    tiles = planes.transpose(3, 1, 4, 2, 5, 0).reshape(channels, height * cell, width * cell, 3)
    return _tiled(tiles, columns, gap)


def colour_bar(low: float, high: float, cmap: str = "viridis",
               width: int = 200, height: int = 16) -> np.ndarray:
    """A horizontal colour scale from `low` to `high`, both written at its ends."""
    ramp = colorize(np.linspace(low, high, width), low, high, cmap)
    bar = Image.fromarray(np.repeat(ramp[None], height, axis=0))
    draw = ImageDraw.Draw(bar)
    font = pillow_font(max(8, height - 4))
    draw.text((3, height / 2), f"{low:.1f}", fill=_readable_on(ramp[0]), font=font, anchor="lm")
    draw.text((width - 3, height / 2), f"{high:.1f}", fill=_readable_on(ramp[-1]), font=font, anchor="rm")
    return np.asarray(bar)


def _tiled(tiles: np.ndarray, columns: int, gap: int) -> np.ndarray:
    """Equal (N, h, w) gray or (N, h, w, 3) colour tiles, `columns` to a row on white, `gap` apart."""
    count, height, width = tiles.shape[:3]
    rows = -(-count // columns)
    picture = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap, *tiles.shape[3:]),
                      255, np.uint8)
    for index, tile in enumerate(tiles):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        picture[top:top + height, left:left + width] = tile
    return picture


@cache
def _text_tile(text: str, cell: int) -> np.ndarray:
    """`text` centred in a cell x cell square, as a [0, 1] coverage mask.

    Drawing text costs ~0.1 ms a string, so each distinct string is drawn once.
    """
    tile = Image.new("L", (cell, cell))
    ImageDraw.Draw(tile).text((cell / 2, cell / 2), text, fill=255, font=pillow_font(max(8, cell * 5 // 12)), anchor="mm")
    return np.asarray(tile, np.float32) / 255


@cache
def pillow_font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font: the same on every machine, no system fonts needed; loaded once a size."""
    return ImageFont.load_default(size=size)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """Perceived brightness (0-255) of colours along the last axis."""
    return np.asarray(rgb, np.float32) @ np.float32([0.299, 0.587, 0.114])


def _readable_on(rgb: np.ndarray) -> tuple[int, int, int]:
    """Black or white, whichever stands out on the colour `rgb`."""
    return (0, 0, 0) if _luma(rgb) > DARK_TEXT_ABOVE else (255, 255, 255)
