"""Analyses shared by passes and scheduling."""

from soff.hls.analysis.cfg import cfg_graph, pointer_args, pointer_base

__all__ = ["cfg_graph", "pointer_args", "pointer_base"]
