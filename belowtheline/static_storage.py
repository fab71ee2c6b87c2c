"""Static files as `btl serve` collects them: hashed names, gzip and brotli copies.

WhiteNoise compresses every file with brotli at its highest quality, which takes about a
minute for the admin's and the API docs' scripts on a small machine: the first `make demo`
would sit silent that long. Our own reader-facing files are small and get the best
compression; big third-party bundles, which readers never load, get a quick one (about a
tenth bigger, forty times faster).
"""

from typing import Any

import brotli
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

SMALL = 64 * 1024


class _QuickForLargeFiles(Compressor):
    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        return brotli.compress(data, quality=11 if len(data) <= SMALL else 5)


class CompressedHashedStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return _QuickForLargeFiles(**kwargs)
