"""Server-side read-aloud with espeak-ng, for browsers without a speech voice (typical on Linux kiosks, and
some phones): kiosk screens (kiosk.routes.speech) and the public lessons (resident.learn.lesson_audio).

Audio is cached in memory by (text, language), never on disk: a greeting holds a resident's name.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import OrderedDict
from threading import BoundedSemaphore, Lock

VOICES = {"zh-Hans": "cmn", "zh-Hant": "cmn", "en": "en"}
CACHE_BYTES = 24 * 1024 * 1024  # per worker; a lesson read aloud is about 1 MB of WAV
RUNNING_AT_ONCE = 2  # espeak-ng processes per worker: a burst of requests waits instead of taking every core
_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_cached_bytes = 0
_lock = Lock()
_running = BoundedSemaphore(RUNNING_AT_ONCE)


def speech_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _remember(key: tuple[str, str], audio: bytes) -> None:
    global _cached_bytes
    with _lock:
        if key in _cache:
            return
        _cache[key] = audio
        _cached_bytes += len(audio)
        while _cached_bytes > CACHE_BYTES and len(_cache) > 1:
            _key, old = _cache.popitem(last=False)
            _cached_bytes -= len(old)


def _cached(key: tuple[str, str]) -> bytes | None:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def synthesise(text: str, lang: str) -> bytes | None:
    """WAV bytes of *text* in *lang*, or None when espeak-ng is missing, fails or takes too long."""
    voice = VOICES.get(lang, "cmn")
    key = (text, voice)
    if (hit := _cached(key)) is not None:
        return hit
    binary = shutil.which("espeak-ng")
    if binary is None:
        return None
    with _running:
        if (hit := _cached(key)) is not None:  # made by another request while this one waited
            return hit
        try:
            result = subprocess.run(  # noqa: S603 (fixed binary, text passed as one argument, no shell)
                [binary, "-v", voice, "-s", "140", "--stdout", "--", text],
                capture_output=True,
                timeout=20,
                check=False,
            )
        except (subprocess.TimeoutExpired, OSError):
            return None
    if result.returncode != 0 or not result.stdout:
        return None
    _remember(key, result.stdout)
    return result.stdout
