"""Photos and attachments on the asset card (照片与附件): upload, see, download within the card's data
scope, delete; files refused by type, content or size; the API; audit and timeline."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from jiguan.assets import services
from jiguan.assets.models import AssetEvent, AttachmentKind, EventKind
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.attachments import attachments_of
from jiguan.core.context import acting_as
from jiguan.core.models import Attachment
from jiguan.core.testing import make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def zip_bytes(*members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in members:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    """Attachments go to a private folder of the test, never to VAR_DIR, MEDIA_ROOT or static files."""
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"
    return settings.JIGUAN_PRIVATE_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def card(tree, register):
    return register(tree.city_a_agency)


@pytest.fixture
def viewer(tree):
    """A unit leader of 甲市机关事务管理局: reads the cards, changes nothing."""
    return make_user("a_viewer", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])


def page_upload(client, card, *files, description=""):
    return client.post(reverse("assets:attachment_upload", args=[card.pk]),
                       {"files": list(files), "description": description})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------

def test_png_and_pdf_are_shown_on_the_card_and_downloaded(card, users, client_for, private_root):
    client = client_for(users["a_assets"])
    png = png_bytes()
    response = page_upload(client, card, upload("机房照片.png", png, "image/png"),
                           upload("验收单.pdf", PDF, "application/pdf"), description="验收资料")
    assert response.status_code == 302 and response["Location"].endswith(f"/{card.pk}/#attachments")

    photo = attachments_of(card).get(filename="机房照片.png")
    document = attachments_of(card).get(filename="验收单.pdf")
    assert (photo.kind, photo.content_type_name, photo.size) == (AttachmentKind.PHOTO, "image/png", len(png))
    assert (document.kind, document.content_type_name) == (AttachmentKind.DOCUMENT, "application/pdf")
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert photo.uploaded_by == users["a_assets"] and photo.description == "验收资料"
    # Stored under the private root with a random name, not the uploaded one.
    files = stored_files(private_root)
    assert len(files) == 2 and all("验收单" not in p.name and "机房" not in p.name for p in files)
    assert not str(files[0]).startswith(str(django_settings.STATIC_ROOT))

    page = client.get(card.get_absolute_url())
    html = page.content.decode()
    assert "已上传 2 个文件。" in messages_of(page)
    assert "照片与附件" in html
    photo_url = reverse("assets:attachment_download", args=[card.pk, photo.pk])
    assert f'src="{photo_url}?inline=1"' in html  # the thumbnail
    assert f'href="{reverse("assets:attachment_download", args=[card.pk, document.pk])}">验收单.pdf</a>' in html
    assert 'id="attachment-form"' in html
    # The timeline names the uploader and links the document.
    events = AssetEvent.objects.filter(asset=card, kind=EventKind.ATTACHMENT).order_by("id")
    assert [e.summary for e in events] == ["上传照片：机房照片.png", "上传附件：验收单.pdf"]
    assert all(e.actor == users["a_assets"] for e in events)
    assert "上传附件：验收单.pdf" in html

    download = client.get(reverse("assets:attachment_download", args=[card.pk, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"

    thumbnail = client.get(photo_url + "?inline=1")
    assert thumbnail["Content-Disposition"].startswith("inline") and thumbnail["Content-Type"] == "image/png"
    assert b"".join(thumbnail.streaming_content) == png


def test_another_city_gets_404_and_a_reader_cannot_change(card, users, viewer, client_for):
    with acting_as(users["a_assets"]):
        attachment = services.attachment_add(asset=card, file=upload("合同.pdf", PDF))
    url = reverse("assets:attachment_download", args=[card.pk, attachment.pk])
    delete = reverse("assets:attachment_delete", args=[card.pk, attachment.pk])

    b_manager = client_for(users["b_assets"])
    assert b_manager.get(url).status_code == 404
    assert b_manager.get(url + "?inline=1").status_code == 404
    assert b_manager.post(delete).status_code == 404
    assert page_upload(b_manager, card, upload("x.pdf", PDF)).status_code == 404
    # Another card's id in the URL does not reach this attachment either.
    other = reverse("assets:attachment_download", args=[card.pk + 1000, attachment.pk])
    assert client_for(users["a_assets"]).get(other).status_code == 404

    reader = client_for(viewer)
    assert reader.get(url).status_code == 200  # may view the card: may read its attachments
    html = reader.get(card.get_absolute_url()).content.decode()
    assert "合同.pdf" in html and 'id="attachment-form"' not in html and delete not in html
    assert page_upload(reader, card, upload("x.pdf", PDF)).status_code == 403
    assert reader.post(delete).status_code == 403
    assert attachments_of(card).count() == 1


def test_exe_renamed_to_pdf_is_refused(card, users, client_for, private_root):
    client = client_for(users["a_assets"])
    response = page_upload(client, card, upload("发票.pdf", EXE, "application/pdf"))
    page = client.get(response["Location"])
    assert "文件“发票.pdf”的内容与扩展名 .pdf 不符，已拒绝上传。请上传真实的 .pdf 文件。" in messages_of(page)
    assert not Attachment.objects.exists() and stored_files(private_root) == []


def test_unsupported_type_and_oversize_files_are_refused(card, users, client_for, settings, private_root):
    client = client_for(users["a_assets"])
    page = client.get(page_upload(client, card, upload("setup.exe", EXE))["Location"])
    assert ("文件“setup.exe”的类型不受支持。照片支持 JPG、PNG、WEBP，文档支持 PDF、DOCX、XLSX、OFD。"
            in messages_of(page))

    settings.JIGUAN_MAX_ATTACHMENT_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    page = client.get(page_upload(client, card, upload("扫描件.pdf", big))["Location"])
    assert "文件“扫描件.pdf”大小为 1.0 MB，超过 1 MB 的上限。" in messages_of(page)
    assert "单个文件不超过 1 MB" in page.content.decode()
    assert not Attachment.objects.exists() and stored_files(private_root) == []


def test_one_bad_file_stores_nothing(card, users, client_for, private_root):
    client = client_for(users["a_assets"])
    page_upload(client, card, upload("照片.png", png_bytes()), upload("假.png", PDF))
    assert not Attachment.objects.exists() and stored_files(private_root) == []


def test_office_and_ofd_documents_are_checked_inside(card, users):
    with acting_as(users["a_assets"]):
        for name in ("报告.docx", "清单.xlsx", "批复.ofd"):
            members = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "ofd": "OFD.xml"}[name.rsplit(".")[1]]
            services.attachment_add(asset=card, file=upload(name, zip_bytes("[Content_Types].xml", members)))
        with pytest.raises(ValidationError, match="内容与扩展名 .docx 不符"):
            services.attachment_add(asset=card, file=upload("伪装.docx", zip_bytes("xl/workbook.xml")))
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["批复.ofd", "报告.docx", "清单.xlsx"]


def test_delete_removes_file_and_row_audited(card, users, client_for, private_root,
                                             django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        attachment = services.attachment_add(asset=card, file=upload("旧照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 64))
    assert len(stored_files(private_root)) == 1
    client = client_for(users["a_assets"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assets:attachment_delete", args=[card.pk, attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists() and stored_files(private_root) == []
    page = client.get(card.get_absolute_url())
    assert "已删除附件“旧照片.jpg”。" in messages_of(page)
    assert "删除附件：旧照片.jpg" in page.content.decode()

    records = AuditEvent.objects.filter(object_type="core.attachment", object_id=str(attachment.pk))
    assert [r.action for r in records.order_by("id")] == [Action.CREATE, Action.DELETE]
    deleted = records.get(action=Action.DELETE)
    assert deleted.actor == users["a_assets"] and deleted.before["filename"] == "旧照片.jpg"
    assert deleted.before["sha256"] == attachment.sha256


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------

def api_url(card, attachment=None) -> str:
    if attachment is None:
        return f"/api/v1/assets/{card.pk}/attachments/"
    return f"/api/v1/assets/{card.pk}/attachments/{attachment}/"


def test_api_upload_list_download_delete(card, users, api_client_for, private_root,
                                         django_capture_on_commit_callbacks):
    client = api_client_for(users["a_assets"])
    response = client.post(api_url(card), {"file": [upload("铭牌.png", png_bytes()), upload("合同.pdf", PDF)],
                                           "description": "采购资料"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["filename"], a["kind"]) for a in body] == [("铭牌.png", "photo"), ("合同.pdf", "document")]
    assert body[1]["sha256"] == hashlib.sha256(PDF).hexdigest() and body[1]["description"] == "采购资料"
    assert body[1]["uploaded_by"] == users["a_assets"].pk

    listed = client.get(api_url(card)).json()
    assert listed["count"] == 2 and [a["id"] for a in listed["results"]] == [a["id"] for a in body]

    download = client.get(api_url(card, body[1]["id"]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert body[1]["url"].endswith(api_url(card, body[1]["id"]))

    creates = AuditEvent.objects.filter(object_type="core.attachment", action=Action.CREATE)
    assert creates.count() == 2 and {r.actor_id for r in creates} == {users["a_assets"].pk}
    assert creates.filter(channel="api").count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(api_url(card, body[0]["id"])).status_code == 204
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["合同.pdf"]
    assert len(stored_files(private_root)) == 1
    assert AuditEvent.objects.filter(object_type="core.attachment", action=Action.DELETE,
                                     object_id=str(body[0]["id"])).count() == 1


def test_api_refuses_bad_files_and_other_scopes(card, users, viewer, api_client_for):
    client = api_client_for(users["a_assets"])
    response = client.post(api_url(card), {"file": [upload("发票.pdf", EXE)]}, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["file"] == ["文件“发票.pdf”的内容与扩展名 .pdf 不符，已拒绝上传。请上传真实的 .pdf 文件。"]
    assert not Attachment.objects.exists()

    with acting_as(users["a_assets"]):
        attachment = services.attachment_add(asset=card, file=upload("合同.pdf", PDF))
    other = api_client_for(users["b_assets"])
    assert other.get(api_url(card)).status_code == 404
    assert other.get(api_url(card, attachment.pk)).status_code == 404
    assert other.delete(api_url(card, attachment.pk)).status_code == 404
    assert other.post(api_url(card), {"file": [upload("x.pdf", PDF)]}, format="multipart").status_code == 404

    reader = api_client_for(viewer)
    assert reader.get(api_url(card, attachment.pk)).status_code == 200
    assert reader.delete(api_url(card, attachment.pk)).status_code == 403
    assert reader.post(api_url(card), {"file": [upload("x.pdf", PDF)]}, format="multipart").status_code == 403
    assert Attachment.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# A disposed card's attachments are the evidence of its disposal (issue 16, item 7)
# ---------------------------------------------------------------------------------------------

def test_the_attachments_of_a_disposed_card_can_no_longer_be_deleted(card, users, leaders, asset_flows, client_for,
                                                                     api_client_for, private_root,
                                                                     django_capture_on_commit_callbacks):
    from .conftest import decide

    manager = users["a_assets"]
    with acting_as(manager):
        attachment = services.attachment_add(asset=card, file=upload("报废鉴定.pdf", PDF))
        disposal = services.disposal_create(unit=card.owner_unit, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="主板损坏，无维修价值", actor=manager)
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert card.status == "disposed"
    refusal = f"资产 {card.code} 已处置，其照片与附件是处置的凭证，不能删除。"

    client = client_for(manager)
    delete = reverse("assets:attachment_delete", args=[card.pk, attachment.pk])
    html = client.get(card.get_absolute_url()).content.decode()
    assert "报废鉴定.pdf" in html and delete not in html                  # no delete button
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete, follow=True)                      # the form posted anyway
    assert refusal in messages_of(response)

    api = api_client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(api_url(card, attachment.pk))
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": refusal}

    assert list(Attachment.objects.values_list("filename", flat=True)) == ["报废鉴定.pdf"]
    assert len(stored_files(private_root)) == 1
    assert not AuditEvent.objects.filter(object_type="core.attachment", action=Action.DELETE).exists()


def test_the_attachments_of_a_card_pending_disposal_cannot_be_deleted(card, users, asset_flows, client_for,
                                                                      api_client_for, private_root,
                                                                      django_capture_on_commit_callbacks):
    """Review finding 9: the photos of the damage uploaded for a 报废 request are what the approvers
    decide on; they stay while the card is 待处置 (and may be deleted again if the disposal is withdrawn)."""
    manager = users["a_assets"]
    with acting_as(manager):
        attachment = services.attachment_add(asset=card, file=upload("损坏照片.pdf", PDF))
        services.disposal_create(unit=card.owner_unit, asset_ids=[card.pk], method="scrap",
                                 reason_code="obsolete", reason="主板损坏，无维修价值", actor=manager)
    card.refresh_from_db()
    assert card.status == "pending_disposal"
    refusal = f"资产 {card.code} 正在处置中，其照片与附件是处置的凭证，不能删除。"

    client = client_for(manager)
    delete = reverse("assets:attachment_delete", args=[card.pk, attachment.pk])
    html = client.get(card.get_absolute_url()).content.decode()
    assert "损坏照片.pdf" in html and delete not in html                  # no delete button
    with django_capture_on_commit_callbacks(execute=True):
        assert refusal in messages_of(client.post(delete, follow=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(manager).delete(api_url(card, attachment.pk))
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": refusal}
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["损坏照片.pdf"]
    assert len(stored_files(private_root)) == 1


# ---------------------------------------------------------------------------------------------
# Policies (policies.attachment_add / attachment_delete), asked by the services for page and API
# ---------------------------------------------------------------------------------------------

def test_the_attachment_policies_decide_for_the_page_and_the_api(card, users, client_for, api_client_for,
                                                                  monkeypatch, private_root):
    from django.core.exceptions import PermissionDenied

    from jiguan.assets import policies

    with acting_as(users["a_assets"]):
        attachment = services.attachment_add(asset=card, file=upload("合同.pdf", PDF))

    def refuse(actor, asset=None):
        raise PermissionDenied("暂不允许。")

    monkeypatch.setattr(policies, "attachment_add", refuse)
    monkeypatch.setattr(policies, "attachment_delete", refuse)
    client, api = client_for(users["a_assets"]), api_client_for(users["a_assets"])
    assert page_upload(client, card, upload("x.pdf", PDF)).status_code == 403
    response = api.post(api_url(card), {"file": [upload("x.pdf", PDF)]}, format="multipart")
    assert response.status_code == 403 and response.json()["error"]["message"] == "暂不允许。"
    response = client.post(reverse("assets:attachment_delete", args=[card.pk, attachment.pk]), follow=True)
    assert "暂不允许。" in messages_of(response)
    response = api.delete(api_url(card, attachment.pk))
    assert response.status_code == 403 and response.json()["error"]["message"] == "暂不允许。"
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["合同.pdf"]
    assert len(stored_files(private_root)) == 1
    assert AuditEvent.objects.filter(object_type="core.attachment").count() == 1  # the upload only
