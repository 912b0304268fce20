"""Tests for ae.data: IDX and .npz readers, find_mnist's resolution order, the bundled split."""

import gzip
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ae import data
from ae.data import DataError

TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
STEMS = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


# ---------------------------------------------------------------- helpers


def idx_bytes(array, *, magic=None, dims=None, extra=b"", cut=0) -> bytes:
    """An IDX file for a uint8 array; the keywords corrupt it on purpose."""
    array = np.asarray(array, np.uint8)
    magic = (0x0800 | array.ndim) if magic is None else magic
    dims = array.shape if dims is None else dims
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in dims)
    payload = array.tobytes() + extra
    return header + payload[: len(payload) - cut]


def write_idx(path: Path, array, *, gz: bool, **corrupt) -> Path:
    raw = idx_bytes(array, **corrupt)
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def synthetic(n_train=6, n_test=4, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def make_folder(folder: Path, arrays=None, *, gz=True, dotted=False) -> dict:
    """The four IDX files of `arrays` (default: synthetic()) in `folder`."""
    arrays = synthetic() if arrays is None else arrays
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in STEMS.items():
        name = stem.replace("-idx", ".idx") if dotted else stem
        write_idx(folder / (name + ".gz" if gz else name), arrays[key], gz=gz)
    return arrays


def make_npz(path: Path, arrays=None, **overrides) -> dict:
    arrays = dict(synthetic() if arrays is None else arrays, **overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


def assert_same(m: data.Mnist, arrays: dict) -> None:
    for key in STEMS:
        got = getattr(m, key)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """No $MNIST_DIR or $KERAS_HOME, and a fresh empty $HOME, so only what a test makes exists."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    return home


def fake_keras(monkeypatch, load_data) -> None:
    """Make `import keras` inside find_mnist see only datasets.mnist.load_data (no TensorFlow)."""
    mnist = types.SimpleNamespace(load_data=load_data)
    monkeypatch.setitem(
        sys.modules, "keras", types.SimpleNamespace(datasets=types.SimpleNamespace(mnist=mnist))
    )


# ---------------------------------------------------------------- read_idx


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trips_images_and_labels(tmp_path, gz):
    arrays = synthetic()
    images = data.read_idx(write_idx(tmp_path / "images", arrays["x_train"], gz=gz))
    labels = data.read_idx(write_idx(tmp_path / "labels", arrays["y_train"], gz=gz))
    assert images.dtype == labels.dtype == np.uint8
    np.testing.assert_array_equal(images, arrays["x_train"])
    np.testing.assert_array_equal(labels, arrays["y_train"])
    images[0, 0, 0] = 1  # callers may modify what they get (e.g. shuffle in place)


@settings(max_examples=25, deadline=None)
@given(
    images=hnp.arrays(np.uint8, st.tuples(st.integers(0, 4), st.just(28), st.just(28))),
    gz=st.booleans(),
)
def test_read_idx_round_trips_any_images(tmp_path_factory, images, gz):
    path = write_idx(tmp_path_factory.mktemp("idx") / "images", images, gz=gz)
    np.testing.assert_array_equal(data.read_idx(path), images)


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    raw_named_gz = write_idx(tmp_path / "labels.gz", labels, gz=False)
    gz_named_raw = write_idx(tmp_path / "labels", labels, gz=True)
    np.testing.assert_array_equal(data.read_idx(raw_named_gz), labels)
    np.testing.assert_array_equal(data.read_idx(gz_named_raw), labels)


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize(
    "corrupt, words",
    [
        (dict(magic=0x00000802), ["magic number 0x00000802", "0x00000801", "0x00000803"]),
        (dict(magic=0x01000803), ["magic number 0x01000803"]),
        (dict(magic=0x00000D03), ["dtype byte 0x0D", "expected 0x08"]),
        (dict(cut=1), ["payload of 3,135 bytes", "expected 3,136"]),
        (dict(cut=3136), ["payload of 0 bytes", "expected 3,136"]),
        (dict(extra=b"\0\0"), ["payload of 3,138 bytes", "expected 3,136"]),
    ],
    ids=["magic-ndim", "magic-high", "dtype", "truncated", "no-payload", "trailing"],
)
def test_read_idx_rejects_corrupt_images(tmp_path, gz, corrupt, words):
    path = write_idx(tmp_path / "bad-images", np.zeros((4, 28, 28)), gz=gz, **corrupt)
    with pytest.raises(DataError) as e:
        data.read_idx(path)
    assert str(path) in str(e.value)
    for word in words:
        assert word in str(e.value)


def test_read_idx_rejects_trailing_and_truncated_labels(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    for corrupt, found in [(dict(extra=b"\x01"), 11), (dict(cut=1), 9)]:
        path = write_idx(tmp_path / "labels", labels, gz=True, **corrupt)
        with pytest.raises(DataError, match=f"payload of {found} bytes, expected 10 "):
            data.read_idx(path)


@pytest.mark.parametrize("shape", [(2, 28, 27), (2, 27, 28), (2, 32, 32)])
def test_read_idx_rejects_images_not_28x28(tmp_path, shape):
    path = write_idx(tmp_path / "images", np.zeros(shape), gz=False)
    with pytest.raises(DataError, match=f"images of {shape[1]}x{shape[2]} pixels, expected 28x28"):
        data.read_idx(path)


def test_read_idx_rejects_short_header_corrupt_gzip_and_missing_file(tmp_path):
    short = tmp_path / "short"
    short.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x01")  # images, but no rows/cols
    with pytest.raises(DataError, match="too short for its 16-byte IDX header"):
        data.read_idx(short)
    tiny = tmp_path / "tiny"
    tiny.write_bytes(b"\x00\x00")
    with pytest.raises(DataError, match="too short for an IDX header"):
        data.read_idx(tiny)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(idx_bytes(np.zeros((3, 28, 28))))[:-20])
    with pytest.raises(DataError, match="corrupt gzip"):
        data.read_idx(broken)
    with pytest.raises(DataError, match="cannot read"):
        data.read_idx(tmp_path / "absent")


# ---------------------------------------------------------------- load_idx_folder


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("dotted", [False, True])
def test_load_idx_folder_round_trip(tmp_path, gz, dotted):
    arrays = make_folder(tmp_path, gz=gz, dotted=dotted)
    m = data.load_idx_folder(tmp_path)
    assert_same(m, arrays)
    assert m.full is False
    assert m.source == f"the 6 training and 4 test images from IDX files in {tmp_path}"


def test_load_idx_folder_accepts_mixed_names(tmp_path):
    arrays = synthetic()
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", arrays["x_train"], gz=True)
    write_idx(tmp_path / "train-labels.idx1-ubyte", arrays["y_train"], gz=False)
    write_idx(tmp_path / "t10k-images.idx3-ubyte.gz", arrays["x_test"], gz=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", arrays["y_test"], gz=False)
    assert_same(data.load_idx_folder(tmp_path), arrays)


def test_load_idx_folder_names_the_missing_file(tmp_path):
    make_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError) as e:
        data.load_idx_folder(tmp_path)
    message = str(e.value)
    assert str(tmp_path) in message and "missing t10k-labels-idx1-ubyte" in message
    assert "train-images" not in message


def test_load_idx_folder_rejects_a_file_or_absent_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    for path in (tmp_path / "file", tmp_path / "absent"):
        with pytest.raises(DataError, match="not a folder"):
            data.load_idx_folder(path)


def test_load_idx_folder_checks_label_count(tmp_path):
    arrays = synthetic()
    make_folder(tmp_path, dict(arrays, y_train=arrays["y_train"][:-1]))
    with pytest.raises(DataError) as e:
        data.load_idx_folder(tmp_path)
    message = str(e.value)
    assert "train-images-idx3-ubyte.gz has 6 images" in message
    assert "train-labels-idx1-ubyte.gz has 5 labels" in message


def test_load_idx_folder_checks_label_range(tmp_path):
    arrays = synthetic()
    make_folder(tmp_path, dict(arrays, y_test=np.array([0, 9, 10, 3], np.uint8)))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz: values 0..10, expected 0..9"):
        data.load_idx_folder(tmp_path)


def test_load_idx_folder_rejects_labels_in_place_of_images(tmp_path):
    arrays = make_folder(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", arrays["y_test"], gz=True)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz: shape \(4,\), expected \(N,"):
        data.load_idx_folder(tmp_path)


# ---------------------------------------------------------------- load_npz


def test_load_npz_round_trip(tmp_path):
    arrays = make_npz(tmp_path / "mnist.npz")
    m = data.load_npz(tmp_path / "mnist.npz")
    assert_same(m, arrays)
    assert m.full is False
    assert m.source == f"the 6 training and 4 test images from {tmp_path / 'mnist.npz'}"


def test_load_npz_full_means_60000_and_10000(tmp_path):
    full = {
        "x_train": np.zeros((60_000, 28, 28), np.uint8),
        "y_train": np.zeros(60_000, np.uint8),
        "x_test": np.zeros((10_000, 28, 28), np.uint8),
        "y_test": np.zeros(10_000, np.uint8),
    }
    np.savez(tmp_path / "full.npz", **full)
    assert data.load_npz(tmp_path / "full.npz").full is True
    for split in ("train", "test"):
        one_short = {f"x_{split}": full[f"x_{split}"][1:], f"y_{split}": full[f"y_{split}"][1:]}
        np.savez(tmp_path / "short.npz", **dict(full, **one_short))
        assert data.load_npz(tmp_path / "short.npz").full is False


def test_load_npz_casts_integers_in_range(tmp_path):
    arrays = synthetic()
    wide = {key: a.astype(np.int64) for key, a in arrays.items()}
    make_npz(tmp_path / "wide.npz", wide)
    assert_same(data.load_npz(tmp_path / "wide.npz"), arrays)


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("x_train", np.full((6, 28, 28), 256), "[x_train]: values 256..256, expected 0..255"),
        ("x_test", np.zeros((4, 28, 28), np.float32), "[x_test]: dtype float32, expected uint8"),
        ("y_train", np.array([0, 1, 2, 3, 4, -1]), "[y_train]: values -1..4, expected 0..9"),
        ("y_test", np.array([0, 1, 2, 12], np.uint8), "[y_test]: values 0..12, expected 0..9"),
        ("x_train", np.zeros((6, 784), np.uint8), "[x_train]: shape (6, 784), expected (N, 28"),
        ("x_test", np.zeros((4, 28, 27), np.uint8), "[x_test]: shape (4, 28, 27)"),
        ("y_test", np.zeros((4, 1), np.uint8), "[y_test]: shape (4, 1), expected (N,)"),
        ("y_train", np.zeros(5, np.uint8), "[x_train] has 6 images but"),
    ],
)
def test_load_npz_rejects_bad_arrays(tmp_path, key, value, words):
    path = tmp_path / "mnist.npz"
    make_npz(path, **{key: value})
    with pytest.raises(DataError) as e:
        data.load_npz(path)
    assert str(path) in str(e.value) and words in str(e.value)


def test_load_npz_names_missing_keys(tmp_path):
    path = tmp_path / "mnist.npz"
    arrays = synthetic()
    del arrays["y_test"]
    np.savez(path, **arrays)
    with pytest.raises(DataError, match="missing y_test"):
        data.load_npz(path)


def test_load_npz_rejects_corrupt_files(tmp_path):
    good = tmp_path / "good.npz"
    make_npz(good)
    blob = good.read_bytes()
    middle = len(blob) // 2
    flipped = blob[:middle] + bytes(b ^ 0xFF for b in blob[middle : middle + 64])
    flipped += blob[middle + 64 :]
    cases = {
        "truncated.npz": blob[: len(blob) // 2],
        "flipped.npz": flipped,
        "text.npz": b"<html>404 Not Found</html>",
        "empty.npz": b"",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataError, match="not a valid .npz archive") as e:
            data.load_npz(tmp_path / name)
        assert str(tmp_path / name) in str(e.value)
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(DataError, match="a single .npy array"):
        data.load_npz(tmp_path / "single.npy")
    with pytest.raises(DataError, match="no such file"):
        data.load_npz(tmp_path / "absent.npz")


# ---------------------------------------------------------------- the bundled test split


def test_load_test_split_is_the_real_test_set_read_only_and_cached():
    x, y = data.load_test_split()
    assert x.shape == (10_000, 28, 28) and y.shape == (10_000,)
    assert x.dtype == y.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == TEST_LABEL_COUNTS
    with pytest.raises(ValueError):
        x[0, 0, 0] = 1
    with pytest.raises(ValueError):
        y[0] = 1
    assert data.load_test_split() is data.load_test_split()


def test_write_test_split_round_trip(tmp_path):
    arrays = make_folder(tmp_path / "idx", gz=False, dotted=True)
    data.write_test_split(tmp_path / "idx", tmp_path / "split.npz")
    with np.load(tmp_path / "split.npz") as f:
        assert sorted(f.files) == ["x_test", "y_test"]
        np.testing.assert_array_equal(f["x_test"], arrays["x_test"])
        np.testing.assert_array_equal(f["y_test"], arrays["y_test"])
    (tmp_path / "idx" / "t10k-images.idx3-ubyte").unlink()
    with pytest.raises(DataError, match="missing the t10k images or labels"):
        data.write_test_split(tmp_path / "idx", tmp_path / "again.npz")


# ---------------------------------------------------------------- find_mnist


def test_find_mnist_argument_beats_mnist_dir_and_cache(isolated, tmp_path, monkeypatch):
    make_npz(isolated / ".keras/datasets/mnist.npz", synthetic(7, 2, seed=3))
    make_folder(tmp_path / "env", synthetic(5, 2, seed=2))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    arrays = make_npz(tmp_path / "arg.npz", synthetic(3, 2, seed=1))
    m = data.find_mnist(tmp_path / "arg.npz")
    assert_same(m, arrays)
    assert str(tmp_path / "arg.npz") in m.source
    folder_arrays = make_folder(tmp_path / "argdir", synthetic(4, 2, seed=4))
    assert_same(data.find_mnist(str(tmp_path / "argdir")), folder_arrays)


def test_find_mnist_mnist_dir_beats_cache(isolated, tmp_path, monkeypatch):
    make_npz(isolated / ".keras/datasets/mnist.npz", synthetic(7, 2, seed=3))
    arrays = make_folder(tmp_path / "env", synthetic(5, 2, seed=2))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    m = data.find_mnist()
    assert_same(m, arrays)
    assert "IDX files in" in m.source and str(tmp_path / "env") in m.source
    npz_arrays = make_npz(tmp_path / "env.npz", synthetic(4, 2, seed=5))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env.npz"))
    assert_same(data.find_mnist(), npz_arrays)


def test_find_mnist_cache_beats_bundled_and_respects_keras_home(isolated, tmp_path, monkeypatch):
    home_cache = isolated / ".keras/datasets/mnist.npz"
    arrays = make_npz(home_cache, synthetic(7, 2, seed=3))
    m = data.find_mnist()
    assert_same(m, arrays)
    assert m.source == f"the 7 training and 2 test images from Keras's cache, {home_cache}"

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    other = make_npz(tmp_path / "kh/datasets/mnist.npz", synthetic(8, 3, seed=6))
    assert_same(data.find_mnist(), other)
    (tmp_path / "kh/datasets/mnist.npz").unlink()
    assert "bundled" in data.find_mnist().source  # KERAS_HOME set: ~/.keras is not looked at


def test_keras_cache_is_in_tmp_when_home_is_not_writable(isolated, monkeypatch):
    assert data._keras_cache_path() == isolated / ".keras/datasets/mnist.npz"
    # As Keras does. Tests may run as root, for whom os.access always says writable: fake it.
    with monkeypatch.context() as patch:
        patch.setattr(data.os, "access", lambda path, mode: Path(path) != isolated)
        assert data._keras_cache_path() == Path("/tmp/.keras/datasets/mnist.npz")


def test_find_mnist_bad_argument_or_mnist_dir_raises(isolated, tmp_path, monkeypatch):
    """An explicit source the user named must not silently fall back to something else."""
    make_npz(isolated / ".keras/datasets/mnist.npz")
    make_folder(tmp_path / "env")
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    with pytest.raises(DataError, match="bad.npz: not a valid .npz archive"):
        data.find_mnist(tmp_path / "bad.npz")
    with pytest.raises(DataError, match="no such file or folder"):
        data.find_mnist(tmp_path / "absent")

    (tmp_path / "env" / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="MNIST_DIR is set, but .*missing train-labels-idx1-ubyte"):
        data.find_mnist()
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "absent"))
    with pytest.raises(DataError, match="MNIST_DIR is set, but .*no such file or folder"):
        data.find_mnist()


def test_find_mnist_bundled_fallback(isolated):
    m = data.find_mnist()
    sizes = (len(m.x_train), len(m.y_train), len(m.x_test), len(m.y_test))
    assert sizes == (8_000, 8_000, 2_000, 2_000)
    assert m.full is False
    assert m.source == (
        "the bundled 10,000-image test split only (no full MNIST found): "
        "8,000 for training, 2,000 for validation"
    )
    x, y = data.load_test_split()
    order = np.random.default_rng(0).permutation(10_000)
    np.testing.assert_array_equal(m.x_train, x[order[:8_000]])
    np.testing.assert_array_equal(m.y_train, y[order[:8_000]])
    np.testing.assert_array_equal(m.x_test, x[order[8_000:]])
    np.testing.assert_array_equal(m.y_test, y[order[8_000:]])
    again = data.find_mnist()
    np.testing.assert_array_equal(again.y_train, m.y_train)
    np.testing.assert_array_equal(again.x_test, m.x_test)


@pytest.mark.parametrize("allow_download", [False, True])
def test_find_mnist_skips_a_corrupt_cache_and_leaves_it(isolated, monkeypatch, allow_download):
    cache = isolated / ".keras/datasets/mnist.npz"
    make_npz(cache)
    blob = cache.read_bytes()[:-100]  # an interrupted download
    cache.write_bytes(blob)
    calls = []
    fake_keras(monkeypatch, lambda: calls.append("load_data"))
    m = data.find_mnist(allow_download=allow_download)
    assert m.full is False and "bundled" in m.source
    assert f"skipped the Keras cache, {cache}: not a valid .npz archive" in m.source
    assert calls == []  # load_data would replace or delete the user's file
    assert cache.read_bytes() == blob


def test_find_mnist_downloads_only_when_allowed_and_no_cache(isolated, monkeypatch):
    arrays = synthetic(5, 3)
    calls = []

    def load_data():
        calls.append("load_data")
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])

    fake_keras(monkeypatch, load_data)
    assert "bundled" in data.find_mnist().source
    assert calls == []
    m = data.find_mnist(allow_download=True)
    assert calls == ["load_data"]
    assert_same(m, arrays)
    assert m.source == "the 5 training and 3 test images downloaded by Keras"


def test_find_mnist_falls_back_when_the_real_keras_download_fails(request, monkeypatch):
    # Import before `isolated` moves $HOME: Keras fixes its config folder at import time,
    # and other tests in the session should keep the real one.
    keras = pytest.importorskip("keras")
    home = request.getfixturevalue("isolated")
    calls = []

    def offline(*args, **kwargs):
        calls.append("load_data")
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    m = data.find_mnist(allow_download=True)
    assert calls == ["load_data"]
    assert m.full is False and len(m.x_train) == 8_000
    assert "bundled" in m.source and "the download failed (OSError: no network)" in m.source
    assert not (home / ".keras/datasets").exists()


# ---------------------------------------------------------------- to_float


def test_to_float():
    images = np.zeros((3, 28, 28), np.uint8)
    images[0, 0, 0], images[1, 5, 7] = 255, 51
    x = data.to_float(images)
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.float32
    assert x[0, 0, 0, 0] == 1.0 and x[1, 5, 7, 0] == pytest.approx(0.2) and x.min() == 0.0
    for bad in (images.astype(np.float32), images[0], images[:, :27]):
        with pytest.raises(ValueError, match="expected uint8 images of shape"):
            data.to_float(bad)


# ---------------------------------------------------------------- the real MNIST


@pytest.fixture(scope="module")
def real_mnist(shared_mnist_dir) -> data.Mnist:
    return data.load_idx_folder(shared_mnist_dir)


def test_real_mnist_is_full_and_matches_known_counts(real_mnist):
    m = real_mnist
    assert m.full is True
    assert m.x_train.shape == (60_000, 28, 28) and m.x_test.shape == (10_000, 28, 28)
    assert np.bincount(m.y_train, minlength=10).tolist() == TRAIN_LABEL_COUNTS
    assert np.bincount(m.y_test, minlength=10).tolist() == TEST_LABEL_COUNTS
    assert m.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_real_test_split_equals_the_bundled_one(real_mnist):
    x, y = data.load_test_split()
    np.testing.assert_array_equal(real_mnist.x_test, x)
    np.testing.assert_array_equal(real_mnist.y_test, y)
