"""Multi-part file uploads: `number_of_parts` on create, `part_number` on send, `…/complete`.

Docs (File Upload; notion-api.md §4.4): a file over 20 MB is sent in parts of 5–20 MB (the last
may be smaller), each a `POST /v1/file_uploads/{id}/send` with `file` and `part_number` (a string),
then `POST /v1/file_uploads/{id}/complete`. The object answers `number_of_parts: {total, sent}`
(recorded: notion-sdk-py `test_file_uploads_create_multipart`). The 5 MB minimum is not enforced
(tests send small parts); the part count is capped at 1,000 (a third-party note, UNVERIFIED).
"""

from __future__ import annotations

from .. import model as M
from ..errors import body_failed, not_defined, validation

MAX_PARTS = 1000
MAX_PART_BYTES = 20 * 1024 * 1024


def number_of_parts(body: dict, mode: str) -> int | None:
    """The part count a create asks for (multi_part only, 1…1000)."""
    if mode != "multi_part":
        return None
    if "number_of_parts" not in body:
        raise not_defined("body.number_of_parts")
    n = body["number_of_parts"]
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_PARTS:
        raise body_failed("body.number_of_parts", f"should be an integer from 1 to {MAX_PARTS}", n)
    if "filename" not in body:
        raise not_defined("body.filename")
    return n


def rendered_parts(up: dict) -> dict:
    parts = up.get("parts")
    return {"number_of_parts": {"total": parts["total"], "sent": len(parts["sent"])}} if parts else {}


def receive_part(ws, ctx, up: dict, msg, data: bytes) -> None:
    """Keep one sent part (`part_number` 1…N) of a pending multi-part upload."""
    raw = next(
        (
            p.get_content().strip()
            for p in msg.iter_parts()
            if p.get_param("name", header="content-disposition") == "part_number"
        ),
        None,
    )
    if raw is None:
        raise not_defined("body.part_number")
    total = up["parts"]["total"]
    if not str(raw).isdigit() or not 1 <= int(raw) <= total:
        raise body_failed("body.part_number", f"should be a number from 1 to {total}", raw)
    if len(data) > MAX_PART_BYTES:
        raise validation("A part of a multi-part upload may be at most 20MB.")
    number = int(raw)
    up["parts"]["sent"] = sorted({*up["parts"]["sent"], number})
    ws.touch(up, ctx)
    ws.store.update_data("file_uploads", up["id"], up)
    ws.store.set_part(up["id"], number, data)


def complete(ws, ctx, up: dict, status: str, body: dict) -> None:
    """Join the parts of a pending multi-part upload: it is `uploaded`."""
    M.allowed_keys(body, ())
    if up.get("mode") != "multi_part":
        raise validation(
            f"File upload {up['id']} was not created with mode `multi_part`; there is nothing to complete."
        )
    if status != "pending":
        raise validation(f"File upload {up['id']} is in status `{status}`; only pending uploads can be completed.")
    missing = [n for n in range(1, up["parts"]["total"] + 1) if n not in up["parts"]["sent"]]
    if missing:
        raise validation(f"File upload {up['id']} is missing part(s) {', '.join(map(str, missing[:10]))}.")
    data = ws.store.take_parts(up["id"], up["parts"]["total"])
    up.update({"status": "uploaded", "content_length": len(data)})
    ws.touch(up, ctx)
    ws.store.update_data("file_uploads", up["id"], up)
    ws.store.set_file_content(up["id"], data)
