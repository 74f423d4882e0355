"""Journey folder: photos CRUD (upload, list, get, download, delete)."""

from __future__ import annotations

from typing import Any

from tools.postman.requests import (
    PHOTO_FIXTURE,
    bearer,
    folder,
    item,
    presigned_get,
    upload,
)
from tools.postman.schemas import REPO_ROOT, contract
from tools.postman.scripts import error, js, shape, status


def photos_flow() -> dict[str, Any]:
    """The folder uploading, listing, getting, downloading and deleting a photo."""
    return folder(
        "Photos CRUD",
        "Every call sends `Authorization: Bearer {{accessToken}}`. The upload sends "
        f"`{PHOTO_FIXTURE}` as the multipart part `file`: in the Postman app, set "
        "Settings → General → Working directory to the repository root.",
        [*_upload(), *_list_and_get(), *_download_and_delete()],
    )


def _photo_size() -> int:
    """Bytes of the PNG fixture: what the upload's answer and the download must show."""
    return (REPO_ROOT / PHOTO_FIXTURE).stat().st_size


def _upload() -> list[dict[str, Any]]:
    """A new user has no photos; upload the PNG fixture and keep its id."""
    size = _photo_size()
    return [
        item(
            "List photos (none yet)",
            "listPhotos",
            auth=bearer("accessToken"),
            tests=status(200, "OK")
            + shape("{items, next_cursor}", contract("PhotoPage"))
            + js(r"""
            pm.test('a new user has no photos', () => {
                pm.expect(pm.response.json().items).to.eql([]);
                pm.expect(pm.response.json().next_cursor).to.equal(null);
            });
            """),
        ),
        upload(
            "Upload a photo",
            PHOTO_FIXTURE,
            "image/png",
            tests=status(201, "Created")
            + shape("a photo", contract("Photo"))
            + js(rf"""
            const photo = pm.response.json();
            pm.test('the photo is the uploaded PNG', () => {{
                pm.expect(photo.filename).to.equal('moment.png');
                pm.expect(photo.content_type).to.equal('image/png');
                pm.expect(photo.size_bytes).to.equal({size});
            }});
            pm.collectionVariables.set('photoId', photo.photo_id);
            """),
        ),
    ]


def _list_and_get() -> list[dict[str, Any]]:
    """The list holds the upload; get it, polling until it is ready."""
    return [
        item(
            "List photos",
            "listPhotos",
            auth=bearer("accessToken"),
            query={"limit": "10"},
            tests=status(200, "OK")
            + shape("{items, next_cursor}", contract("PhotoPage"))
            + js(r"""
            pm.test('the list holds the uploaded photo only', () => {
                const ids = pm.response.json().items.map(p => p.photo_id);
                pm.expect(ids).to.eql([pm.collectionVariables.get('photoId')]);
            });
            """),
        ),
        item(
            "Get the photo",
            "getPhoto",
            params={"photo_id": "{{photoId}}"},
            auth=bearer("accessToken"),
            tests=status(200, "OK")
            + shape("a photo", contract("Photo"))
            + js(r"""
            // S3's event makes an upload ready asynchronously: poll with backoff.
            const photo = pm.response.json();
            const polls = Number(pm.collectionVariables.get('photoPolls') || 0);
            if (photo.status === 'pending' && polls < 20) {
                pm.collectionVariables.set('photoPolls', polls + 1);
                setTimeout(() => postman.setNextRequest('Get the photo'), Math.min(2000, 100 * 2 ** polls));
            } else {
                pm.collectionVariables.unset('photoPolls');
                pm.test('it is the uploaded photo, ready, with its size and a thumbnail', () => {
                    pm.expect(photo.photo_id).to.equal(pm.collectionVariables.get('photoId'));
                    pm.expect(photo.status).to.equal('ready');
                    pm.expect(photo.width).to.be.a('number');
                    pm.expect(photo.thumbnail_url).to.match(/^https?:\/\//);
                });
                pm.collectionVariables.set('photoUrl', photo.original_url);
            }
            """),
        ),
    ]


def _download_and_delete() -> list[dict[str, Any]]:
    """Download the bytes through the presigned URL, delete, then 404."""
    size = _photo_size()
    return [
        presigned_get(
            "Download it through the presigned URL",
            "photoUrl",
            description="The short-lived presigned GET URL; no Authorization header.",
            tests=status(200, "OK")
            + js(rf"""
            pm.test('the bytes are the uploaded PNG', () => {{
                pm.expect(pm.response.stream.length).to.equal({size});
                pm.expect(pm.response.stream.slice(1, 4).toString()).to.equal('PNG');
            }});
            """),
        ),
        item(
            "Delete the photo",
            "deletePhoto",
            params={"photo_id": "{{photoId}}"},
            auth=bearer("accessToken"),
            tests=status(204, "No Content")
            + js(r"""
            pm.test('no body', () => pm.expect(pm.response.text()).to.equal(''));
            """),
        ),
        item(
            "Get the deleted photo → 404",
            "getPhoto",
            params={"photo_id": "{{photoId}}"},
            auth=bearer("accessToken"),
            tests=error(404, "Not Found", "not_found"),
        ),
    ]
