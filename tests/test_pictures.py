"""The numpy pictures: shapes, dtypes, one colour scale shared by all maps, values written in."""

import numpy as np
import pytest

from ui import pictures

CELL = 24


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 3)])
def test_upscale_makes_each_pixel_a_crisp_square(shape):
    image = np.arange(np.prod(shape), dtype=np.uint8).reshape(shape)
    big = pictures.upscale(image, 4)
    assert big.shape == (8, 12, *shape[2:]) and big.dtype == np.uint8
    for y, x in np.ndindex(2, 3):
        assert (big[y * 4:(y + 1) * 4, x * 4:(x + 1) * 4] == image[y, x]).all()


def test_value_maps_lays_out_eight_4x4_maps_as_rgb():
    code = np.random.default_rng(0).random((4, 4, 8), dtype=np.float32) * 3
    picture = pictures.value_maps(code, 0, 3, cell=CELL, columns=4, gap=6)
    assert picture.dtype == np.uint8
    assert picture.shape == (2 * 4 * CELL + 6, 4 * 4 * CELL + 3 * 6, 3)


def _cell_colours(picture, channel, columns=4, gap=6):
    """The colour at each cell's corner, which the written value never reaches."""
    tile = 4 * CELL + gap
    top, left = (channel // columns) * tile, (channel % columns) * tile
    return np.array([[picture[top + y * CELL + 1, left + x * CELL + 1] for x in range(4)] for y in range(4)])


def test_equal_values_get_equal_colours_in_every_map():
    """The scale is shared: a value means one colour whichever map it is in."""
    code = np.zeros((4, 4, 8), np.float32)
    code[0, 0, :] = 2.0  # the same value in every map
    code[3, 3, 5] = 4.0  # one map holds the maximum alone
    picture = pictures.value_maps(code, 0, 4)
    corners = [tuple(_cell_colours(picture, channel)[0, 0]) for channel in range(8)]
    assert len(set(corners)) == 1
    assert tuple(_cell_colours(picture, 5)[3, 3]) != corners[0]
    # and the maximum of one map is not stretched to the top colour of the others
    assert tuple(_cell_colours(picture, 0)[3, 3]) == tuple(_cell_colours(picture, 1)[3, 3])


def test_colours_follow_the_given_scale_not_each_maps_own_range():
    code = np.zeros((4, 4, 8), np.float32)
    code[..., 0] = 1.0
    low_scale = pictures.value_maps(code, 0, 1)
    high_scale = pictures.value_maps(code, 0, 10)
    assert not np.array_equal(_cell_colours(low_scale, 0), _cell_colours(high_scale, 0))
    expected = pictures.colorize(np.float32([1.0]), 0, 10)[0]
    assert np.array_equal(_cell_colours(high_scale, 0)[2, 2], expected)


def test_values_are_written_in_their_cells():
    code = np.zeros((4, 4, 8), np.float32)
    plain = pictures.value_maps(code, 0, 1)
    code[1, 2, 3] = 0.7
    written = pictures.value_maps(code, 0, 1)
    changed = np.argwhere((plain != written).any(axis=-1))
    tile = 4 * CELL + 6
    top, left = (3 // 4) * tile + 1 * CELL, (3 % 4) * tile + 2 * CELL
    # Only that one cell changed (its colour and its text "0.7" instead of "0.0")...
    assert changed[:, 0].min() >= top and changed[:, 0].max() < top + CELL
    assert changed[:, 1].min() >= left and changed[:, 1].max() < left + CELL
    # ...and the text is there: the cell holds more than its one background colour.
    cell = written[top:top + CELL, left:left + CELL].reshape(-1, 3)
    assert len(np.unique(cell, axis=0)) > 2


def test_different_values_write_different_text():
    one = pictures.value_maps(np.full((4, 4, 8), 1.0, np.float32), 0, 10)
    two = pictures.value_maps(np.full((4, 4, 8), 1.1, np.float32), 0, 10)
    # 1.0 and 1.1 share a colour at this scale almost exactly; the text tells them apart
    assert not np.array_equal(one, two)


def test_text_contrasts_with_its_cell():
    dark = pictures.value_maps(np.zeros((4, 4, 8), np.float32), 0, 1)  # viridis low end: dark purple
    light = pictures.value_maps(np.ones((4, 4, 8), np.float32), 0, 1)  # high end: yellow
    assert dark[:CELL, :CELL].max() > 200  # white text on dark
    assert light[:CELL, :CELL].min() < 60  # black text on light


@pytest.mark.parametrize("values", [np.zeros((4, 4, 8)), np.full((4, 4, 8), np.nan)])
def test_value_maps_survives_flat_and_undefined_codes(values):
    picture = pictures.value_maps(values.astype(np.float32), 0, 0)
    assert picture.shape[2] == 3 and picture.dtype == np.uint8


def test_colour_bar_runs_from_low_to_high_colour_with_labels():
    bar = pictures.colour_bar(0.0, 3.0, width=200, height=16)
    assert bar.shape == (16, 200, 3) and bar.dtype == np.uint8
    ramp = pictures.colorize(np.linspace(0, 3, 200), 0, 3)
    middle = bar[:, 90:110]
    assert np.array_equal(middle[0], ramp[90:110])  # no text in the middle
    ends = np.concatenate([bar[:, :30].reshape(-1, 3), bar[:, -30:].reshape(-1, 3)])
    plain_ends = np.concatenate([np.tile(ramp[:30], (16, 1)), np.tile(ramp[-30:], (16, 1))])
    assert not np.array_equal(ends, plain_ends)  # "0.0" and "3.0" are written at the ends
