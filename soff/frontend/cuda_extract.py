"""Keeping the device code of a preprocessed CUDA file (host code is dropped).

Real ``.cu`` files mix kernels with host code: ``main``, ``cudaMalloc``,
``kernel<<<grid, block>>>(...)`` launches, C++ classes, templates, ``std::``.
soff compiles only the ``__global__`` functions and what they use, so this
pre-pass splits the preprocessed text into top-level items (a declaration up
to its ``;``, a function definition up to its closing ``}``; ``namespace``
and ``extern "C"`` braces are looked through) and keeps:

- every ``__global__`` function definition (the roots), and
- the candidates the kept items use, by name, transitively: ``__device__``
  functions, ``__constant__``/``__device__``/``__shared__`` variables,
  file-scope ``const`` variables, C-like typedefs, structs, unions and enums.

Everything else (host functions, host variables, classes, ``using``, ...) is
replaced by spaces, newlines kept, and ``static_cast<T>(e)`` in kept code
becomes the C cast ``((T)(e))`` and ``auto`` a type name the lowering deduces,
so every kept token stays at its line and
column and diagnostics point into the user's ``.cu`` file.

Templates:

- a ``__global__`` template is instantiated for each argument list the file
  uses it with (``k<256, float><<<...>>>``), the copies appended after ``#line``
  markers to the template's lines (several instances are named ``k_256_float``);
- a ``__device__`` template with only type parameters stays, its header turned
  into ``typedef int T;`` in place: the lowering binds ``T`` to the argument
  types at each inlined call (``CudaContext.generic``);
- other ``__device__`` templates are instantiated for their calls with explicit
  arguments (``f<4>(x)`` calls the appended ``f_4``);
- any other template is dropped and remembered by name, so that a use of it (or
  a file whose only kernels are templates) is reported as "templates are not
  supported" at the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soff.diagnostics import SourceLoc
from soff.frontend.opencl import _TextMap

_TOKEN = re.compile(
    r"""(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"""|(?P<id>[A-Za-z_]\w*)|(?P<num>\.?\d(?:[eEpP][+-]|[\w.])*)|(?P<nl>\n)|(?P<ws>[ \t\r\f\v]+)|(?P<other>.)""",
    re.S,
)

#: identifiers followed by a parenthesised argument that is not a declarator
_PAREN_SPECIFIERS = frozenset(
    "__attribute__ __launch_bounds__ __align__ alignas __declspec __cluster_dims__".split()
)
#: blanked in kept items (with their parenthesised arguments where they have one)
_BLANKED = frozenset(
    ["__launch_bounds__", "__align__", "__cluster_dims__", "__grid_constant__", "alignas"]
)
#: what ``auto`` becomes in kept code (as long as ``auto``; declared in CUDA_PRELUDE)
AUTO_TYPE = "__au"
_CXX_CASTS = frozenset(["static_cast", "reinterpret_cast", "const_cast"])
_CXX_ONLY = frozenset(
    "class public private protected template operator virtual namespace using new delete "
    "typename friend this".split()
)
_NOT_NAMES = frozenset(
    """auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while _Bool bool __global__ __device__ __host__ __shared__
    __constant__ __managed__ __restrict__ __restrict __forceinline__ __noinline__ __inline__
    __attribute__ __launch_bounds__ __align__ constexpr""".split()
)


@dataclass
class _Tok:
    kind: str
    val: str
    pos: int


@dataclass
class _Item:
    toks: list[_Tok]
    kind: str = "drop"  # kernel, candidate, generic, template, host (a variable), drop
    defines: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)
    #: templates: the index of the ``>`` closing the parameter list, and the
    #: parameters as (name, default argument text or None)
    header_end: int = 0
    params: list[tuple[str, str | None]] = field(default_factory=list)
    #: a function template kept for deduction: typedefs that replace its header
    typedefs: str = ""


@dataclass
class DeviceCode:
    """The kept device code, and the device templates that were dropped."""

    text: str
    #: name -> location of a dropped ``__global__``/``__device__`` template
    templates: dict[str, SourceLoc] = field(default_factory=dict)
    #: dropped templates that were ``__global__`` kernels, in source order
    template_kernels: list[str] = field(default_factory=list)
    #: ``__device__`` function templates with type parameters: name -> parameters
    generic: dict[str, list[str]] = field(default_factory=dict)
    #: file-scope host variables (dropped): name -> location
    host_variables: dict[str, SourceLoc] = field(default_factory=dict)
    #: file-scope texture references (dropped): name -> (template arguments, location)
    textures: dict[str, tuple[list[str], SourceLoc]] = field(default_factory=dict)


def _tokens(text: str) -> list[_Tok]:
    """The tokens of ``text``, without whitespace and #line markers."""
    toks: list[_Tok] = []
    line_start = True
    skip_line = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "nl":
            line_start, skip_line = True, False
            continue
        if skip_line or kind == "ws":
            continue
        if line_start and m.group() == "#":
            skip_line = True
            continue
        line_start = False
        toks.append(_Tok(kind, m.group(), m.start()))
    return toks


def _match(toks: list[_Tok], i: int) -> int:
    """The index of the bracket closing the one at ``i`` (or the last index)."""
    opening = toks[i].val
    closing = {"(": ")", "[": "]", "{": "}"}[opening]
    depth = 0
    for j in range(i, len(toks)):
        v = toks[j].val
        if v == opening:
            depth += 1
        elif v == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def _split(toks: list[_Tok]) -> tuple[list[_Item], list[_Tok]]:
    """Top-level items, and the tokens of namespace/extern "C" wrappers."""
    items: list[_Item] = []
    wrappers: list[_Tok] = []
    cur: list[_Tok] = []
    has_paren = has_eq = False
    open_wrappers = 0
    header = 0  # angle-bracket depth inside a template parameter list
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        v = t.val
        if v == "{":
            head = [x.val for x in cur]
            if head[:1] == ["namespace"] and len(head) <= 2 or head in (
                ['extern', '"C"'], ['extern', '"C++"']
            ):  # fmt: skip
                wrappers += cur + [t]
                cur, has_paren, has_eq = [], False, False
                open_wrappers += 1
                i += 1
                continue
            j = _match(toks, i)
            cur += toks[i : j + 1]
            i = j + 1
            if has_paren and not has_eq:  # a function body ends the item
                if i < n and toks[i].val == ";":
                    cur.append(toks[i])
                    i += 1
                items.append(_Item(cur))
                cur, has_paren, has_eq = [], False, False
            continue
        if v == "}" and open_wrappers and not cur:
            wrappers.append(t)
            open_wrappers -= 1
            i += 1
            continue
        if v in ("(", "["):
            j = _match(toks, i)
            if v == "(" and not header and not (cur and cur[-1].val in _PAREN_SPECIFIERS):
                has_paren = True
            cur += toks[i : j + 1]
            i = j + 1
            continue
        if v == "template" and not cur:
            header = -1  # until its "<"
        elif header and v in "<>":
            header = (1 if header < 0 else header + 1) if v == "<" else header - 1
        cur.append(t)
        i += 1
        if v == "=" and not header:
            has_eq = True
        elif v == ";":
            items.append(_Item(cur))
            cur, has_paren, has_eq = [], False, False
    if cur:
        items.append(_Item(cur))
    return items, wrappers


def _head(item: _Item) -> list[_Tok]:
    """The tokens before the item's first brace (its specifiers and declarator)."""
    for k, t in enumerate(item.toks):
        if t.val == "{":
            return item.toks[:k]
    return item.toks


def _declared_names(toks: list[_Tok]) -> set[str]:
    """Names declared at depth 0: an identifier followed by ``( [ = , ;``; an
    initialiser after ``=`` is skipped up to the next ``,``."""
    names: set[str] = set()
    depth = 0
    in_init = False
    prev: _Tok | None = None
    for t in toks:
        v = t.val
        if v in "([{":
            if depth == 0 and v in "([" and prev is not None and prev.kind == "id":
                if prev.val not in _NOT_NAMES and prev.val not in _PAREN_SPECIFIERS and not in_init:
                    names.add(prev.val)
            depth += 1
        elif v in ")]}":
            depth -= 1
        elif depth == 0:
            if v in ("=", ",", ";") and prev is not None and prev.kind == "id" and not in_init:
                if prev.val not in _NOT_NAMES:
                    names.add(prev.val)
            if v == "=":
                in_init = True
            elif v == ",":
                in_init = False
        prev = t
    return names


def _is_c_like(vals: list[str]) -> bool:
    if any(v in _CXX_ONLY for v in vals):
        return False
    for a, b in zip(vals, vals[1:], strict=False):
        if a == ":" and b == ":":
            return False
        if a == ")" and b in ("{", "const"):
            return False  # a member function
    return True


def _classify(item: _Item) -> None:
    toks = item.toks
    vals = [t.val for t in toks]
    head_toks = _head(item)
    head = [t.val for t in head_toks]
    item.uses = {t.val for t in toks if t.kind == "id"}
    call_paren = any(
        v == "(" and k > 0 and head[k - 1] not in _PAREN_SPECIFIERS | _BLANKED
        for k, v in enumerate(head)
    )  # not __align__(8) & co
    is_def = "{" in vals and call_paren and "=" not in head
    if head[:1] == ["template"]:
        if "__global__" in head or "__device__" in head:
            item.kind = "template"
            depth, k = 0, 1
            for k in range(1, len(vals)):  # skip the template parameter list
                depth += (vals[k] == "<") - (vals[k] == ">")
                if depth == 0:
                    break
            item.defines = _declared_names(_head(_Item(toks[k + 1 :])))
            item.header_end = k
            for param in _split_args(toks[2:k]):
                eq = next((n for n, t in enumerate(param) if t.val == "="), None)
                before = [t for t in (param[:eq] if eq is not None else param) if t.kind == "id"]
                if not before:
                    item.params = []
                    break
                default = None
                if eq is not None and eq + 1 < len(param):
                    default = " ".join(t.val for t in param[eq + 1 :])
                item.params.append((before[-1].val, default))
            types_only = all(_split_args(toks[2:k])) and all(
                param[0].val in ("typename", "class") for param in _split_args(toks[2:k])
            )
            if "__device__" in head and "__global__" not in head and is_def and types_only:
                item.kind = "generic"  # deduced from the arguments when inlined
        return
    if "operator" in vals[: len(head)]:
        return  # C++ operator overloads (e.g. helper_math.h): soff's vectors have the operators
    if "__global__" in head:
        if is_def:
            item.kind = "kernel"
        elif _is_c_like(head):
            item.kind, item.defines = "candidate", _declared_names(head_toks)
        return
    if any(v in head for v in ("__device__", "__constant__", "__shared__", "__managed__")):
        item.kind = "candidate"
        item.defines = _declared_names(head_toks if is_def else toks)
        return
    if is_def or not _is_c_like(vals):
        return  # a host function, or C++
    const = "const" in head[:3] or "constexpr" in head[:3]
    if head[:1] in (["typedef"], ["struct"], ["union"], ["enum"]) or const:
        names = _declared_names(toks)
        for k, v in enumerate(vals[:-1]):
            if v in ("struct", "union", "enum"):  # the tag (after __align__(n) & co)
                j = k + 1
                while j < len(toks) and toks[j].val in _PAREN_SPECIFIERS | _BLANKED:
                    j = (
                        _match(toks, j + 1) + 1
                        if j + 1 < len(toks) and vals[j + 1] == "("
                        else j + 1
                    )
                if j < len(toks) and toks[j].kind == "id":
                    names.add(toks[j].val)
        if "enum" in vals:  # the enumerators
            depth = 0
            for k, t in enumerate(toks):
                if t.val == "{":
                    depth += 1
                elif t.val == "}":
                    depth -= 1
                elif depth == 1 and t.kind == "id" and toks[k - 1].val in ("{", ","):
                    names.add(t.val)
        if const and "=" not in vals:
            return  # a const declaration without a value is not a usable constant
        item.kind, item.defines = "candidate", names
    elif "(" not in head:
        item.kind, item.defines = "host", _declared_names(toks)  # a host variable


def _split_args(toks: list[_Tok]) -> list[list[_Tok]]:
    """Comma-separated parts at depth 0 (of parentheses, brackets and angles)."""
    parts: list[list[_Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.val in "([<":
            depth += 1
        elif t.val in ")]>":
            depth -= 1
        if t.val == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p]


def _instantiations(
    text: str, toks: list[_Tok], templates: dict[str, _Item]
) -> dict[str, list[list[str]]]:
    """The template arguments each template kernel is used with (``k<256, float>``
    in a launch ``k<256, float><<<grid, block>>>(...)``), defaults filled in."""
    found: dict[str, list[list[str]]] = {}
    for i in range(len(toks) - 1):
        t = toks[i]
        if t.kind != "id" or t.val not in templates or toks[i + 1].val != "<":
            continue
        depth, j = 0, i + 1
        for j in range(i + 1, len(toks)):
            v = toks[j].val
            depth += (v in "<([") - (v in ">)]")
            if depth == 0 or v in (";", "{", "}"):
                break
        if toks[j].val != ">":
            continue
        args = [
            text[p[0].pos : p[-1].pos + len(p[-1].val)].strip()
            for p in _split_args(toks[i + 2 : j])
        ]
        params = templates[t.val].params
        if not params or len(args) > len(params):
            continue
        for _, default in params[len(args) :]:
            if default is None:
                break
            args.append(default)
        if len(args) == len(params) and args not in found.setdefault(t.val, []):
            found[t.val].append(args)
    return found


def _texture_reference(item: _Item) -> tuple[list[str], list[str]] | None:
    """``[static] texture<T, dim, mode> name[, name...];``: (the template arguments,
    the names), or None for any other item."""
    vals = [t.val for t in item.toks]
    k = 1 if vals[:1] == ["static"] else 0
    if vals[k : k + 2] != ["texture", "<"] or vals[-1:] != [";"]:
        return None
    depth, end = 0, -1
    for j in range(k + 1, len(vals)):
        depth += (vals[j] == "<") - (vals[j] == ">")
        if depth == 0:
            end = j
            break
    if end < 0:
        return None
    targs = [" ".join(t.val for t in arg) for arg in _split_args(item.toks[k + 2 : end])]
    names = [t.val for t in item.toks[end + 1 : -1] if t.kind == "id"]
    if not names or any(v not in (",",) for v in vals[end + 2 : -1 : 2]):
        return None
    return targs, names


def extract_device_code(text: str) -> DeviceCode:
    """Blank out everything of ``text`` (preprocessed CUDA) that device code does not need."""
    toks = _tokens(text)
    items, wrappers = _split(toks)
    for item in items:
        _classify(item)
    providers: dict[str, list[_Item]] = {}
    loc = _TextMap(text)
    result = DeviceCode(text)
    for item in items:
        if item.kind == "generic":
            start = item.toks[0].pos
            end = item.toks[item.header_end].pos + 1
            decls = "".join(f"typedef int {name};" for name, _ in item.params)
            if "\n" in text[start:end] or len(decls) > end - start:
                item.kind = "template"  # no room for the typedefs: not supported
            else:
                for name in item.defines:
                    result.generic[name] = [name for name, _ in item.params]
                item.kind = "candidate"
                item.typedefs = decls
    for item in items:
        if item.kind == "template" and "__global__" not in (t.val for t in item.toks):
            for name in item.defines:  # instantiated for explicit calls (f<4>(x)), below
                providers.setdefault(name, []).append(item)
        if item.kind == "candidate":
            for name in item.defines:
                providers.setdefault(name, []).append(item)
        elif (texture := _texture_reference(item)) is not None:
            targs, names = texture
            for name in names:
                result.textures.setdefault(name, (targs, loc.loc(item.toks[0].pos)))
        elif item.kind == "host":
            for name in item.defines:
                result.host_variables.setdefault(name, loc.loc(item.toks[0].pos))
        elif item.kind == "template":
            for name in item.defines:
                result.templates.setdefault(name, loc.loc(item.toks[0].pos))
                if "__global__" in (t.val for t in item.toks):
                    result.template_kernels.append(name)
    template_items = {
        name: item
        for item in items
        if item.kind == "template" and "__global__" in (t.val for t in item.toks)
        for name in item.defines
    }
    instances = _instantiations(text, toks, template_items)
    result.template_kernels = [n for n in result.template_kernels if n not in instances]
    kept: set[int] = set()
    work = [item for item in items if item.kind == "kernel"]
    work += [template_items[name] for name in instances]
    kept.update(id(item) for item in work)
    while work:
        item = work.pop()
        for name in item.uses:
            for p in providers.get(name, []):
                if id(p) not in kept:
                    kept.add(id(p))
                    work.append(p)
    chars = list(text)

    def blank(t: _Tok) -> None:
        for p in range(t.pos, t.pos + len(t.val)):
            if chars[p] != "\n":
                chars[p] = " "

    for t in wrappers:
        blank(t)
    for item in items:
        if id(item) not in kept:
            for t in item.toks:
                blank(t)
            continue
        k = 0
        if item.typedefs:  # template <typename T> -> typedef int T; (bound when inlined)
            for t in item.toks[: item.header_end + 1]:
                blank(t)
            for n, c in enumerate(item.typedefs):
                chars[item.toks[0].pos + n] = c
            k = item.header_end + 1
        tag = _cxx_tag(item)
        if tag is not None:  # C++: struct P {...}; makes P a type name
            last = item.toks[-1]
            chars[last.pos] += f" typedef {tag[0]} {tag[1]} {tag[1]};"
        while k < len(item.toks):
            t = item.toks[k]
            nxt = item.toks[k + 1] if k + 1 < len(item.toks) else None
            if t.val in result.generic and nxt is not None and nxt.val == "<":
                close = next(
                    (j for j in range(k + 2, len(item.toks)) if item.toks[j].val in ">;{}("), None
                )
                if close is not None and item.toks[close].val == ">":
                    for x in item.toks[k + 1 : close + 1]:
                        blank(x)  # f<float>(x) -> f(x): the types come from the arguments
                    k = close + 1
                    continue
            if t.val == "extern" and nxt is not None and nxt.kind == "str":
                blank(t)
                blank(nxt)
                k += 2
                continue
            if t.val == "constexpr":  # a constant expression is const
                chars[t.pos : t.pos + 9] = "const    "
                k += 1
                continue
            if t.val == "auto":  # C++11 auto: a type name the lowering deduces
                chars[t.pos : t.pos + 4] = AUTO_TYPE
                k += 1
                continue
            if t.val in _CXX_CASTS and nxt is not None and nxt.val == "<":
                close = next(
                    (j for j in range(k + 2, len(item.toks)) if item.toks[j].val in "<>;{}"), None
                )
                if (
                    close is not None
                    and item.toks[close].val == ">"
                    and close + 1 < len(item.toks)
                    and item.toks[close + 1].val == "("
                ):
                    # static_cast<T>(e) -> ((T)(e)), at the same columns where possible
                    blank(t)
                    chars[t.pos] = "("
                    chars[nxt.pos] = "("
                    chars[item.toks[close].pos] = ")"
                    end = item.toks[_match(item.toks, close + 1)].pos + 1
                    if end < len(chars) and chars[end] in " \t":
                        chars[end] = ")"
                    else:  # no room: the rest of this line moves one column
                        chars[end - 1] += ")"
                    k = close + 1
                    continue
            if t.val in _BLANKED:
                blank(t)
                if nxt is not None and nxt.val == "(":
                    end = _match(item.toks, k + 1)
                    for x in item.toks[k + 1 : end + 1]:
                        blank(x)
                    k = end + 1
                    continue
            k += 1
    copies = [
        _instantiate(text, chars, template_items[name], name, args, len(arg_lists) > 1, loc)
        for name, arg_lists in instances.items()
        for args in arg_lists
    ]
    device_templates = {
        name: item
        for item in items
        if item.kind == "template" and id(item) in kept and item.params
        for name in item.defines
        if name not in template_items
    }
    originals = list(chars)  # the templates' text, rewritten like kept code
    kept_templates = [template_items[name] for name in instances]
    for template in [*kept_templates, *device_templates.values()]:
        # the template itself goes; its instances follow the program
        start, end = template.toks[0].pos, template.toks[-1].pos + len(template.toks[-1].val)
        for pos in range(start, end):
            if chars[pos] != text[pos] and text[pos] != "\n":
                chars[pos] = " "
        for t in template.toks:
            blank(t)
    out = "".join(chars) + "".join(copies)
    if device_templates:
        out = _instantiate_calls(text, originals, out, device_templates, loc)
    result.text = out
    return result


def _cxx_tag(item: _Item) -> tuple[str, str] | None:
    """(``struct``, ``P``) for a definition ``struct P { ... };`` (not a typedef)."""
    vals = [t.val for t in item.toks]
    if not vals or vals[0] not in ("struct", "union") or "{" not in vals or vals[-1] != ";":
        return None
    for k in range(1, vals.index("{")):
        t = item.toks[k]
        if t.kind == "id" and t.val not in _BLANKED and t.val not in _PAREN_SPECIFIERS:
            if k + 1 < len(vals) and vals[k + 1] != "(":
                return vals[0], t.val
    return None


def _instantiate_calls(
    text: str, originals: list[str], out: str, templates: dict[str, _Item], tmap: _TextMap
) -> str:
    """Instantiate the device function templates ``out`` calls with explicit
    arguments (``warpReduce<256>(s, tid)``): each call becomes a call of
    ``warpReduce_256``, whose copy is appended (repeatedly, for the calls the copies
    make)."""
    done: set[str] = set()
    for _ in range(16):  # nesting depth
        toks = _tokens(out)
        calls: list[tuple[int, int, str]] = []  # (start, end, instance name)
        added: list[str] = []
        for i, t in enumerate(toks[:-1]):
            if t.kind != "id" or t.val not in templates or toks[i + 1].val != "<":
                continue
            found = _instantiations(out, toks[i:], {t.val: templates[t.val]})
            close = next(
                (j for j in range(i + 2, len(toks)) if toks[j].val in (">", ";", "{", "}")), None
            )
            if not found or close is None or close + 1 >= len(toks) or toks[close + 1].val != "(":
                continue
            args = found[t.val][0]
            new_name = t.val + "_" + "_".join(re.sub(r"\W+", "_", a).strip("_") for a in args)
            calls.append((t.pos, toks[close].pos + 1, new_name))
            if new_name not in done:
                done.add(new_name)
                copy = _instantiate(text, originals, templates[t.val], t.val, args, True, tmap)
                added.append(copy)
        if not calls:
            break
        for start, end, new_name in reversed(calls):
            out = out[:start] + new_name + out[end:]
        out += "".join(added)
    return out


def _instantiate(
    text: str,
    chars: list[str],
    item: _Item,
    name: str,
    args: list[str],
    rename: bool,
    tmap: _TextMap,
) -> str:
    """The text of template kernel ``item`` with its parameters replaced by ``args``,
    after a #line marker to its first line; renamed ``name_arg1_arg2`` when the
    template has several instances."""
    body = item.toks[item.header_end + 1 :]
    start, end = body[0].pos, body[-1].pos + len(body[-1].val)
    seg = chars[start:end]
    values = {p: a for (p, _), a in zip(item.params, args, strict=True)}
    new_name = name + "_" + "_".join(re.sub(r"\W+", "_", a).strip("_") for a in args)
    renamed = False
    for k, t in enumerate(body):
        replacement = None
        member = k >= 1 and (
            body[k - 1].val == "."
            or (k >= 2 and body[k - 1].val == ">" and body[k - 2].pos + 1 == body[k - 1].pos
                and body[k - 2].val == "-")
        )  # fmt: skip
        if t.kind == "id" and not member:
            if t.val in values:
                replacement = f"({values[t.val]})" if _is_value(values[t.val]) else values[t.val]
            elif t.val == name and rename and not renamed and k + 1 < len(body):
                if body[k + 1].val == "(":
                    replacement, renamed = new_name, True
        if replacement is not None:
            seg[t.pos - start] = replacement
            for p in range(t.pos - start + 1, t.pos - start + len(t.val)):
                seg[p] = ""
    where = tmap.loc(start)
    file = where.file.replace("\\", "\\\\").replace('"', '\\"')
    return f'\n#line {where.line} "{file}"\n' + " " * (where.col - 1) + "".join(seg) + "\n"


def _is_value(arg: str) -> bool:
    """Whether a template argument is an expression (else a type name)."""
    return bool(re.fullmatch(r"[\d\s+\-*/%()<>&|^~!?:.xXa-fA-FuUlL]*", arg)) or not re.fullmatch(
        r"[\w\s*]+", arg
    )


__all__ = ["DeviceCode", "extract_device_code"]
