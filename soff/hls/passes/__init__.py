"""Every pass, one per file; importing this package registers them all."""

from soff.hls.passes import cse, dce, fold_constants, if_convert, schedule  # noqa: F401
