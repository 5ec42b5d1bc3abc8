"""Board and device data (part, clock, memory, resources, operator latencies)."""

from soff.boards.board import DEFAULT_BOARD, Board, board_names, load_board

__all__ = ["DEFAULT_BOARD", "Board", "board_names", "load_board"]
