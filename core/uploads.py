"""Check uploaded proofs by their content, not their name."""

from __future__ import annotations

from django.conf import settings
from django.core.files import File
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
