"""IR types: integers of any width (signed or not), floats, vectors, pointers
with an address space, arrays, structs and void.

Types are immutable and hashable; their text form (``str(t)``) is what the
printer writes and the parser reads back.
"""

from __future__ import annotations

from dataclasses import dataclass

ADDRESS_SPACES = ("global", "constant", "local", "private")


class Type:
    """Base class of IR types."""

    @property
    def bits(self) -> int:
        """Storage size in bits (what a register holding it needs)."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """Size in bytes in memory (OpenCL layout)."""
        return (self.bits + 7) // 8

    @property
    def align(self) -> int:
        return self.size


@dataclass(frozen=True)
class IntType(Type):
    width: int
    signed: bool = True

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"integer width must be positive, not {self.width}")

    def __str__(self) -> str:
        return f"{'i' if self.signed else 'u'}{self.width}"

    @property
    def bits(self) -> int:
        return self.width

    @property
    def size(self) -> int:
        if self.width == 1:
            return 1
        return max(1, 1 << ((self.width - 1).bit_length() - 3)) if self.width > 8 else 1

    @property
    def min(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def wrap(self, value: int) -> int:
        """Reduce ``value`` modulo 2**width into this type's range."""
        value &= (1 << self.width) - 1
        if self.signed and value >> (self.width - 1):
            value -= 1 << self.width
        return value


@dataclass(frozen=True)
class FloatType(Type):
    width: int  # 16, 32 or 64

    def __str__(self) -> str:
        return f"f{self.width}"

    @property
    def bits(self) -> int:
        return self.width


@dataclass(frozen=True)
class VoidType(Type):
    def __str__(self) -> str:
        return "void"

    @property
    def bits(self) -> int:
        return 0


@dataclass(frozen=True)
class PtrType(Type):
    pointee: Type
    space: str = "private"

    def __post_init__(self) -> None:
        if self.space not in ADDRESS_SPACES:
            raise ValueError(f"unknown address space '{self.space}'")

    def __str__(self) -> str:
        return f"ptr.{self.space}<{self.pointee}>"

    @property
    def bits(self) -> int:
        return 64


@dataclass(frozen=True)
class VectorType(Type):
    elem: Type
    count: int

    def __str__(self) -> str:
        return f"vec<{self.count} x {self.elem}>"

    @property
    def bits(self) -> int:
        return self.elem.bits * self.count

    @property
    def size(self) -> int:
        n = 4 if self.count == 3 else self.count
        return self.elem.size * n


@dataclass(frozen=True)
class ArrayType(Type):
    elem: Type
    count: int

    def __str__(self) -> str:
        return f"[{self.count} x {self.elem}]"

    @property
    def bits(self) -> int:
        return self.size * 8

    @property
    def size(self) -> int:
        return self.elem.size * self.count

    @property
    def align(self) -> int:
        return self.elem.align


@dataclass(frozen=True)
class StructType(Type):
    """A C struct (or, with ``union``, a C union) in the OpenCL C layout: each
    field at the next multiple of its natural alignment (vectors aligned to their
    size, 3-vectors like 4-vectors), the struct aligned to its most aligned field
    and its size rounded up to that; a union's fields all at offset 0."""

    name: str
    fields: tuple[tuple[str, Type], ...]
    union: bool = False

    def __str__(self) -> str:
        body = ", ".join(f"{n}: {t}" for n, t in self.fields)
        return f"{'union' if self.union else 'struct'}.{self.name}{{{body}}}"

    def field(self, name: str) -> tuple[int, Type, int] | None:
        """The index, type and byte offset of field ``name`` (None if it has none)."""
        for i, ((n, t), off) in enumerate(zip(self.fields, self.offsets(), strict=True)):
            if n == name:
                return i, t, off
        return None

    def offsets(self) -> list[int]:
        if self.union:
            return [0] * len(self.fields)
        out, off = [], 0
        for _, t in self.fields:
            off = (off + t.align - 1) // t.align * t.align
            out.append(off)
            off += t.size
        return out

    @property
    def align(self) -> int:
        return max((t.align for _, t in self.fields), default=1)

    @property
    def size(self) -> int:
        if not self.fields:
            return 0
        if self.union:
            end = max(t.size for _, t in self.fields)
        else:
            end = self.offsets()[-1] + self.fields[-1][1].size
        return (end + self.align - 1) // self.align * self.align

    @property
    def bits(self) -> int:
        return self.size * 8


BOOL = IntType(1, False)
I8, U8 = IntType(8), IntType(8, False)
I16, U16 = IntType(16), IntType(16, False)
I32, U32 = IntType(32), IntType(32, False)
I64, U64 = IntType(64), IntType(64, False)
F16, F32, F64 = FloatType(16), FloatType(32), FloatType(64)
VOID = VoidType()
SIZE_T = U64
