"""Server-side read-aloud with espeak-ng, for browsers without a speech voice (typical on Linux kiosks, and
some phones): kiosk screens (kiosk.routes.speech) and the public lessons (resident.learn.lesson_audio).

Audio is cached in memory by (text, language), never on disk: a greeting holds a resident's name.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import OrderedDict
from threading import Lock

VOICES = {"zh-Hans": "cmn", "zh-Hant": "cmn", "en": "en"}
CACHE_ENTRIES = 64
_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_lock = Lock()


def speech_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesise(text: str, lang: str) -> bytes | None:
    voice = VOICES.get(lang, "cmn")
    key = (text, voice)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    binary = shutil.which("espeak-ng")
    if binary is None:
        return None
    result = subprocess.run(  # noqa: S603 (fixed binary, text passed as one argument, no shell)
        [binary, "-v", voice, "-s", "140", "--stdout", "--", text],
        capture_output=True,
        timeout=20,
        check=False,
    )
    if result.returncode != 0 or not result.stdout:
        return None
    with _lock:
        _cache[key] = result.stdout
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return result.stdout
