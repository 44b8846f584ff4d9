"""Check uploaded proofs by their content, not their name."""

from __future__ import annotations

import mimetypes
from typing import cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

# Leading bytes of the formats families may send as proof.
SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
}


class UploadRefused(ValueError):
    """The file is not an accepted proof; the message says why in French."""


def check_proof(upload: File) -> str:
    """Return the file's real extension, or raise UploadRefused (size or content)."""
    limit = int(settings.MAX_UPLOAD_BYTES)
    if upload.size is not None and upload.size > limit:
        raise UploadRefused(
            _("Le justificatif dépasse %(mb)s Mo : envoyez un fichier plus léger.")
            % {"mb": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, extension in SIGNATURES.items():
        if head.startswith(signature):
            return extension
    raise UploadRefused(
        _("Le justificatif doit être un PDF, un JPEG ou un PNG : ce fichier n'en est pas un.")
    )


def serve_proof(name: str) -> HttpResponse:
    """Answer with a stored proof, shown inline and never cached; 404 when it is missing.

    Every proof view (the family's own, the inbox's, the QF attestation's) checks who may
    see the file first, then calls this.
    """
    if not name:
        raise Http404
    try:
        handle = default_storage.open(name)
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A streamed file is typed apart from HttpResponse; views pass it through unchanged.
    return cast(HttpResponse, response)
