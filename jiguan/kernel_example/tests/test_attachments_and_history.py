"""The key register's attachments panel and timeline (kernel pieces declared by the register):
upload through the kernel's pages, shown on the key's page, its timeline naming each write,
scope and permission refusals."""

import io
from pathlib import Path

import pytest
from PIL import Image

from jiguan.audit.models import Action, AuditEvent
from jiguan.core import attachments, history
from jiguan.core.models import Attachment

LIST = "/kernel-example/keys/"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"
    return settings.JIGUAN_PRIVATE_ROOT


def png(name="photo.png"):
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")
    out.seek(0)
    out.name = name
    return out


def upload_url(key):
    return f"/attachments/kernel_example.key/{key.pk}/"


def test_the_register_declares_attachments_and_history():
    from jiguan.kernel_example.models import Key

    declared = attachments.declaration(Key)
    assert (declared.view_permission, declared.change_permission) == ("kernel_example.view_key",
                                                                       "kernel_example.change_key")
    assert history.is_registered(Key)


def test_a_photo_uploaded_on_the_key_page_is_shown_there_and_on_its_timeline(keys, keepers, client_for):
    key, client = keys["a"], client_for(keepers["a"])
    page = client.get(f"{LIST}{key.pk}/").content.decode()
    assert 'id="attachment-form"' in page and f'action="{upload_url(key)}"' in page
    first = AuditEvent.objects.order_by("-id").first().id
    response = client.post(upload_url(key), {"files": [png("门锁.png")], "description": "门锁照片"})
    assert response.status_code == 302
    attachment = Attachment.objects.get(object_id=key.pk)
    assert attachment.filename == "门锁.png" and attachment.kind == "photo"
    assert [e.action for e in AuditEvent.objects.filter(id__gt=first)] == [Action.CREATE]
    page = client.get(f"{LIST}{key.pk}/").content.decode()
    assert f'id="attachment-{attachment.pk}"' in page and "门锁照片" in page
    assert [e.kind for e in history.entries(key)] == ["create", "attachment"]
    download = client.get(f"{upload_url(key)}{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_attachments_outside_the_scope_or_without_the_right_are_refused(keys, keepers, client_for):
    response = client_for(keepers["a"]).post(upload_url(keys["b"]), {"files": [png()]})
    assert response.status_code == 404
    response = client_for(keepers["none"]).post(upload_url(keys["a"]), {"files": [png()]})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_a_reader_sees_the_panel_without_the_upload_form(keys, tree, client_for):
    from jiguan.core.testing import make_user

    leader = make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a, True)])
    page = client_for(leader).get(f"{LIST}{keys['a'].pk}/").content.decode()
    assert 'id="attachments"' in page and 'id="attachment-form"' not in page
    assert 'id="edit-link"' not in page  # nor the edit button
    assert 'id="timeline"' in page


def test_the_api_lists_the_keys_attachments(keys, keepers, client_for, api_client_for):
    key = keys["a"]
    client_for(keepers["a"]).post(upload_url(key), {"files": [png()]})
    response = api_client_for(keepers["a"]).get(f"/api/v1/attachments/kernel_example.key/{key.pk}/")
    assert response.status_code == 200
    assert [a["filename"] for a in response.json()["results"]] == ["photo.png"]
    assert api_client_for(keepers["b"]).get(f"/api/v1/attachments/kernel_example.key/{key.pk}/").status_code == 404
