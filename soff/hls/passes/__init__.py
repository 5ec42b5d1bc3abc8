"""Every pass, one per file; importing this package registers them all."""

from soff.hls.passes import (  # noqa: F401
    cse,
    dce,
    expand_math,
    flush_subnormals,
    fold_constants,
    if_convert,
    schedule,
)
