import pytest

from signport.core import atomic


def test_staged_directory_leaves_old_folder_untouched_on_failure(tmp_path):
    final = tmp_path / "bundle"
    final.mkdir()
    (final / "manifest.json").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.staged_directory(final) as staging:
            (staging / "manifest.json").write_text("new")
            raise RuntimeError("export failed")
    assert (final / "manifest.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]


def test_staged_directory_replaces_whole_folder_on_success(tmp_path):
    final = tmp_path / "bundle"
    final.mkdir()
    (final / "stale.pte").write_text("x")
    with atomic.staged_directory(final) as staging:
        (staging / "manifest.json").write_text("new")
    assert sorted(p.name for p in final.iterdir()) == ["manifest.json"]


def test_write_json_leaves_no_temp_files(tmp_path):
    atomic.write_json(tmp_path / "a.json", {"k": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_atomic_outputs_get_normal_permissions(tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        path = atomic.write_text(tmp_path / "t.txt", "x")
        with atomic.staged_directory(tmp_path / "d") as staging:
            (staging / "f").write_text("y")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755
