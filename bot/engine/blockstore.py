"""A page's desired blocks, packed: what the planner holds of a converted body (issue 24).

As Python dicts a body costs ~200 MiB per MB of Markdown on dense text (every rich-text item is
five dicts); a publish held that, request copies of it and fingerprints of it at once. A
`BlockStore` holds the top-level blocks pickled and zlib-compressed, a run of consecutive blocks
per chunk (~1 MiB per MB on the same text), with what the plan asks of every block computed once
while it is packed: its fingerprint (bot/engine/fingerprints.py), its type, and the content
fingerprints of its tree (the page record's). It is a read-only sequence of the blocks: indexing
and iterating decode a chunk at a time (the last one decoded is kept for the next access), a
slice is a view sharing the chunks, and a few leading blocks (the language link) are held as
they are (`prepended`). Whoever reads it holds one chunk's blocks at a time unless it keeps them.
"""

from __future__ import annotations

import bisect
import pickle
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence

from .fingerprints import content_fingerprint, fingerprints_of, walk

# Pickled bytes of the blocks of one chunk (before compression): a pickle is ~15 times smaller
# than the dicts it decodes to (dense rich text), so one chunk's blocks are ~0.5 MiB of dicts.
CHUNK_BYTES = 32 * 1024
_DIGEST = 20  # bytes of one SHA-1


class _Packed:
    """The blocks themselves, once: compressed chunks and what is known of each block."""

    __slots__ = ("chunks", "ends", "offsets", "digests", "types", "contents", "local_files", "cached", "_decoded")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.ends: list[int] = []  # blocks in chunks[0..i], cumulative
        self.offsets = array("Q")  # end of each block's pickle within its chunk (decompressed)
        self.digests = bytearray()  # each block's fingerprint, 20 bytes
        self.types: list[str] = []
        self.contents: set[str] = set()  # content fingerprints of every block at every level
        self.local_files = False  # some block uploads a local image
        self.cached = -1  # the chunk whose blocks are kept for the next access by index
        self._decoded: list[dict] = []

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def chunk(self, index: int) -> list[dict]:
        """The blocks of chunk `index` (decoded once for consecutive reads of it)."""
        if index != self.cached:
            self._decoded = []  # let the previous chunk go before decoding the next one
            self._decoded, self.cached = self.decode(index), index
        return self._decoded

    def decode(self, index: int) -> list[dict]:
        from ..convert.md_to_blocks import gc_paused  # (the blocks are converted by then: imported already)

        data = zlib.decompress(self.chunks[index])
        first = self.ends[index - 1] if index else 0
        start, out = 0, []
        with gc_paused():  # many acyclic dicts: no collections while they are made
            for end in self.offsets[first : self.ends[index]]:
                out.append(pickle.loads(data[start:end]))
                start = end
        return out

    def locate(self, i: int) -> tuple[int, int]:
        """(chunk, position in it) of block `i`."""
        index = bisect.bisect_right(self.ends, i)
        return index, i - (self.ends[index - 1] if index else 0)

    def fingerprint(self, i: int) -> str:
        return self.digests[i * _DIGEST : (i + 1) * _DIGEST].hex()


class _Packer:
    def __init__(self) -> None:
        self.packed = _Packed()
        self.pending: list[bytes] = []
        self.size = 0

    def add(self, block: dict) -> None:
        packed = self.packed
        tree_fp, contents = fingerprints_of(block)
        packed.digests += bytes.fromhex(tree_fp)
        packed.contents |= contents
        packed.types.append(block["type"])
        if not packed.local_files and any(b.get("bot_local_file") for b in walk([block])):
            packed.local_files = True
        data = pickle.dumps(block, protocol=pickle.HIGHEST_PROTOCOL)
        self.pending.append(data)
        self.size += len(data)
        packed.offsets.append(self.size)
        if self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.packed.chunks.append(zlib.compress(b"".join(self.pending), 1))
        self.packed.ends.append(len(self.packed.types))
        self.pending, self.size = [], 0


class BlockStore(Sequence):
    """Top-level blocks: `head` (held as they are) followed by blocks [start, stop) of the packed ones."""

    __slots__ = ("_head", "_packed", "_start", "_stop")

    def __init__(self, packed: _Packed, head: tuple[dict, ...] = (), start: int = 0, stop: int | None = None):
        self._head = head
        self._packed = packed
        self._start = start
        self._stop = len(packed) if stop is None else stop

    @classmethod
    def pack(cls, blocks: Iterable[dict]) -> "BlockStore":
        """Pack `blocks` as they come (a BlockStream's are converted one top-level block at a time)."""
        packer = _Packer()
        for block in blocks:
            packer.add(block)
        packer.flush()
        return cls(packer.packed)

    # ------------------------------------------------------------ the sequence
    def __len__(self) -> int:
        return len(self._head) + self._stop - self._start

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._slice(i)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("block index out of range")
        if i < len(self._head):
            return self._head[i]
        index, pos = self._packed.locate(self._start + i - len(self._head))
        return self._packed.chunk(index)[pos]

    def __iter__(self) -> Iterator[dict]:
        """The blocks in order, a chunk decoded at a time (and not kept once read past)."""
        yield from self._head
        packed, i = self._packed, self._start
        while i < self._stop:
            index, pos = packed.locate(i)
            blocks = packed.chunk(index) if index == packed.cached else packed.decode(index)
            end = min(self._stop - i, len(blocks) - pos)
            yield from blocks[pos : pos + end]
            i += end
            del blocks

    def __repr__(self) -> str:
        return f"BlockStore({len(self)} blocks)"

    def _slice(self, s: slice) -> "BlockStore":
        start, stop, step = s.indices(len(self))
        if step != 1:
            raise ValueError("a BlockStore slices with step 1 only")
        stop = max(start, stop)
        n_head = len(self._head)
        head = self._head[start:stop]
        first = self._start + max(0, start - n_head)
        last = self._start + max(0, stop - n_head)
        return BlockStore(self._packed, head, first, max(first, last))

    def _whole(self) -> bool:
        return self._start == 0 and self._stop == len(self._packed)

    # ------------------------------------------------------------ what is known without decoding
    def prepended(self, blocks: Sequence[dict]) -> "BlockStore":
        return BlockStore(self._packed, (*blocks, *self._head), self._start, self._stop)

    def with_first(self, block: dict) -> "BlockStore":
        """The same blocks with the first one replaced by `block`."""
        if self._head:
            return BlockStore(self._packed, (block, *self._head[1:]), self._start, self._stop)
        return BlockStore(self._packed, (block,), min(self._start + 1, self._stop), self._stop)

    def fingerprints(self) -> list[str]:
        """bot.engine.fingerprints.fingerprint of each top-level block, in order."""
        from .fingerprints import fingerprint

        return [fingerprint(b) for b in self._head] + [
            self._packed.fingerprint(i) for i in range(self._start, self._stop)
        ]

    def types(self) -> list[str]:
        return [b["type"] for b in self._head] + self._packed.types[self._start : self._stop]

    def content_fingerprints(self) -> set[str]:
        """The content fingerprint of every block at every level."""
        if not self._whole():
            return {content_fingerprint(b) for b in walk(self)}
        return self._packed.contents | {content_fingerprint(b) for b in walk(list(self._head))}

    def may_hold_local_files(self) -> bool:
        return self._packed.local_files or any(b.get("bot_local_file") for b in walk(list(self._head)))


def prepended(head: list[dict], blocks: Sequence[dict]) -> Sequence[dict]:
    """`head + blocks`, packed still when `blocks` are."""
    if isinstance(blocks, BlockStore):
        return blocks.prepended(head)
    return head + list(blocks)


def with_first(blocks: Sequence[dict], block: dict) -> Sequence[dict]:
    """`blocks` with the first one replaced by `block`."""
    if isinstance(blocks, BlockStore):
        return blocks.with_first(block)
    return [block, *blocks[1:]]


def block_types(blocks: Sequence[dict]) -> list[str]:
    """The type of each top-level block (what a released plan keeps of its blocks)."""
    if isinstance(blocks, BlockStore):
        return blocks.types()
    return [block["type"] for block in blocks]
