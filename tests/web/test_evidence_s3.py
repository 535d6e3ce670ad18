"""Evidence in an S3-compatible object storage (issue 12, deployment): STORAGE_S3_BUCKET
switches the default storage to django-storages' S3 backend (local disk otherwise). Against a
local S3 server (moto's, on 127.0.0.1, started by the test): an upload lands in the bucket as
a private object, is downloaded only through the permission-checked view (never a bucket
address), and its deletion removes the object. The storage options are the ones settings.py
builds from the environment (read in a fresh process), not a copy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.assessment.models import Evidence

ROOT = Path(__file__).resolve().parents[2]
KEY_ID, SECRET = "parindex-test-key", "parindex-test-secret"  # the local server's, no real one


def pdf(marker: bytes = b"") -> bytes:
    """A small PDF (the upload check reads the type from the content)."""
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + marker + b"\n%%EOF\n"


def settings_storages(tmp_path: Path, **env: str) -> dict:
    """settings.STORAGES as settings.py builds it from `env`, in a fresh process."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STORAGE_S3_", "S3_", "AWS_")) and k != "PYTEST_VERSION"
    }
    base |= {"PARINDEX_DATA_DIR": str(tmp_path), "DEBUG": "true"}
    code = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES))"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "parindex.settings"} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_local_disk_by_default_and_s3_when_a_bucket_is_set(tmp_path):
    default = settings_storages(tmp_path)["default"]
    assert default == {"BACKEND": "parindex.common.storage.FileSystemStorage"}
    s3 = settings_storages(
        tmp_path,
        STORAGE_S3_BUCKET="cchc-tai-lieu",
        S3_ENDPOINT_URL="https://s3.example.vn",
        S3_ACCESS_KEY_ID="AK",
        S3_SECRET_ACCESS_KEY="SK",
        S3_PREFIX="/parindex/",
        S3_ADDRESSING_STYLE="path",
    )["default"]
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert options["bucket_name"] == "cchc-tai-lieu"
    assert options["endpoint_url"] == "https://s3.example.vn"
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")
    assert options["location"] == "parindex" and options["addressing_style"] == "path"
    # never overwritten, no public ACL, any address signed and short-lived
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 3600


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3-compatible server (moto) on 127.0.0.1, stopped after the module."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(settings, s3_endpoint, tmp_path, monkeypatch):
    """The default storage switched to a fresh bucket of the local server, with the options
    settings.py makes from the environment; yields (boto3 client, bucket, prefix)."""
    import boto3

    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never look for a cloud role
    bucket = f"parindex-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    storages = settings_storages(
        tmp_path,
        STORAGE_S3_BUCKET=bucket,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID=KEY_ID,
        S3_SECRET_ACCESS_KEY=SECRET,
        S3_PREFIX="parindex",
        S3_ADDRESSING_STYLE="path",
    )
    settings.STORAGES = {**settings.STORAGES, "default": storages["default"]}
    yield client, bucket, "parindex/"


@pytest.mark.django_db
def test_evidence_goes_to_the_bucket_and_comes_back_only_through_the_view(
    s3, self_world, self_login
):
    client_s3, bucket, prefix = s3
    p = self_world["p"]
    officer = self_login(self_world["officer"])
    content = pdf(b"% so-12-KH")
    response = officer.post(
        reverse("evidence_upload", args=[p.pk]),
        {"file": SimpleUploadedFile("ke-hoach.pdf", content), "title": "Kế hoạch CCHC"},
    )
    assert response.status_code == 302
    ev = Evidence.objects.get()
    key = prefix + ev.file.name
    assert ev.file.name.startswith(f"evidence/{p.cycle_id}/{p.unit_id}/")
    # the object is in the bucket, whole, and private: no grant to everyone
    assert client_s3.get_object(Bucket=bucket, Key=key)["Body"].read() == content
    grants = client_s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
    # nothing on disk: MEDIA_ROOT is not used
    from django.conf import settings

    assert not (Path(settings.MEDIA_ROOT) / ev.file.name).exists()

    # the library links the app's download view, never the bucket
    library = officer.get(reverse("evidence_library", args=[p.pk])).content.decode()
    download = reverse("evidence_download", args=[ev.pk])
    assert download in library
    assert bucket not in library and "X-Amz-Signature" not in library

    got = officer.get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == content
    assert got["Content-Disposition"].startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff"
    # an officer of another unit gets nothing: the same 404 as for a missing document
    assert self_login(self_world["other"]).get(download).status_code == 404
    assert self_login(None).get(download).status_code == 302  # to the login page

    # any address the storage would make is signed and expires (not a public URL)
    url = ev.file.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url

    # deleting the file removes the object; the view then answers 404, not a 500
    ev.file.delete(save=False)
    listed = client_s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "evidence/")
    assert listed.get("KeyCount", 0) == 0
    ev.file.name = key[len(prefix) :]
    ev.save()
    assert officer.get(download).status_code == 404


@pytest.mark.django_db
def test_an_unreachable_object_storage_refuses_the_upload_cleanly(
    settings, self_world, self_login, tmp_path
):
    """The bucket's server out of reach: the upload is refused with a message, no row."""
    storages = settings_storages(
        tmp_path,
        STORAGE_S3_BUCKET="parindex-missing",
        S3_ENDPOINT_URL="http://127.0.0.1:9",  # discard port: nothing listens
        S3_ACCESS_KEY_ID=KEY_ID,
        S3_SECRET_ACCESS_KEY=SECRET,
        S3_REGION="us-east-1",
    )
    from botocore.config import Config

    default = storages["default"]
    default["OPTIONS"]["client_config"] = Config(  # refused at once: no retries
        connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 1}
    )
    settings.STORAGES = {**settings.STORAGES, "default": default}
    p = self_world["p"]
    officer = self_login(self_world["officer"])
    response = officer.post(
        reverse("evidence_upload", args=[p.pk]),
        {"file": SimpleUploadedFile("ke-hoach.pdf", pdf())},
    )
    assert response.status_code == 200
    assert "Không lưu được tệp vào kho lưu trữ" in response.content.decode()
    assert not Evidence.objects.exists()
