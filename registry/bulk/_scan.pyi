"""Type stub of the compiled first pass of bulk validation (``registry/_scan.c``)."""

_Capsules = tuple[object, object]

def use_allocator(capsule: object, /) -> None: ...
def canonical_codes(stream: object, length: int, /) -> _Capsules: ...
def cell_columns(
    stream: object,
    length: int,
    statuses: tuple[str, str],
    reasons: tuple[str, ...],
    canonical: object,
    status: object,
    reason: object,
    suggestion: object,
    patch_length: int,
    /,
) -> tuple[_Capsules, _Capsules, _Capsules, _Capsules]: ...
