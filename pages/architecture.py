"""Architecture: the autoencoder's layers, read from the live model.

Everything on this page (the table, the sizes, the arithmetic) comes from the
model's own layers and their configs, so it stays true if the model changes.
Sections, in reading order: the layer table, the picture shrinking and
growing, the shape puzzle, encoder vs decoder, autoencoder vs GAN, and
whether an autoencoder can make new data.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw

from ae import model as ae_model
from ui import pictures, resources
from ui.entry import through_app
from ui.i18n import t

through_app()

CELL_PIXELS = 3  # one model pixel drawn as 3x3 screen pixels: 28 -> 84
TILE_PIXELS = 112  # every activation drawn this big, so small layers stay visible
PART_COLORS = {"input": (120, 120, 120), "encoder": (52, 101, 164),
               "bottleneck": (230, 140, 20), "decoder": (56, 142, 60)}
VARIATIONS = 8


# --- Reading the model -------------------------------------------------------

@st.cache_resource(show_spinner=False)
def untrained_model():
    """The same layers without trained weights, when the shipped file is missing: built once."""
    return ae_model.build_autoencoder()


def hidden_layers(model):
    """Every layer after the input, in order."""
    return model.layers[1:]


def spatial(shape) -> int:
    """The height of a (None, H, W, C) shape; width is the same in this model."""
    return int(shape[1])


def size_rule(layer) -> tuple[str, int, int]:
    """How a layer changes the picture's size, as LaTeX, from its config: (formula, in, out)."""
    config = layer.get_config()
    size_in = spatial(layer.input.shape)
    if config.get("size"):  # UpSampling2D repeats each pixel
        factor = config["size"][0]
        return rf"{size_in} \times {factor} = {size_in * factor}", size_in, size_in * factor
    kernel = (config.get("kernel_size") or config["pool_size"])[0]
    stride = config["strides"][0]
    if config["padding"] == "same":  # pads the edges, so only the stride shrinks
        size_out = math.ceil(size_in / stride)
        formula = (rf"\left\lceil {size_in} / {stride} \right\rceil = {size_out}" if stride > 1
                   else rf"n_\text{{out}} = n_\text{{in}} = {size_out}")
    else:  # 'valid': the window must fit inside the picture
        size_out = (size_in - kernel) // stride + 1
        formula = (rf"{size_in} - {kernel} + 1 = {size_out}" if stride == 1 else
                   rf"\left\lfloor ({size_in} - {kernel}) / {stride} \right\rfloor + 1 = {size_out}")
    return formula, size_in, size_out


def parameter_arithmetic(layer) -> str:
    """kernel_h x kernel_w x in_channels x filters (+ filters for the biases), from the config."""
    config = layer.get_config()
    if "filters" not in config:  # pooling and upsampling learn nothing
        return "—"
    height, width = config["kernel_size"]
    channels = layer.input.shape[-1]
    weights = f"{height}×{width}×{channels}×{config['filters']}"
    return f"{weights} + {config['filters']}" if config["use_bias"] else weights


def part_of(name: str) -> str:
    if name == ae_model.BOTTLENECK:
        return "bottleneck"
    if name in ae_model.ENCODER_LAYERS:
        return "encoder"
    return "decoder" if name in ae_model.DECODER_LAYERS else "input"


def grid_square(cells: int, color: tuple[int, int, int]) -> np.ndarray:
    """A cells x cells square of coloured cells with white lines: a layer's size at a glance."""
    tile = np.full((CELL_PIXELS, CELL_PIXELS, 3), color, np.uint8)
    tile[0, :] = tile[:, 0] = 255
    return np.tile(tile, (cells, cells, 1))


def size_strip(rows) -> Image.Image:
    """One square per layer, to scale and bottom-aligned, with the layer's name and shape below."""
    font = pictures.pillow_font(13)  # Pillow's own font: no "×" glyph, so shapes use "x"
    labels = [(name, "x".join(map(str, shape))) for name, _, shape, _ in rows]
    squares = [grid_square(shape[0], PART_COLORS[part_of(name)]) for name, _, shape, _ in rows]
    widths = [max(len(square), *(font.getlength(text) for text in label)) + 14
              for square, label in zip(squares, labels)]
    tallest = max(len(square) for square in squares)
    strip = Image.new("RGB", (int(sum(widths)), tallest + 44), "white")
    draw = ImageDraw.Draw(strip)
    left = 0
    for square, (name, shape), width in zip(squares, labels, widths):
        center = left + width / 2
        strip.paste(Image.fromarray(square), (int(center - len(square) / 2), tallest - len(square)))
        draw.text((center, tallest + 6), name, fill=(40, 40, 40), font=font, anchor="mt")
        draw.text((center, tallest + 24), shape, fill=(110, 110, 110), font=font, anchor="mt")
        left += width
    return strip


def activation_tile(activation: np.ndarray, stretch: bool = True) -> np.ndarray:
    """A layer's output (H, W, C) as one gray picture: the mean over channels.

    Hidden layers' values have no fixed range, so each is stretched to its own
    maximum; the image and the model's output are already brightnesses in [0, 1].
    """
    mean = activation.mean(axis=-1)
    if stretch and mean.max() > 0:
        mean = mean / mean.max()
    picture = pictures.gray(mean)
    return np.asarray(Image.fromarray(picture).resize((TILE_PIXELS, TILE_PIXELS), Image.NEAREST))


def shape_text(shape) -> str:
    return "(" + ", ".join("None" if size is None else str(size) for size in shape) + ")"


def latex_name(name: str) -> str:
    return r"\texttt{" + name.replace("_", r"\_") + "}"


# --- The model: the shipped one, or a fresh one with the same layers ---------

st.title(t("architecture.title"))
st.markdown(t("architecture.intro"))

try:
    inference = resources.shipped_inference()
    model = inference.model
except ae_model.ModelFileError:
    inference = None
    model = untrained_model()
    st.info(t("architecture.fallback"))

layers = hidden_layers(model)
rules = {layer.name: size_rule(layer) for layer in layers}


# --- The layer table, as Keras's model.summary() -----------------------------

st.header(t("architecture.table_header"))
table, explanation = st.columns([3, 2])
rows = ae_model.summary_rows(model)
table.dataframe(
    {
        t("architecture.column_layer"): [name for name, *_ in rows],
        t("architecture.column_type"): [kind for _, kind, *_ in rows],
        t("architecture.column_shape"): [shape_text((None, *shape)) for _, _, shape, _ in rows],
        t("architecture.column_parameters"): [count for *_, count in rows],
        t("architecture.column_arithmetic"): ["—"] + [parameter_arithmetic(layer) for layer in layers],
    },
    hide_index=True,
    height="content",  # all rows, no inner scrolling: it is only a dozen
)
table.markdown(t("architecture.total", total=f"{model.count_params():,}"))
with explanation:
    st.markdown(t("architecture.table_help"))
    st.latex(r"k_h \times k_w \times c_\text{in} \times f + f")
    first_convolution = next(layer for layer in layers if "filters" in layer.get_config())
    st.caption(t("architecture.parameters_help", example=f"{parameter_arithmetic(first_convolution)}"
                 f" = {first_convolution.count_params():,}"))


# --- Shrinking and growing ---------------------------------------------------

st.header(t("architecture.sizes_header"))
st.image(size_strip(rows))
code_shape = model.get_layer(ae_model.BOTTLENECK).output.shape[1:]
st.caption(t("architecture.sizes_help", pixels=CELL_PIXELS,
             image_numbers=f"{math.prod(model.inputs[0].shape[1:]):,}",
             code="×".join(str(size) for size in code_shape), code_numbers=math.prod(code_shape)))

if inference is not None:
    images, labels = resources.test_split()
    digit = st.radio(t("architecture.digit"), range(10), index=7, horizontal=True,
                     key="architecture_digit")
    image = images[np.flatnonzero(labels == digit)[0]] / 255.0
    explained = inference.explain(image)
    # One row per half, so the squeeze and the rebuild each read left to right.
    seen = {model.layers[0].name: image[..., None], **explained.activations}
    for half in ((model.layers[0].name, *ae_model.ENCODER_LAYERS), ae_model.DECODER_LAYERS):
        st.image([activation_tile(seen[name], stretch=name in explained.activations
                                  and name != layers[-1].name) for name in half],
                 caption=[f"{name} ×{seen[name].shape[-1]}" for name in half])
    st.caption(t("architecture.activations_help"))


# --- The shape puzzle: two poolings, three upsamplings -----------------------

st.header(t("architecture.puzzle_header"))
kinds = [type(layer).__name__ for layer in layers]
path = [spatial(model.inputs[0].shape)]
for _, _, size_out in rules.values():
    if size_out != path[-1]:  # only the steps that change the size
        path.append(size_out)
st.markdown(t("architecture.puzzle_intro", poolings=kinds.count("MaxPooling2D"),
              upsamplings=kinds.count("UpSampling2D"),
              path=" → ".join(str(size) for size in path)))
st.latex(r"\text{same:}\ n_\text{out} = \left\lceil \frac{n_\text{in}}{s} \right\rceil"
         r"\qquad \text{valid:}\ n_\text{out} = \left\lfloor \frac{n_\text{in} - k}{s} \right\rfloor + 1")
st.caption(t("architecture.rule_help"))

# The surprising steps are the convolutions that change the size.
for layer in layers:
    formula, size_in, size_out = rules[layer.name]
    if "filters" in layer.get_config() and size_in != size_out:
        config = layer.get_config()
        values = dict(layer=layer.name, size_in=size_in, size_out=size_out,
                      kernel=config["kernel_size"][0], stride=config["strides"][0])
        if config["padding"] == "same":
            st.markdown(t("architecture.step_same", **values))
        else:
            st.markdown(t("architecture.step_valid", **values))
        st.latex(rf"{latex_name(layer.name)}:\quad {formula}")

code_size = code_shape[0]
halvings = sum(rules[name][2] < rules[name][1] for name in ae_model.ENCODER_LAYERS)
growth = math.prod(layer.get_config()["size"][0] for layer in layers
                   if type(layer).__name__ == "UpSampling2D")
st.markdown(t("architecture.puzzle_answer", code=code_size, doublings=kinds.count("UpSampling2D"),
              overshoot=code_size * growth, target=spatial(model.outputs[0].shape),
              halvings=halvings))
with st.expander(t("architecture.every_layer")):
    st.latex(r"\begin{aligned}" + r"\\".join(
        rf"{latex_name(name)}&:\ {formula}" for name, (formula, _, _) in rules.items()
    ) + r"\end{aligned}")


# --- Encoder vs decoder ------------------------------------------------------

st.header(t("architecture.halves_header"))
encoder_side, decoder_side = st.columns(2)
for side, names, title, role in [
    (encoder_side, ae_model.ENCODER_LAYERS, t("architecture.encoder"), t("architecture.encoder_role")),
    (decoder_side, ae_model.DECODER_LAYERS, t("architecture.decoder"), t("architecture.decoder_role")),
]:
    first, last = model.get_layer(names[0]), model.get_layer(names[-1])
    with side.container(border=True):
        st.subheader(title)
        st.markdown(role)
        st.markdown(t("architecture.half_facts",
                      layers=", ".join(f"`{name}`" for name in names),
                      shape_in=shape_text(first.input.shape[1:]),
                      shape_out=shape_text(last.output.shape[1:]),
                      parameters=f"{sum(model.get_layer(n).count_params() for n in names):,}"))


# --- Autoencoder vs GAN ------------------------------------------------------

st.header(t("architecture.gan_header"))
st.markdown(t("architecture.gan_table"))


# --- Can an autoencoder make more data? --------------------------------------

st.header(t("architecture.more_data_header"))
st.markdown(t("architecture.more_data"))
if inference is not None:
    strength = st.slider(t("architecture.noise"), 0.0, 1.0, 0.3, 0.05, key="architecture_noise")
    code = explained.code[None]
    noise = np.random.default_rng(digit).normal(size=(VARIATIONS, *code.shape[1:]))
    # ReLU codes are never negative, so neither are the perturbed ones.
    codes = np.maximum(code + strength * code.std() * noise, 0)
    st.image(pictures.digit_grid([np.stack([explained.image, explained.output]),
                                 inference.decode(codes)], scale=3))
    st.caption(t("architecture.noise_help", count=VARIATIONS))
