"""Writing results: all or nothing, never destructive, the user's umask, no CSV formulas."""

import errno
import hashlib
import json
import os
import stat

import pandas as pd
import pytest

from analysis.dataio import io
from analysis.errors import InputError


def snapshot(folder):
    """Every file and folder under ``folder``, with the bytes of each file."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
        )
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


FRAME = pd.DataFrame({"subject": ["S01", "S02"], "value": [1.5, -2.25]})


# --- CSV injection --------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_starts_like_a_formula_is_quoted(start):
    df = pd.DataFrame({"note": [f"{start}HYPERLINK(1)", "plain"], "x": [1, 2]})
    out = io.neutralise_formulas(df)
    assert out["note"].tolist() == [f"'{start}HYPERLINK(1)", "plain"]
    assert df["note"].iloc[0] == f"{start}HYPERLINK(1)"  # the caller's frame is not changed


def test_numbers_are_left_alone_also_negative_ones_and_numbers_in_text_columns():
    df = pd.DataFrame(
        {
            "value": [-1.5, 2.0],
            "count": [-3, 4],
            "mixed": pd.Series([-7.5, "=x"], dtype=object),
            "flag": [True, False],
        }
    )
    out = io.neutralise_formulas(df)
    assert out["value"].tolist() == [-1.5, 2.0]
    assert out["count"].tolist() == [-3, 4]
    assert out["mixed"].tolist() == [-7.5, "'=x"]
    assert out["flag"].tolist() == [True, False]


def test_string_and_categorical_columns_and_headers_are_covered():
    df = pd.DataFrame(
        {
            "s": pd.Series(["@SUM(A1)", None], dtype="string"),
            "c": pd.Categorical(["-cmd", "ok"]),
            "=evil": [1, 2],
        }
    )
    out = io.neutralise_formulas(df)
    assert out["s"].tolist()[0] == "'@SUM(A1)" and pd.isna(out["s"].tolist()[1])
    assert out["c"].tolist() == ["'-cmd", "ok"]
    assert list(out.columns) == ["s", "c", "'=evil"]


def test_a_frame_without_risky_text_is_returned_as_it_is():
    assert io.neutralise_formulas(FRAME) is FRAME


def test_every_writer_neutralises(tmp_path):
    df = pd.DataFrame({"id": ["=1+1"], "x": [-1.0]})
    io.write_csv(df, tmp_path / "a.csv")
    io.save_csv(df, tmp_path / "b.csv")
    io.write_tables({"t": df}, tmp_path / "c")
    io.save_tables({"t": df}, tmp_path / "d")
    for path in [
        tmp_path / "a.csv",
        tmp_path / "b.csv",
        tmp_path / "c/t.csv",
        tmp_path / "d/t.csv",
    ]:
        assert path.read_text() == "id,x\n'=1+1,-1.0\n", path


# --- internal writers (reproduce's staging folder) ------------------------------------------


def test_write_csv_bytes_and_mode_follow_the_umask(tmp_path, umask_027):
    path = io.write_csv(FRAME, tmp_path / "sub" / "f.csv")
    assert path.read_bytes() == b"subject,value\nS01,1.5\nS02,-2.25\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["f.csv"]  # no temporary file left


def test_write_tables_adds_prefixed_sets_to_one_folder_and_replaces_same_names(tmp_path):
    folder = tmp_path / "tables"
    io.write_tables({"a": FRAME}, folder, prefix="one_")
    io.write_tables({"a": FRAME, "b": FRAME}, folder, prefix="two_")
    io.write_tables({"a": FRAME.head(1)}, folder, prefix="one_")
    assert sorted(p.name for p in folder.iterdir()) == ["one_a.csv", "two_a.csv", "two_b.csv"]
    assert len(pd.read_csv(folder / "one_a.csv")) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["tables"]  # no staging folder left


# --- save_csv: a file a user named ----------------------------------------------------------


def test_save_csv_writes_the_same_bytes_as_write_csv_with_the_umask(tmp_path, umask_027):
    io.write_csv(FRAME, tmp_path / "a.csv")
    path = io.save_csv(FRAME, tmp_path / "b.csv")
    assert path.read_bytes() == (tmp_path / "a.csv").read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_save_csv_refuses_an_existing_file_and_changes_nothing(tmp_path):
    (tmp_path / "mine.csv").write_text("precious")
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match=r"--out .*mine\.csv already exists.*--force"):
        io.save_csv(FRAME, tmp_path / "mine.csv", label="--out")
    assert snapshot(tmp_path) == before


def test_save_csv_with_force_replaces_a_regular_file(tmp_path):
    (tmp_path / "mine.csv").write_text("old")
    io.save_csv(FRAME, tmp_path / "mine.csv", force=True)
    assert pd.read_csv(tmp_path / "mine.csv").equals(FRAME)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.csv"]


@pytest.mark.parametrize("force", [False, True])
def test_save_csv_refuses_a_folder_even_with_force(tmp_path, force):
    (tmp_path / "dir").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="is a folder"):
        io.save_csv(FRAME, tmp_path / "dir", force=force)
    assert snapshot(tmp_path) == before


def test_save_csv_with_force_refuses_a_symbolic_link(tmp_path):
    (tmp_path / "target.csv").write_text("keep")
    (tmp_path / "link.csv").symlink_to(tmp_path / "target.csv")
    with pytest.raises(InputError, match="not a regular file"):
        io.save_csv(FRAME, tmp_path / "link.csv", force=True)
    assert (tmp_path / "target.csv").read_text() == "keep"
    assert (tmp_path / "link.csv").is_symlink()


def test_save_csv_creates_missing_folders(tmp_path):
    path = io.save_csv(FRAME, tmp_path / "a" / "b" / "c.csv")
    assert path.exists()


def test_a_failed_write_removes_the_folders_it_created_and_its_temporary_file(
    tmp_path, monkeypatch
):
    def fail(df, handle):
        handle.write("subject,va")  # half a file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io, "_write_into", fail)
    (tmp_path / "existing").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="disk is full"):
        io.save_csv(FRAME, tmp_path / "existing" / "new" / "deeper" / "x.csv")
    assert snapshot(tmp_path) == before


def test_an_interrupted_write_leaves_nothing_either(tmp_path, monkeypatch):
    def interrupt(df, handle):
        raise KeyboardInterrupt

    monkeypatch.setattr(io, "_write_into", interrupt)
    with pytest.raises(KeyboardInterrupt):
        io.save_csv(FRAME, tmp_path / "new" / "x.csv")
    assert snapshot(tmp_path) == {}


def test_a_path_under_a_file_is_refused_by_name(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match=r"plain is a file, not a folder"):
        io.save_csv(FRAME, tmp_path / "plain" / "sub" / "x.csv")
    with pytest.raises(InputError, match=r"plain is a file, not a folder"):
        io.save_tables({"t": FRAME}, tmp_path / "plain" / "tables")
    assert snapshot(tmp_path) == {"plain": hashlib.sha256(b"x").hexdigest()}


def test_permission_denied_names_the_folder(tmp_path, monkeypatch):
    # as root no folder is unwritable, so the system call's answer is imitated
    def denied(*args, dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, ".x.tmp"))

    monkeypatch.setattr(io.tempfile, "mkstemp", denied)
    with pytest.raises(InputError, match=rf"cannot write in the folder {tmp_path} "):
        io.save_csv(FRAME, tmp_path / "x.csv", label="--out")
    assert snapshot(tmp_path) == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused_and_left_empty(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(InputError, match="cannot write in the folder"):
            io.save_csv(FRAME, locked / "new" / "x.csv")
        with pytest.raises(InputError, match="cannot write in the folder"):
            io.save_tables({"t": FRAME}, locked / "tables")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


# --- save_tables: a folder a user named -----------------------------------------------------


def manifest(folder):
    return json.loads((folder / io.MANIFEST).read_text())["files"]


def test_save_tables_writes_every_table_and_a_manifest_of_their_digests(tmp_path, umask_027):
    folder = tmp_path / "new" / "out"
    written = io.save_tables({"b": FRAME, "a": FRAME.head(1)}, folder)
    assert [p.name for p in written] == ["a.csv", "b.csv"]
    files = manifest(folder)
    assert files == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o640}
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["new", "out", "a.csv", "b.csv", io.MANIFEST]
    )  # no staging folder left


def test_a_table_that_fails_leaves_no_folder_at_all(tmp_path):
    class Failing(dict):
        def items(self):
            yield "first", FRAME
            raise RuntimeError("the ANOVA broke")

    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="ANOVA"):
        io.save_tables(Failing(first=FRAME), tmp_path / "missing" / "out")
    assert snapshot(tmp_path) == before


def test_into_an_existing_empty_folder_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    io.save_tables({"t": FRAME}, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [io.MANIFEST, "t.csv"]


def test_a_non_empty_folder_is_refused_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match=r"is not empty \(notes.txt\).*--force"):
        io.save_tables({"t": FRAME}, out)
    assert snapshot(tmp_path) == before


def test_force_replaces_and_removes_only_the_tools_own_files(tmp_path):
    out = tmp_path / "out"
    io.save_tables({"old": FRAME, "kept_name": FRAME}, out)
    (out / "notes.txt").write_text("mine")
    (out / "sub").mkdir()
    io.save_tables({"kept_name": FRAME.head(1), "new": FRAME}, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [io.MANIFEST, "kept_name.csv", "new.csv", "notes.txt", "sub"]
    )
    assert (out / "notes.txt").read_text() == "mine"
    assert len(pd.read_csv(out / "kept_name.csv")) == 1
    assert set(manifest(out)) == {"kept_name.csv", "new.csv"}


def test_force_refuses_a_file_it_did_not_write_and_names_it(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "t.csv").write_text("the user's own t.csv")
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match=r"t\.csv was not written by this tool"):
        io.save_tables({"t": FRAME}, out, force=True)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("which", ["replaced", "stale"])
def test_force_refuses_a_file_changed_since_the_tool_wrote_it(tmp_path, which):
    out = tmp_path / "out"
    io.save_tables({"t": FRAME, "old": FRAME}, out)
    with open(out / ("t.csv" if which == "replaced" else "old.csv"), "a") as handle:
        handle.write("an edit\n")
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match=r"was changed since this tool wrote it"):
        io.save_tables({"t": FRAME}, out, force=True)
    assert snapshot(tmp_path) == before


def test_an_unreadable_manifest_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / io.MANIFEST).write_text("{not json")
    with pytest.raises(InputError, match="cannot be read"):
        io.save_tables({"t": FRAME}, out, force=True)


def test_a_plain_file_named_as_the_folder_is_refused(tmp_path):
    (tmp_path / "out").write_text("x")
    for force in (False, True):
        with pytest.raises(InputError, match="is a file, not a folder"):
            io.save_tables({"t": FRAME}, tmp_path / "out", force=force)
    assert (tmp_path / "out").read_text() == "x"


def test_a_failure_in_an_existing_folder_leaves_it_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "out"
    io.save_tables({"t": FRAME}, out)
    (out / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    calls = []

    def fail_second(df, handle):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        df.to_csv(handle, index=False)

    monkeypatch.setattr(io, "_write_into", fail_second)
    with pytest.raises(InputError, match="disk is full"):
        io.save_tables({"t": FRAME.head(1), "u": FRAME}, out, force=True)
    assert snapshot(tmp_path) == before


def test_the_checks_run_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "t.csv").write_text("x")
    with pytest.raises(InputError, match="already exists"):
        io.check_csv_target(tmp_path / "file")
    io.check_csv_target(tmp_path / "file", force=True)
    io.check_csv_target(tmp_path / "new" / "deeper.csv")
    with pytest.raises(InputError, match="is a file, not a folder"):
        io.check_tables_target(tmp_path / "file")
    with pytest.raises(InputError, match="not empty"):
        io.check_tables_target(tmp_path / "full")
    io.check_tables_target(tmp_path / "full", force=True)  # names not known yet
    with pytest.raises(InputError, match="t.csv was not written by this tool"):
        io.check_tables_target(tmp_path / "full", force=True, names=["t.csv"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "full"]
