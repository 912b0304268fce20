"""The command line: summary, a tiny training run, evaluation, and one clear line for bad input."""

import numpy as np
import pytest

from ae import cli, data
from ae import model as ae_model


@pytest.fixture(scope="module")
def small_npz(tmp_path_factory):
    """A Keras-style mnist.npz of 600 real digits, so training takes seconds."""
    images, labels = data.load_test_split()
    path = tmp_path_factory.mktemp("mnist") / "mnist.npz"
    np.savez(path, x_train=images[:500], y_train=labels[:500],
             x_test=images[500:600], y_test=labels[500:600])
    return path


def test_summary_prints_the_tutorial_table(capsys):
    assert cli.main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "bottleneck (Conv2D)            (4, 4, 8)             584" in out
    assert "dec_conv3 (Conv2D)             (14, 14, 16)        1,168" in out
    assert out.strip().endswith("Total params: 4,385")


def test_train_saves_a_model_then_evaluate_scores_it(small_npz, tmp_path, capsys):
    out = tmp_path / "tiny.keras"
    assert cli.main(["train", "--data", str(small_npz), "--epochs", "1",
                     "--batch-size", "50", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "Saved" in printed.err and "after 1 full epochs" in printed.err
    assert "epoch 1/1 loss" in printed.err
    ae_model.load(out)  # a valid model of the right architecture

    assert cli.main(["evaluate", "--model", str(out), "--data", str(small_npz)]) == 0
    report = capsys.readouterr().out
    assert "Test images: 100" in report
    values = dict(line.split(":")[:2] for line in report.splitlines())
    assert float(values["BCE"]) > float(values["excess BCE"].split()[0]) > 0


def test_resume_from_a_model(small_npz, tmp_path):
    first, second = tmp_path / "a.keras", tmp_path / "b.keras"
    assert cli.main(["train", "--data", str(small_npz), "--epochs", "1", "--out", str(first)]) == 0
    assert cli.main(["train", "--data", str(small_npz), "--epochs", "1",
                     "--resume", str(first), "--out", str(second)]) == 0
    assert second.is_file()


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], "Epochs must be at least 1"),
    (["train", "--data", "/no/such/folder"], "/no/such/folder"),
    (["evaluate", "--model", "/no/such.keras"], "No model file at /no/such.keras"),
    (["train", "--resume", "/no/such.keras"], "No model file"),
])
def test_bad_input_is_one_clear_line_and_exit_2(argv, message, capsys, small_npz):
    if argv[:2] == ["train", "--epochs"]:
        argv = argv + ["--data", str(small_npz)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1]


def test_unknown_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--epoch", "3x"])
    assert exit_.value.code == 2
