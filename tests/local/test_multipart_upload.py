"""Multi-part file uploads (docs: File Upload; recorded create answer: notion-sdk-py 2022-06-28)."""

from __future__ import annotations

import notion_client
import pytest


def test_parts_sent_in_any_order_are_joined_on_complete(ws, notion):
    up = notion.file_uploads.create(
        mode="multi_part", filename="big.pdf", content_type="application/pdf", number_of_parts=3
    )
    assert up["status"] == "pending" and up["number_of_parts"] == {"total": 3, "sent": 0}
    for number, chunk in ((2, b"BB"), (1, b"AA"), (3, b"C")):
        sent = notion.file_uploads.send(up["id"], file=("big.pdf", chunk, "application/pdf"), part_number=str(number))
    assert sent["status"] == "pending" and sent["number_of_parts"] == {"total": 3, "sent": 3}
    done = notion.file_uploads.complete(up["id"])
    assert done["status"] == "uploaded" and done["content_length"] == 5
    assert ws.file_bytes(up["id"]) == b"AABBC"


def test_complete_refuses_missing_parts_and_a_part_number_out_of_range(notion):
    up = notion.file_uploads.create(mode="multi_part", filename="big.pdf", number_of_parts=2)
    notion.file_uploads.send(up["id"], file=("big.pdf", b"A", "application/pdf"), part_number="1")
    with pytest.raises(notion_client.APIResponseError) as e:
        notion.file_uploads.complete(up["id"])
    assert e.value.code == "validation_error" and "missing part(s) 2" in str(e.value)
    with pytest.raises(notion_client.APIResponseError) as e:
        notion.file_uploads.send(up["id"], file=("big.pdf", b"A", "application/pdf"), part_number="3")
    assert e.value.code == "validation_error" and "part_number" in str(e.value)
    with pytest.raises(notion_client.APIResponseError) as e:
        notion.file_uploads.create(mode="multi_part", filename="big.pdf")
    assert "number_of_parts" in str(e.value)
