import pytest

from signport.core.errors import InputError
from signport.device_bench.profiles import EMULATED_LABEL, HOST_LABEL, PROFILES, get_profile, resolve_threads


def test_emulated_profiles_pin_threads_and_cores_and_are_labelled():
    for name in ("pixel-7-emulated", "iphone-12-emulated", "low-end-android-emulated"):
        profile = get_profile(name)
        assert profile.emulated and profile.label == EMULATED_LABEL == "host-measured, emulated"
    assert resolve_threads(get_profile("pixel-7-emulated"), None, [0, 1, 2, 3]) == (2, [0, 1])
    assert resolve_threads(get_profile("low-end-android-emulated"), None, [4, 5]) == (1, [4])


def test_local_profile_uses_requested_threads_unpinned():
    local = get_profile("local")
    assert local.label == HOST_LABEL and not local.emulated
    assert resolve_threads(local, 3, [0, 1]) == (3, None)
    assert resolve_threads(local, None, list(range(16))) == (4, None)


def test_conflicting_threads_and_too_few_cores_are_input_errors():
    with pytest.raises(InputError, match="conflicts"):
        resolve_threads(get_profile("pixel-7-emulated"), 4, [0, 1, 2, 3])
    with pytest.raises(InputError, match="offers 1"):
        resolve_threads(get_profile("pixel-7-emulated"), None, [0])
    with pytest.raises(InputError, match="unknown --profile"):
        get_profile("pixel-99")
    assert set(PROFILES) >= {"local", "pixel-7-emulated", "iphone-12-emulated", "low-end-android-emulated"}
