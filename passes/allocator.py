"""The compiled code's heap allocator: large temporaries are kept for the next call instead of going back to the OS.

A compiled function's temporaries are the same sizes on every call (packed matmul panels, a layer's activations).
Through malloc/free, every block of 128 KB or more was mmap'd and unmapped on each call, so each call faulted
its pages in again: 872 page faults (3.5 MB) per call of the W5 MLP, kernel time that was ~20% of the call.

`finalize-memref-to-llvm{use-generic-functions}` makes memref.alloc/dealloc call `_mlir_memref_to_llvm_alloc`
and `_mlir_memref_to_llvm_free`; this module defines them (LLVM IR linked into every CPU library, internal to
it): each block carries its size in a 16-byte header; a freed block of at least CACHE_MIN_BYTES goes to a cache of
CACHE_SLOTS blocks (up to CACHE_MAX_BYTES in all, per library; a full cache replaces its oldest slot), and an
allocation of exactly a cached size takes it back. The cache is shared by all threads (an OpenMP worker's block
temporaries too) behind a spin lock held for a few dozen instructions. Smaller blocks go straight to malloc/free,
which serves them from its own free lists. MLIR's lowering over-allocates and aligns the pointer it gets, so the
header costs no alignment.
"""
from __future__ import annotations

CACHE_SLOTS = 32
CACHE_MIN_BYTES = 64 << 10
CACHE_MAX_BYTES = 256 << 20
HEADER_BYTES = 16  # keeps malloc's 16-byte alignment

ALLOC, FREE = "_mlir_memref_to_llvm_alloc", "_mlir_memref_to_llvm_free"

ALLOCATOR_IR = f"""
@tfc.cache.block = internal global [{CACHE_SLOTS} x ptr] zeroinitializer
@tfc.cache.size = internal global [{CACHE_SLOTS} x i64] zeroinitializer   ; 0: an empty slot
@tfc.cache.bytes = internal global i64 0
@tfc.cache.oldest = internal global i64 0                                 ; the slot a full cache replaces
@tfc.cache.lock = internal global i32 0

declare ptr @malloc(i64)
declare void @free(ptr)

define internal void @tfc.cache.acquire() {{
entry:
  br label %spin
spin:
  %held = atomicrmw xchg ptr @tfc.cache.lock, i32 1 acquire
  %busy = icmp ne i32 %held, 0
  br i1 %busy, label %spin, label %done
done:
  ret void
}}

define internal void @tfc.cache.release() {{
  store atomic i32 0, ptr @tfc.cache.lock release, align 4
  ret void
}}

; The first slot holding a block of `size` bytes (0: an empty slot), or {CACHE_SLOTS}. Called with the lock held.
define internal i64 @tfc.cache.find(i64 %size) {{
entry:
  br label %slot
slot:
  %i = phi i64 [ 0, %entry ], [ %next, %other ]
  %size_at = getelementptr [{CACHE_SLOTS} x i64], ptr @tfc.cache.size, i64 0, i64 %i
  %cached = load i64, ptr %size_at
  %hit = icmp eq i64 %cached, %size
  br i1 %hit, label %found, label %other
other:
  %next = add i64 %i, 1
  %more = icmp ult i64 %next, {CACHE_SLOTS}
  br i1 %more, label %slot, label %none
found:
  ret i64 %i
none:
  ret i64 {CACHE_SLOTS}
}}

define ptr @{ALLOC}(i64 %size) {{
entry:
  %cacheable = icmp uge i64 %size, {CACHE_MIN_BYTES}
  br i1 %cacheable, label %search, label %fresh
search:
  call void @tfc.cache.acquire()
  %i = call i64 @tfc.cache.find(i64 %size)
  %hit = icmp ult i64 %i, {CACHE_SLOTS}
  br i1 %hit, label %take, label %miss
take:
  %size_at = getelementptr [{CACHE_SLOTS} x i64], ptr @tfc.cache.size, i64 0, i64 %i
  %block_at = getelementptr [{CACHE_SLOTS} x ptr], ptr @tfc.cache.block, i64 0, i64 %i
  %block = load ptr, ptr %block_at
  store ptr null, ptr %block_at
  store i64 0, ptr %size_at
  %bytes = load i64, ptr @tfc.cache.bytes
  %left = sub i64 %bytes, %size
  store i64 %left, ptr @tfc.cache.bytes
  call void @tfc.cache.release()
  ret ptr %block
miss:
  call void @tfc.cache.release()
  br label %fresh
fresh:
  %total = add i64 %size, {HEADER_BYTES}
  %base = call ptr @malloc(i64 %total)
  %failed = icmp eq ptr %base, null
  br i1 %failed, label %none, label %made
none:
  ret ptr null
made:
  store i64 %size, ptr %base
  %user = getelementptr i8, ptr %base, i64 {HEADER_BYTES}
  ret ptr %user
}}

define void @{FREE}(ptr %user) {{
entry:
  %null = icmp eq ptr %user, null
  br i1 %null, label %done, label %some
some:
  %base = getelementptr i8, ptr %user, i64 -{HEADER_BYTES}
  %size = load i64, ptr %base
  %cacheable = icmp uge i64 %size, {CACHE_MIN_BYTES}
  br i1 %cacheable, label %keep, label %drop
keep:
  call void @tfc.cache.acquire()
  %bytes = load i64, ptr @tfc.cache.bytes
  %total = add i64 %bytes, %size
  %fits = icmp ule i64 %total, {CACHE_MAX_BYTES}
  br i1 %fits, label %find, label %full
find:
  %empty = call i64 @tfc.cache.find(i64 0)
  %oldest = load i64, ptr @tfc.cache.oldest
  %has_empty = icmp ult i64 %empty, {CACHE_SLOTS}
  %i = select i1 %has_empty, i64 %empty, i64 %oldest   ; a full cache replaces its oldest slot
  %following = add i64 %oldest, 1
  %wrapped = urem i64 %following, {CACHE_SLOTS}
  %cursor = select i1 %has_empty, i64 %oldest, i64 %wrapped
  store i64 %cursor, ptr @tfc.cache.oldest
  %size_at = getelementptr [{CACHE_SLOTS} x i64], ptr @tfc.cache.size, i64 0, i64 %i
  %block_at = getelementptr [{CACHE_SLOTS} x ptr], ptr @tfc.cache.block, i64 0, i64 %i
  %old_size = load i64, ptr %size_at
  %old_block = load ptr, ptr %block_at
  store ptr %user, ptr %block_at
  store i64 %size, ptr %size_at
  %kept = sub i64 %total, %old_size
  store i64 %kept, ptr @tfc.cache.bytes
  call void @tfc.cache.release()
  %replaced = icmp ne ptr %old_block, null
  br i1 %replaced, label %drop_old, label %done
drop_old:
  %old_base = getelementptr i8, ptr %old_block, i64 -{HEADER_BYTES}
  call void @free(ptr %old_base)
  br label %done
full:
  call void @tfc.cache.release()
  br label %drop
drop:
  call void @free(ptr %base)
  br label %done
done:
  ret void
}}
"""


def needed(llvm_ir: str) -> bool:
    """Whether the module allocates through the generic functions (declares them)."""
    return f"@{ALLOC}(" in llvm_ir or f"@{FREE}(" in llvm_ir


def link_into(module) -> None:
    """Links the allocator into a parsed llvmlite module that declares the generic functions."""
    import llvmlite.binding as llvm

    allocator = llvm.parse_assembly(ALLOCATOR_IR)
    allocator.triple, allocator.data_layout = module.triple, module.data_layout
    module.link_in(allocator)
