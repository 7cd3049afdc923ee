"""The kernel's attachments (照片与附件) and history (履历), over a kernel model declared here (the
organisation unit): files are private, reached only through the object's data scope (404 outside
it), refused by type, content and size with a Chinese message, and every write leaves exactly one
audit record and an entry on the object's timeline."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image

from jiguan.audit.models import Action, AuditEvent
from jiguan.core import attachments, history
from jiguan.core.context import acting_as
from jiguan.core.models import Attachment, AttachmentKind, HistoryEntry
from jiguan.core.storage import private_storage
from jiguan.core.testing import make_user
from jiguan.org.models import OrgUnit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (30, 30, 200)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"
    return settings.JIGUAN_PRIVATE_ROOT


class Frozen:
    """Which units' attachments may no longer be deleted (the declaration's ``deletable``)."""

    ids: set = set()


@pytest.fixture
def declared():
    """The organisation unit takes attachments and keeps a history in core.HistoryEntry (the default
    store), for these tests only."""
    before_attachments = attachments.declarations().get("org.orgunit")
    before_history = history.registry().get("org.orgunit")
    Frozen.ids = set()
    attachments.register(OrgUnit, view_permission="org.view_orgunit", change_permission="org.change_orgunit",
                         deletable=lambda unit: unit.pk not in Frozen.ids,
                         refusal=lambda unit: f"单位 {unit.name} 已封存，其附件不能删除。",
                         label=lambda unit: f"单位 {unit.name}")
    history.register(OrgUnit, title="单位履历", kinds={"renamed": "更名"})
    yield
    attachments.unregister(OrgUnit)
    history.unregister(OrgUnit)
    if before_attachments:
        attachments.register(before_attachments.model, **{
            k: getattr(before_attachments, k) for k in ("view_permission", "change_permission", "deletable",
                                                         "refusal", "label", "url_names", "add_policy",
                                                         "delete_policy")})
    if before_history:
        history.register(before_history.model, before_history.store, title=before_history.title,
                         kinds=before_history.kinds, link=before_history.link)


@pytest.fixture
def people(tree):
    """A system administrator of city A (changes its units), one of city B, and a reader of city A
    (the asset manager role: views units, changes none)."""
    return {
        "a_admin": make_user("a_admin", tree.city_a_agency, [("system_admin", tree.city_a, True)]),
        "b_admin": make_user("b_admin", tree.city_b_agency, [("system_admin", tree.city_b, True)]),
        "reader": make_user("a_reader", tree.city_a_agency, [("asset_manager", tree.city_a, True)]),
    }


def page(name: str, unit, attachment=None) -> str:
    args = ["org.orgunit", unit.pk] + ([attachment.pk if hasattr(attachment, "pk") else attachment]
                                       if attachment is not None else [])
    return reverse(f"attachments:{name}", args=args)


def api(unit, attachment=None) -> str:
    base = f"/api/v1/attachments/org.orgunit/{unit.pk}/"
    return base if attachment is None else f"{base}{attachment}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def records(**filters):
    return AuditEvent.objects.filter(object_type="core.attachment", **filters)


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------

def test_upload_download_and_delete_through_the_pages(declared, tree, people, client_for, private_root,
                                                      django_capture_on_commit_callbacks):
    unit, client = tree.city_a_agency, client_for(people["a_admin"])
    png = png_bytes()
    response = client.post(page("upload", unit), {"files": [upload("门牌.png", png), upload("批复.pdf", PDF)],
                                                 "description": "设立批复"})
    assert response.status_code == 302 and response["Location"] == f"{unit.get_absolute_url()}#attachments"
    assert "已上传 2 个文件。" in messages_of(client.get(response["Location"]))

    rows = list(attachments.attachments_of(unit))
    assert [(a.filename, a.kind, a.content_type_name) for a in rows] == [
        ("门牌.png", AttachmentKind.PHOTO, "image/png"), ("批复.pdf", AttachmentKind.DOCUMENT, "application/pdf")]
    assert all(a.uploaded_by == people["a_admin"] and a.description == "设立批复" for a in rows)
    photo, document = rows
    # Private: under the private root, with random names, and the storage has no URL to give.
    files = stored_files(private_root)
    assert len(files) == 2 and not any("门牌" in p.name or "批复" in p.name for p in files)
    with pytest.raises(ValueError, match="no URL"):
        private_storage().url(document.file.name)

    download = client.get(page("download", unit, document))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment") and download["X-Content-Type-Options"] == "nosniff"
    thumbnail = client.get(page("download", unit, photo) + "?inline=1")
    assert thumbnail["Content-Disposition"].startswith("inline") and b"".join(thumbnail.streaming_content) == png

    # One audit record per file, naming the object as its declaration does; a timeline entry each.
    created = records(action=Action.CREATE).order_by("id")
    assert [(r.object_id, r.message, r.actor_id) for r in created] == [
        (str(photo.pk), "单位 甲市机关事务管理局 上传附件", people["a_admin"].pk),
        (str(document.pk), "单位 甲市机关事务管理局 上传附件", people["a_admin"].pk)]
    assert created[1].after["sha256"] == document.sha256 and created[1].after["object_type"] == "org.orgunit"
    assert [e.summary for e in history.entries(unit)] == ["上传照片：门牌.png", "上传附件：批复.pdf"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("delete", unit, photo))
    assert response.status_code == 302
    assert "已删除附件“门牌.png”。" in messages_of(client.get(response["Location"]))
    assert [a.filename for a in attachments.attachments_of(unit)] == ["批复.pdf"]
    assert len(stored_files(private_root)) == 1
    deleted = records(action=Action.DELETE)
    assert deleted.count() == 1 and deleted.get().before["filename"] == "门牌.png"
    assert history.entries(unit).last().summary == "删除附件：门牌.png"


def test_outside_the_scope_is_404_and_a_reader_cannot_change(declared, tree, people, client_for):
    unit = tree.city_a_agency
    with acting_as(people["a_admin"]):
        attachment = attachments.attachment_add(obj=unit, file=upload("章程.pdf", PDF))

    other = client_for(people["b_admin"])  # may change units, but city B's
    assert other.get(page("download", unit, attachment)).status_code == 404
    assert other.post(page("delete", unit, attachment)).status_code == 404
    assert other.post(page("upload", unit), {"files": [upload("x.pdf", PDF)]}).status_code == 404
    own = client_for(people["a_admin"])
    # Another object's id in the URL does not reach the attachment, nor does an undeclared model.
    assert own.get(page("download", tree.city_a, attachment)).status_code == 404
    assert own.get(reverse("attachments:download", args=["org.role", unit.pk, attachment.pk])).status_code == 404

    reader = client_for(people["reader"])
    assert reader.get(page("download", unit, attachment)).status_code == 200
    assert reader.post(page("upload", unit), {"files": [upload("x.pdf", PDF)]}).status_code == 403
    assert reader.post(page("delete", unit, attachment)).status_code == 403
    assert [a.filename for a in Attachment.objects.all()] == ["章程.pdf"]
    assert records().count() == 1


def test_type_content_and_size_are_refused_in_chinese(declared, tree, people, client_for, settings, private_root):
    unit, client = tree.city_a_agency, client_for(people["a_admin"])

    def refused(*files) -> list[str]:
        response = client.post(page("upload", unit), {"files": list(files)})
        assert response.status_code == 302
        return messages_of(client.get(response["Location"]))

    assert "文件“setup.exe”的类型不受支持。照片支持 JPG、PNG、WEBP，文档支持 PDF、DOCX、XLSX、OFD。" in refused(
        upload("setup.exe", EXE))
    assert "文件“发票.pdf”的内容与扩展名 .pdf 不符，已拒绝上传。请上传真实的 .pdf 文件。" in refused(
        upload("发票.pdf", EXE))
    settings.JIGUAN_MAX_ATTACHMENT_MB = 1
    assert "文件“扫描件.pdf”大小为 1.0 MB，超过 1 MB 的上限。" in refused(upload("扫描件.pdf", PDF + b"0" * 1024 * 1024))
    # One bad file among good ones: nothing is stored.
    refused(upload("好.png", png_bytes()), upload("假.png", PDF))
    assert not Attachment.objects.exists() and stored_files(private_root) == []
    assert not records().exists() and not HistoryEntry.objects.exists()


def test_a_declaration_may_forbid_deleting(declared, tree, people, client_for, api_client_for,
                                           django_capture_on_commit_callbacks):
    unit = tree.city_a_agency
    with acting_as(people["a_admin"]):
        attachment = attachments.attachment_add(obj=unit, file=upload("封存清单.pdf", PDF))
    Frozen.ids = {unit.pk}
    client = client_for(people["a_admin"])
    context = attachments.attachments_context(unit, people["a_admin"])
    assert context["can_attach"] and not context["can_delete_attachments"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page("delete", unit, attachment), follow=True)
    assert "单位 甲市机关事务管理局 已封存，其附件不能删除。" in messages_of(response)
    response = api_client_for(people["a_admin"]).delete(api(unit, attachment.pk))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "单位 甲市机关事务管理局 已封存，其附件不能删除。"
    assert Attachment.objects.count() == 1 and not records(action=Action.DELETE).exists()


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------

def test_api_lists_uploads_downloads_and_deletes(declared, tree, people, api_client_for,
                                                 django_capture_on_commit_callbacks, private_root):
    unit, client = tree.city_a_agency, api_client_for(people["a_admin"])
    response = client.post(api(unit), {"file": [upload("门牌.png", png_bytes()), upload("批复.pdf", PDF)],
                                       "description": "资料"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["filename"], a["kind"], a["object_type"], a["object_id"]) for a in body] == [
        ("门牌.png", "photo", "org.orgunit", unit.pk), ("批复.pdf", "document", "org.orgunit", unit.pk)]
    assert body[1]["content_type"] == "application/pdf" and body[1]["url"].endswith(api(unit, body[1]["id"]))
    assert records(action=Action.CREATE, channel="api").count() == 2

    listed = client.get(api(unit)).json()
    assert listed["count"] == 2 and [a["id"] for a in listed["results"]] == [a["id"] for a in body]
    assert [a["filename"] for a in client.get(api(unit), {"kind": "photo"}).json()["results"]] == ["门牌.png"]
    download = client.get(api(unit, body[1]["id"]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(api(unit, body[0]["id"])).status_code == 204
    assert [a.filename for a in Attachment.objects.all()] == ["批复.pdf"] and len(stored_files(private_root)) == 1
    assert records(action=Action.DELETE, object_id=str(body[0]["id"])).count() == 1


def test_api_refuses_bad_files_other_scopes_and_readers(declared, tree, people, api_client_for):
    unit, client = tree.city_a_agency, api_client_for(people["a_admin"])
    response = client.post(api(unit), {"file": [upload("发票.pdf", EXE)]}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == [
        "文件“发票.pdf”的内容与扩展名 .pdf 不符，已拒绝上传。请上传真实的 .pdf 文件。"]
    with acting_as(people["a_admin"]):
        attachment = attachments.attachment_add(obj=unit, file=upload("章程.pdf", PDF))

    other = api_client_for(people["b_admin"])
    assert other.get(api(unit)).status_code == 404
    assert other.get(api(unit, attachment.pk)).status_code == 404
    assert other.delete(api(unit, attachment.pk)).status_code == 404
    assert other.post(api(unit), {"file": [upload("x.pdf", PDF)]}, format="multipart").status_code == 404
    assert client.get(f"/api/v1/attachments/org.role/{unit.pk}/").status_code == 404  # not declared

    reader = api_client_for(people["reader"])
    assert reader.get(api(unit, attachment.pk)).status_code == 200
    assert reader.delete(api(unit, attachment.pk)).status_code == 403
    assert reader.post(api(unit), {"file": [upload("x.pdf", PDF)]}, format="multipart").status_code == 403
    assert Attachment.objects.count() == 1 and records().count() == 1


def test_a_declared_policy_is_asked_by_every_path(declared, tree, people, client_for, api_client_for):
    """The add policy is the service's: the page, the API and a direct call are all refused by it."""
    def closed(actor, unit):
        raise PermissionDenied("本单位暂停上传附件。")

    attachments.register(OrgUnit, view_permission="org.view_orgunit", change_permission="org.change_orgunit",
                         add_policy=closed)
    unit = tree.city_a_agency
    with acting_as(people["a_admin"]), pytest.raises(PermissionDenied, match="暂停上传"):
        attachments.attachment_add(obj=unit, file=upload("a.pdf", PDF))
    response = api_client_for(people["a_admin"]).post(api(unit), {"file": [upload("a.pdf", PDF)]}, format="multipart")
    assert response.status_code == 403 and response.json()["error"]["message"] == "本单位暂停上传附件。"
    assert client_for(people["a_admin"]).post(page("upload", unit), {"files": [upload("a.pdf", PDF)]}).status_code == 403
    assert not Attachment.objects.exists() and not records().exists()


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------

def test_history_entries_and_the_timeline_partial(declared, tree, people, client_for):
    unit = tree.city_a_agency
    with acting_as(people["a_admin"]):
        history.add(unit, "renamed", "更名为 甲市机关事务服务中心", document="甲编〔2026〕3号",
                    data={"old": "甲市机关事务管理局"})
        attachment = attachments.attachment_add(obj=unit, file=upload("批复.pdf", PDF))
    entries = list(history.entries(unit))
    assert [(e.kind, e.actor, e.content_type) for e in entries] == [
        ("renamed", people["a_admin"], ContentType.objects.get_for_model(OrgUnit)),
        ("attachment", people["a_admin"], ContentType.objects.get_for_model(OrgUnit))]
    assert entries[0].data == {"old": "甲市机关事务管理局"} and entries[0].document == "甲编〔2026〕3号"
    assert not history.entries(tree.city_b_agency).exists()  # per object

    html = render_to_string("core/_timeline.html", history.context(unit))
    assert "单位履历" in html and "更名" in html and "更名为 甲市机关事务服务中心" in html
    assert html.index("上传附件：批复.pdf") < html.index("更名为")  # newest first
    # The upload's entry links the file while it exists.
    assert f'<a href="{page("download", unit, attachment)}">批复.pdf</a>' in html

    attachments_html = render_to_string("core/_attachments.html", attachments.attachments_context(
        unit, people["reader"]))
    assert f'href="{page("download", unit, attachment)}">批复.pdf</a>' in attachments_html
    assert 'id="attachment-form"' not in attachments_html  # the reader may not add


def test_history_of_an_undeclared_model_is_refused(tree):
    with pytest.raises(LookupError, match="keeps no history"):
        history.add(tree.city_a, "renamed", "x")
    with pytest.raises(LookupError, match="takes no attachments"):
        attachments.attachment_add(obj=tree.city_a, file=upload("a.pdf", PDF))


def test_file_checks_run_without_a_database():
    with pytest.raises(ValidationError, match="是空文件"):
        attachments.attachment_check(upload("空.pdf", b""))
    kind, content_type, sha256, name = attachments.attachment_check(upload("../../etc/报告.pdf", PDF))
    assert (kind, content_type, name) == ("document", "application/pdf", "报告.pdf") and len(sha256) == 64
