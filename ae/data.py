"""MNIST in the forms people have: IDX files, Keras's mnist.npz, or the bundled test split.

Every loader validates what it reads and raises DataError naming the file and the fault,
so the app can show the user one clear sentence instead of a traceback. `find_mnist`
picks the first source that exists and never modifies or deletes anything the user owns.
"""

from __future__ import annotations

import functools
import gzip
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).parent / "assets"
TEST_SPLIT_PATH = ASSETS / "mnist_test.npz"
SIDE = 28
FALLBACK_TRAIN = 8_000  # of the bundled 10,000; the other 2,000 validate
FALLBACK_SEED = 0

_IDX_STEMS = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_KEYS = tuple(_IDX_STEMS)


class DataError(Exception):
    """MNIST could not be read; the message names the file and what was wrong."""


# Not eq: comparing or hashing dataclasses of arrays would be ambiguous or fail.
@dataclass(frozen=True, eq=False)
class Mnist:
    x_train: np.ndarray  # uint8 (N, 28, 28)
    y_train: np.ndarray  # uint8 (N,)
    x_test: np.ndarray  # uint8 (M, 28, 28), the validation/test set
    y_test: np.ndarray  # uint8 (M,)
    source: str  # one human sentence saying where the data came from
    full: bool  # True for the real 60,000/10,000 MNIST


# ---------------------------------------------------------------- validation


def _as_uint8(a: np.ndarray, where: str, top: int) -> np.ndarray:
    """`a` as uint8, provided it holds integers in 0..top."""
    if not np.issubdtype(a.dtype, np.integer):
        raise DataError(f"{where}: dtype {a.dtype}, expected uint8")
    if a.size:
        low, high = int(a.min()), int(a.max())
        if low < 0 or high > top:
            raise DataError(f"{where}: values {low}..{high}, expected 0..{top}")
    return a.astype(np.uint8, copy=False)


def _pair(arrays: dict, where: dict, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Validated x_<split>, y_<split>: uint8 (N, 28, 28) images and uint8 (N,) digits 0..9.

    `where` names each array's file for the error messages.
    """
    x, y = arrays["x_" + split], arrays["y_" + split]
    x_where, y_where = where["x_" + split], where["y_" + split]
    if x.ndim != 3 or x.shape[1:] != (SIDE, SIDE):
        raise DataError(f"{x_where}: shape {x.shape}, expected (N, {SIDE}, {SIDE}) images")
    if y.ndim != 1:
        raise DataError(f"{y_where}: shape {y.shape}, expected (N,) labels")
    if len(x) != len(y):
        raise DataError(f"{x_where} has {len(x):,} images but {y_where} has {len(y):,} labels")
    if len(x) == 0:
        raise DataError(f"{x_where}: no images")
    return _as_uint8(x, x_where, 255), _as_uint8(y, y_where, 9)


def _mnist(arrays: dict, where: dict, origin: str) -> Mnist:
    """A validated Mnist; `origin` ends its source sentence, e.g. "from /x/mnist.npz"."""
    x_train, y_train = _pair(arrays, where, "train")
    x_test, y_test = _pair(arrays, where, "test")
    source = f"the {len(x_train):,} training and {len(x_test):,} test images {origin}"
    full = len(x_train) == 60_000 and len(x_test) == 10_000
    return Mnist(x_train, y_train, x_test, y_test, source, full)


# ---------------------------------------------------------------- IDX files


def read_idx(path) -> np.ndarray:
    """One IDX file of unsigned bytes (labels, or 28x28 images), gzip-compressed or raw."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror or e})") from e
    # By content, not name: downloads are often decompressed but keep ".gz", or the reverse.
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: corrupt gzip data ({e})") from e

    if len(data) < 4:
        raise DataError(f"{path}: {len(data)} bytes, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    ndim = data[3]
    if data[:2] != b"\0\0" or ndim not in (1, 3):
        raise DataError(
            f"{path}: magic number 0x{magic:08X}, "
            "expected 0x00000801 (labels) or 0x00000803 (images)"
        )
    if data[2] != 0x08:
        raise DataError(f"{path}: IDX dtype byte 0x{data[2]:02X}, expected 0x08 (unsigned byte)")

    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: {len(data)} bytes, too short for its {header}-byte IDX header")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and dims[1:] != (SIDE, SIDE):
        raise DataError(f"{path}: images of {dims[1]}x{dims[2]} pixels, expected {SIDE}x{SIDE}")
    expected, found = int(np.prod(dims)), len(data) - header
    if found != expected:
        raise DataError(
            f"{path}: payload of {found:,} bytes, expected {expected:,} for dimensions {dims}"
        )
    # copy(): frombuffer over bytes is read-only, and callers may shuffle in place.
    return np.frombuffer(data, np.uint8, offset=header).reshape(dims).copy()


def _idx_file(folder: Path, stem: str) -> Path | None:
    """The file for `stem` in `folder`, raw or .gz, also as "train-images.idx3-ubyte"."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_folder(folder) -> Mnist:
    """The four MNIST IDX files in `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder")
    files = {key: _idx_file(folder, stem) for key, stem in _IDX_STEMS.items()}
    missing = [_IDX_STEMS[key] for key, file in files.items() if file is None]
    if missing:
        raise DataError(f"{folder}: missing {', '.join(missing)} (with or without .gz)")
    arrays = {key: read_idx(file) for key, file in files.items()}
    where = {key: str(file) for key, file in files.items()}
    return _mnist(arrays, where, f"from IDX files in {folder}")


def write_test_split(folder, out_path) -> None:
    """Write the t10k IDX files in `folder` to an .npz like the bundled one."""
    folder = Path(folder)
    files = {key: _idx_file(folder, _IDX_STEMS[key]) for key in ("x_test", "y_test")}
    if None in files.values():
        raise DataError(f"{folder}: missing the t10k images or labels")
    arrays = {key: read_idx(file) for key, file in files.items()}
    x, y = _pair(arrays, {key: str(file) for key, file in files.items()}, "test")
    np.savez_compressed(out_path, x_test=x, y_test=y)


# ---------------------------------------------------------------- .npz files


def _read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    try:
        f = np.load(path, allow_pickle=False)
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise DataError(f"{path}: a single .npy array, expected an .npz archive")
        with f:
            missing = [key for key in keys if key not in f.files]
            if missing:
                raise DataError(
                    f"{path}: missing {', '.join(missing)} (has {', '.join(f.files) or 'nothing'})"
                )
            # Reading each member here is what detects corrupt compressed data.
            return {key: f[key] for key in keys}
    except FileNotFoundError as e:
        raise DataError(f"{path}: no such file") from e
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"{path}: not a valid .npz archive ({e})") from e


def load_npz(path) -> Mnist:
    """Keras's mnist.npz, or any .npz with x_train, y_train, x_test, y_test."""
    return _load_npz(Path(path), f"from {path}")


def _load_npz(path: Path, origin: str) -> Mnist:
    arrays = _read_npz(path, _KEYS)
    return _mnist(arrays, {key: f"{path} [{key}]" for key in _KEYS}, origin)


@functools.cache
def load_test_split() -> tuple[np.ndarray, np.ndarray]:
    """The bundled 10,000 MNIST test images and labels, read-only (they are shared)."""
    arrays = _read_npz(TEST_SPLIT_PATH, ("x_test", "y_test"))
    x, y = _pair(arrays, {key: f"{TEST_SPLIT_PATH} [{key}]" for key in arrays}, "test")
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


# ---------------------------------------------------------------- finding MNIST


def _load_path(path) -> Mnist:
    path = Path(path).expanduser()
    if path.is_dir():
        return load_idx_folder(path)
    if path.is_file():
        return load_npz(path)
    raise DataError(f"{path}: no such file or folder (expected IDX files or an .npz file)")


def _keras_cache_path() -> Path:
    """Where Keras keeps mnist.npz; mirrors keras.src.backend.config, read at call time."""
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz"
    home = Path("~").expanduser()
    base = home if os.access(home, os.W_OK) else Path("/tmp")
    return base / ".keras" / "datasets" / "mnist.npz"


def _bundled_fallback(notes: list[str]) -> Mnist:
    x, y = load_test_split()
    order = np.random.default_rng(FALLBACK_SEED).permutation(len(x))
    train, val = order[:FALLBACK_TRAIN], order[FALLBACK_TRAIN:]
    source = (
        f"the bundled {len(x):,}-image test split only (no full MNIST found): "
        f"{len(train):,} for training, {len(val):,} for validation"
    )
    source += "".join(f"; {note}" for note in notes)
    return Mnist(x[train], y[train], x[val], y[val], source, full=False)


def find_mnist(source=None, *, allow_download=False) -> Mnist:
    """The best MNIST available: `source`, $MNIST_DIR, Keras's cache, a download, the bundled split.

    An explicit `source` or $MNIST_DIR that is bad raises DataError rather than falling back,
    since the user asked for it. Nothing found is ever modified or deleted.
    """
    if source is not None:
        return _load_path(source)
    env = os.environ.get("MNIST_DIR")
    if env:
        try:
            return _load_path(env)
        except DataError as e:
            raise DataError(f"MNIST_DIR is set, but {e}") from e

    notes = []
    cache = _keras_cache_path()
    if cache.exists():
        # Our own reader, never keras.datasets.mnist.load_data(): offline, that deletes
        # a cached file whose hash differs, and the file is the user's.
        try:
            return _load_npz(cache, f"from Keras's cache, {cache}")
        except DataError as e:
            notes.append(f"skipped the Keras cache, {e}")
    elif allow_download:
        try:
            import keras  # deferred: TensorFlow takes seconds to import

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
            where = {key: f"downloaded MNIST [{key}]" for key in _KEYS}
            return _mnist(arrays, where, "downloaded by Keras")
        except Exception as e:  # no network, a proxy error, a bad download: all mean "go on"
            notes.append(f"the download failed ({type(e).__name__}: {e})")
    return _bundled_fallback(notes)


# ---------------------------------------------------------------- model input


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1], the model's input."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(
            f"expected uint8 images of shape (N, {SIDE}, {SIDE}), got {images.dtype} {images.shape}"
        )
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]
