"""A line-based hierarchical delta-debugging reducer for generated OpenCL C.

The generator writes one statement per line, block headers ending in ``{`` and
block ends starting with ``}``. The reducer parses the lines into a tree by
those braces and, level by level (HDD), runs ddmin over each list of sibling
statements, then tries to *unwrap* blocks (keep the body, drop the header and
its ``}``), to drop ``else`` branches, and to replace right-hand sides with
``0``. A candidate is kept when ``still_fails(source)`` says the failure is
still there. Bounded by ``time_budget`` seconds.

Candidates stay free of the undefined behaviour the generator avoids by
construction, since UB changes what PoCL computes (and hides or fakes a bug):
a function that returns a value keeps a ``return`` as its last statement, the
``safe_div_*``/``safe_rem_*`` helpers (whose guards make ``/`` and ``%``
defined) are never touched, the ``gid`` line (each work-item writes only its
own slots) stays, and ``clamp``'s bounds are not replaced (``lo <= hi``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Node:
    header: str | None  # None for a leaf line or the root
    line: str | None = None  # a leaf's text
    children: list[Node] = field(default_factory=list)
    footer: str | None = None

    def render(self, out: list[str]) -> None:
        if self.line is not None:
            out.append(self.line)
            return
        if self.header is not None:
            out.append(self.header)
        for c in self.children:
            c.render(out)
        if self.footer is not None:
            out.append(self.footer)


def parse(source: str) -> Node:
    root = Node(None)
    stack = [root]
    for line in source.splitlines():
        s = line.strip()
        if not s:  # rendered away anyway: removing it would look like progress
            continue
        if s.startswith("}") and s.endswith("{") and len(stack) > 1:
            # "} else {": ends one block and opens the next at the same level
            top = stack.pop()
            top.footer = None
            nxt = Node(line)
            top_parent = stack[-1]
            top_parent.children.append(nxt)
            stack.append(nxt)
            top.footer = ""  # the closing brace belongs to the else line
            continue
        if s.startswith("}") and len(stack) > 1:
            stack[-1].footer = line
            stack.pop()
            continue
        if s.endswith("{"):
            n = Node(line)
            stack[-1].children.append(n)
            stack.append(n)
            continue
        stack[-1].children.append(Node(None, line=line))
    return root


def render(root: Node) -> str:
    out: list[str] = []
    root.render(out)
    return "\n".join(x for x in out if x != "") + "\n"


def _blocks(node: Node) -> list[Node]:
    """All nodes with children, outermost first."""
    out = []
    todo = [node]
    while todo:
        n = todo.pop(0)
        if n.line is None:
            out.append(n)
            todo.extend(c for c in n.children if c.line is None)
    return out


_FUNCTION = re.compile(r"^(?:__kernel\s+)?(\w+)\s+(\w+)\s*\(.*\)\s*\{$")
#: helpers whose text makes an operation defined: reducing them would introduce UB
_FROZEN_FUNCTION = re.compile(r"^safe_(?:div|rem)_\w+$")
#: lines that must stay as generated (the work-item's output slots depend on them)
_FROZEN_LINE = re.compile(r"^\s*size_t\s+gid\s*=")


def _function(node: Node) -> tuple[str, str] | None:
    """(return type, name) of a top-level function node."""
    m = _FUNCTION.match((node.header or "").strip())
    return (m.group(1), m.group(2)) if m else None


def _frozen(node: Node) -> bool:
    f = _function(node)
    return f is not None and _FROZEN_FUNCTION.match(f[1]) is not None


def well_formed(root: Node) -> bool:
    """Whether every function that returns a value still ends in a ``return``
    (flowing off its end would make the caller's use of the value undefined)."""
    for fn in root.children:
        f = _function(fn)
        if f is None or f[0] == "void":
            continue
        last = [c for c in fn.children if c.line is None or c.line.strip()]
        if not last or last[-1].line is None or not last[-1].line.strip().startswith("return"):
            return False
    return True


def _clamp_bounds(text: str) -> list[tuple[int, int]]:
    """Index ranges of the 2nd and 3rd arguments of every ``clamp(...)`` in ``text``."""
    out = []
    for m in re.finditer(r"\bclamp\s*\(", text):
        depth, start = 0, m.end()
        commas: list[int] = []
        for i in range(start, len(text)):
            ch = text[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    if len(commas) == 2:
                        out.append((commas[0], i))
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                commas.append(i)
    return out


def _paren_groups(text: str) -> list[tuple[int, int]]:
    """(open, close) index pairs of balanced parentheses, outermost (longest) first."""
    stack, out = [], []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            out.append((stack.pop(), i))
    out.sort(key=lambda ab: (ab[0] - ab[1], ab[0]))
    return out


class Reducer:
    def __init__(self, still_fails: Callable[[str], bool], time_budget: float = 300.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.still_fails = still_fails
        self.deadline = time.monotonic() + time_budget
        self.log = log or (lambda s: None)
        self.tests = 0
        self.cache: dict[str, bool] = {}
        self.expression_level = True

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def check(self, root: Node) -> bool:
        src = render(root)
        if src not in self.cache and not well_formed(root):
            self.cache[src] = False
        if src not in self.cache:
            self.tests += 1
            try:
                self.cache[src] = bool(self.still_fails(src))
            except Exception:  # noqa: BLE001 - a broken candidate is not the failure
                self.cache[src] = False
        return self.cache[src]

    def ddmin_children(self, root: Node, node: Node) -> bool:
        if _frozen(node):
            return False
        changed = False
        n = 2
        while len(node.children) >= 1 and not self.expired():
            items = node.children
            chunk = max(1, len(items) // n)
            progress = False
            for start in range(0, len(items), chunk):
                if self.expired():
                    break
                keep = items[:start] + items[start + chunk:]
                node.children = keep
                if self.check(root):
                    self.log(f"  removed {len(items) - len(keep)} statement(s), {len(render(root).splitlines())} lines")
                    changed = progress = True
                    break
                node.children = items
            if progress:
                n = max(n - 1, 2)
                continue
            if chunk == 1:
                break
            n = min(len(items), n * 2)
        return changed

    def unwrap(self, root: Node) -> bool:
        """Replace a block (not a function) by its body, or drop an 'else' block."""
        changed = False
        for parent in _blocks(root):
            if _frozen(parent):
                continue
            i = 0
            while i < len(parent.children) and not self.expired():
                c = parent.children[i]
                if c.line is None and parent.header is not None and c.header is not None:
                    old = parent.children
                    body = [x for x in c.children if not (x.line or "").strip().startswith(("case ", "default:"))]
                    if c.header.strip().startswith("}"):
                        # an else block: drop it, give its closing brace back to the if
                        parent.children = old[:i] + old[i + 1:]
                        prev = parent.children[i - 1] if i > 0 else None
                        if prev is not None:
                            saved = prev.footer
                            prev.footer = c.footer or "}"
                            if self.check(root):
                                changed = True
                                continue
                            prev.footer = saved
                        parent.children = old
                    else:
                        parent.children = old[:i] + body + old[i + 1:]
                        if self.check(root):
                            changed = True
                            continue
                        parent.children = old
                i += 1
        return changed

    def simplify_lines(self, root: Node) -> bool:
        changed = False
        pat = re.compile(r"^(\s*(?:[a-z_]+ )?[A-Za-z_][\w\[\] *+]*?\s*(?:=|\^=|\|=|&=|\+=|-=|\*=)\s*)(.+);$")
        for node in _blocks(root):
            if _frozen(node):
                continue
            for c in node.children:
                if self.expired():
                    return changed
                if c.line is None or _FROZEN_LINE.match(c.line):
                    continue
                m = pat.match(c.line)
                if not m or m.group(2) == "0":
                    continue
                old = c.line
                c.line = f"{m.group(1)}0;"
                if self.check(root):
                    changed = True
                else:
                    c.line = old
        return changed

    def simplify_parens(self, root: Node, max_tests: int = 400) -> bool:
        """Replace parenthesised sub-expressions by ``0`` (outermost first)."""
        changed = False
        start = self.tests
        nodes = []
        for node in _blocks(root):
            if _frozen(node):
                continue
            if node.header is not None and _function(node) is None:
                nodes.append((node, "header"))
            nodes += [
                (c, "line") for c in node.children if c.line is not None and not _FROZEN_LINE.match(c.line)
            ]
        for n, attr in nodes:
            i = 0
            while not self.expired() and self.tests - start < max_tests:
                text = getattr(n, attr)
                groups = _paren_groups(text)
                if i >= len(groups):
                    break
                a, b = groups[i]
                if text[a + 1:b] == "0" or any(lo < a and b < hi for lo, hi in _clamp_bounds(text)):
                    i += 1
                    continue
                setattr(n, attr, text[:a] + "(0)" + text[b + 1:])
                if self.check(root):
                    changed = True
                    continue  # same index: the next group now sits there
                setattr(n, attr, text)
                i += 1
        return changed

    def reduce(self, source: str) -> str:
        root = parse(source)
        if render(root) != source and not self.check(root):
            return source
        for _ in range(4):
            if self.expired():
                break
            changed = False
            for node in _blocks(root):
                if self.expired():
                    break
                changed |= self.ddmin_children(root, node)
            if not self.expired():
                changed |= self.unwrap(root)
            if not self.expired():
                changed |= self.simplify_lines(root)
            if not self.expired() and self.expression_level:
                changed |= self.simplify_parens(root)
            if not changed:
                break
        return render(root)


def reduce_source(source: str, still_fails: Callable[[str], bool], time_budget: float = 300.0,
                  log: Callable[[str], None] | None = None) -> str:
    """The smallest variant of ``source`` found within ``time_budget`` that still fails."""
    return Reducer(still_fails, time_budget, log).reduce(source)
