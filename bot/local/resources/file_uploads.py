"""File uploads: `POST /v1/file_uploads`, `GET /v1/file_uploads/{id}`, `POST …/send`, and the hosted file URL."""

from __future__ import annotations

import email.parser
import email.policy
import mimetypes
from datetime import datetime, timedelta
from urllib.parse import quote

from .. import model as M
from ..common import Ctx, new_id, norm_id
from ..errors import body_failed, not_defined, not_found, too_long, validation
from .. import common
from . import file_upload_parts as multipart

MAX_SINGLE_PART_BYTES = 20 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=1)
FILE_URL_TTL = timedelta(hours=1)


def upload_status(ws, up: dict) -> str:
    if up["status"] in ("pending", "uploaded") and not up.get("attached"):
        if ws.now() > datetime.fromisoformat(up["expiry_time"].replace("Z", "+00:00")):
            return "expired"
    return up["status"]


def render_upload(ws, ctx: Ctx, up: dict) -> dict:
    status = upload_status(ws, up)
    out = {
        "object": "file_upload",
        "id": up["id"],
        "created_time": up["created_time"],
        "created_by": {"id": up["created_by"], "type": "bot"},
        "last_edited_time": up["last_edited_time"],
        **common.trash_fields(ctx, False),
        "expiry_time": None if up.get("attached") else up["expiry_time"],
        "status": status,
        "filename": up.get("filename"),
        "content_type": up.get("content_type"),
        "content_length": up.get("content_length"),
        **multipart.rendered_parts(up),
    }
    if status == "pending":
        out["upload_url"] = f"{ws.public_base_url}/v1/file_uploads/{up['id']}/send"
    return out


def create_upload(ws, ctx, params, query, body):
    M.allowed_keys(body, ("mode", "filename", "content_type", "number_of_parts", "external_url"))
    mode = body.get("mode", "single_part")
    if mode not in ("single_part", "multi_part", "external_url"):
        raise body_failed("body.mode", 'should be `"single_part"`, `"multi_part"`, or `"external_url"`', mode)
    parts = multipart.number_of_parts(body, mode)
    external_url = None
    if mode == "external_url":
        # Notion answers `status: "pending"` and imports the file in the background (recorded
        # answer). Nothing leaves this machine, so here the import never happens: it stays pending.
        if "external_url" not in body:
            raise not_defined("body.external_url")
        external_url = M.check_str(body["external_url"], "body.external_url")
        if not external_url.lower().startswith("https://"):
            raise body_failed("body.external_url", "should be an https URL", external_url)
        if "filename" not in body:
            raise not_defined("body.filename")
    filename = body.get("filename")
    if filename is not None:
        M.check_str(filename, "body.filename")
        if len(filename.encode()) > 900:
            raise too_long("body.filename", 900, len(filename.encode()))
    ct = body.get("content_type")
    if ct is not None:
        M.check_str(ct, "body.content_type")
    elif external_url is not None:
        ct = mimetypes.guess_type(filename)[0]
    up_id = new_id()
    stamp = ws.stamp_new(ctx)
    up = {
        "id": up_id,
        "status": "pending",
        "filename": filename,
        "content_type": ct,
        "content_length": None,
        "expiry_time": ws.iso(ctx.now + UPLOAD_TTL, exact=True),
        "attached": False,
        "mode": mode,
        "external_url": external_url,
        **({"parts": {"total": parts, "sent": []}} if parts else {}),
        **stamp,
    }
    ws.store.put("file_uploads", up_id, up)
    ctx.committed = {"committed_resource_id": up_id}
    return 200, render_upload(ws, ctx, up)


def get_upload(ws, up_id: str) -> dict:
    up = ws.store.get("file_uploads", up_id)
    if up is None:
        raise not_found("file_upload", up_id)
    return up


def retrieve_upload(ws, ctx, params, query, body):
    return 200, render_upload(ws, ctx, get_upload(ws, params["id"]))


def send_upload(ws, ctx, params, query, raw: bytes):
    up = get_upload(ws, params["id"])
    status = upload_status(ws, up)
    if status != "pending":
        raise validation(f"File upload {up['id']} is in status `{status}`; only pending uploads can receive data.")
    if up.get("mode") == "external_url":
        raise validation(
            f"File upload {up['id']} was created with mode `external_url`; its file is imported from the URL, not sent."
        )
    ctype = ctx.content_type
    if not ctype.lower().startswith("multipart/form-data"):
        raise validation("The request must be sent as multipart/form-data with a `file` field.")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw
    )
    part = None
    for p in msg.iter_parts() if msg.is_multipart() else []:
        if p.get_param("name", header="content-disposition") == "file":
            part = p
            break
    if part is None:
        raise validation("body failed validation: body.file should be defined, instead was `undefined`.")
    data = part.get_payload(decode=True) or b""
    if up.get("mode") == "multi_part":
        multipart.receive_part(ws, ctx, up, msg, data)
        ctx.committed = {"committed_resource_id": up["id"]}
        return 200, render_upload(ws, ctx, up)
    if len(data) > MAX_SINGLE_PART_BYTES:
        raise validation("The file exceeds the 20MB limit for single-part uploads; use multi_part mode.")
    fname = up.get("filename") or part.get_filename() or "file"
    ct = (
        up.get("content_type")
        or part.get_content_type()
        or mimetypes.guess_type(fname)[0]
        or "application/octet-stream"
    )
    up.update({"status": "uploaded", "filename": fname, "content_type": ct, "content_length": len(data)})
    ws.touch(up, ctx)
    ws.store.update_data("file_uploads", up["id"], up)
    ws.store.set_file_content(up["id"], data)
    ctx.committed = {"committed_resource_id": up["id"]}
    return 200, render_upload(ws, ctx, up)


def complete_upload(ws, ctx, params, query, body):
    """`POST /v1/file_uploads/{id}/complete`: a multi-part upload's parts joined."""
    up = get_upload(ws, params["id"])
    multipart.complete(ws, ctx, up, upload_status(ws, up), body)
    ctx.committed = {"committed_resource_id": up["id"]}
    return 200, render_upload(ws, ctx, up)


def attach_upload(ws, ref: dict, path: str) -> dict:
    ref = M.check_obj(ref, path)
    raw = M.check_str(ref.get("id"), f"{path}.id")
    up_id = norm_id(raw)
    up = ws.store.get("file_uploads", up_id) if up_id else None
    if up is None:
        raise validation(f"Could not find file upload with ID: {raw}.")
    status = upload_status(ws, up)
    if status != "uploaded":
        raise validation(
            f"File upload {up['id']} is in status `{status}`; it must be `uploaded` before it can be attached."
        )
    if not up.get("attached"):
        up["attached"] = True
        ws.store.update_data("file_uploads", up["id"], up)
    return {"type": "file", "file": {"url": file_url(ws, up), "file_upload_id": up["id"]}, "_filename": up["filename"]}


def file_url(ws, up: dict) -> str:
    return f"{ws.public_base_url}/files/{up['id']}/{quote(up['filename'] or 'file')}"


def render_file_ref(ws, ref: dict) -> dict:
    if ref.get("type") != "file":
        return ref
    out = {k: v for k, v in ref.items() if k != "file"}
    expiry = ws.iso(ws.now() + FILE_URL_TTL, exact=True)
    out["file"] = {"url": ref["file"]["url"], "expiry_time": expiry}
    return out


def serve_file(ws, path: str):
    parts = path.split("/")
    up_id = norm_id(parts[2]) if len(parts) > 2 else None
    content = ws.store.file_content(up_id) if up_id else None
    up = ws.store.get("file_uploads", up_id) if up_id else None
    if content is None or up is None:
        return 404, {"content-type": "text/plain"}, b"Not found"
    return (
        200,
        {"content-type": up.get("content_type") or "application/octet-stream", "content-length": str(len(content))},
        content,
    )


def render_icon(ws, ic: dict | None) -> dict | None:
    """An icon or cover as answered: a Notion-hosted file gets a fresh expiring URL."""
    if ic and ic.get("type") == "file":
        return render_file_ref(ws, ic)
    return ic
