import hashlib
import struct
import zipfile

import pytest

from signport.cli import main
from signport.core.errors import InputError, OfflineError
from signport.hands import model_file
from signport.hands.model_file import (
    BUILT_TASK_SHA256, HAND_MODEL_FILE, TASK_MEMBERS, check_task_file, fetch_hand_model, task_from_wheel,
)


def _data_offset(path, info):
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        name_len, extra_len = struct.unpack("<HH", f.read(30)[26:30])
    return info.header_offset + 30 + name_len + extra_len


def test_task_built_from_official_wheel_is_pinned_and_aligned(hand_model):
    assert hashlib.sha256(hand_model.read_bytes()).hexdigest() == BUILT_TASK_SHA256
    with zipfile.ZipFile(hand_model) as archive:
        assert [i.filename for i in archive.infolist()] == [m.name for m in TASK_MEMBERS]
        for member, info in zip(TASK_MEMBERS, archive.infolist()):
            assert hashlib.sha256(archive.read(info)).hexdigest() == member.sha256
            assert info.compress_type == zipfile.ZIP_STORED
            # TFLite maps the networks in place only from aligned offsets.
            assert _data_offset(hand_model, info) % 64 == 0


def _fake_wheel(path, payload=b"not the official network"):
    with zipfile.ZipFile(path, "w") as archive:
        for member in TASK_MEMBERS:
            archive.writestr(member.wheel_path, payload)
    return path


def test_wheel_with_other_networks_is_rejected_by_checksum(tmp_path):
    with pytest.raises(InputError, match="sha256 .* expected"):
        task_from_wheel(_fake_wheel(tmp_path / "mediapipe-0.10.21-x.whl"))


def test_fetch_from_local_wheel_writes_nothing_when_the_wheel_is_wrong(tmp_path):
    out = tmp_path / "models"
    assert main(["models", "fetch", "--out", str(out), "--wheel", str(_fake_wheel(tmp_path / "m.whl"))]) == 2
    assert not out.exists() or not any(out.iterdir())


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No package index and no Google: pip sees an empty wheel folder, the URL a closed port."""
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    monkeypatch.setattr(model_file, "GOOGLE_TASK_URL", "http://127.0.0.1:9/hand_landmarker.task")


def test_fetch_offline_fails_with_what_to_do_and_writes_nothing(offline, tmp_path):
    out = tmp_path / "models"
    with pytest.raises(OfflineError) as caught:
        fetch_hand_model(out, source="auto")
    message = str(caught.value)
    assert "pip download mediapipe==0.10.21" in message and "127.0.0.1:9" in message
    assert "signport models fetch" in message and "--hand-model PATH" in message
    assert not (out / HAND_MODEL_FILE).exists()


def test_fetch_reuses_a_valid_cached_model_offline(offline, hand_model, tmp_path):
    cached = tmp_path / "models" / HAND_MODEL_FILE
    cached.parent.mkdir()
    cached.write_bytes(hand_model.read_bytes())
    assert fetch_hand_model(cached.parent) == cached


def test_truncated_task_file_is_rejected_with_the_fix(hand_model, tmp_path):
    broken = tmp_path / HAND_MODEL_FILE
    broken.write_bytes(hand_model.read_bytes()[:4096])
    with pytest.raises(InputError, match="signport models fetch"):
        check_task_file(broken)


def test_cli_fetch_builds_the_pinned_file(hand_model, tmp_path, capsys):
    # hand_model skips this test where PyPI is unreachable; here the CLI must build the same bytes.
    code = main(["models", "fetch", "--out", str(tmp_path), "--source", "pypi"])
    out = capsys.readouterr().out
    assert code == 0 and out.strip() == f"{tmp_path / HAND_MODEL_FILE}  sha256 {BUILT_TASK_SHA256}"


def test_variant_file_names_and_unknown_variant():
    from signport.hands.model_file import task_file_name

    assert task_file_name("full") == HAND_MODEL_FILE and task_file_name("lite") == "hand_landmarker_lite.task"
    with pytest.raises(InputError, match="unknown hand model variant"):
        task_file_name("tiny")


def test_lite_variant_is_not_offered_from_google(tmp_path):
    with pytest.raises(InputError, match="only the full"):
        fetch_hand_model(tmp_path, source="google", variant="lite")


def test_lite_wheel_member_is_checksum_verified(tmp_path):
    from signport.hands.model_file import VARIANTS

    wheel = tmp_path / "m.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for member in VARIANTS["lite"]:
            archive.writestr(member.wheel_path, b"other bytes")
    with pytest.raises(InputError, match="has sha256 .* expected"):
        task_from_wheel(wheel, "lite")
