"""The family identifier letter: its content once, rendered as a printable page or a PDF.

In the spirit of the commune's original letter (docs' seed), minus its flaw: it never carries
a password. It gives the identifier and says how to choose a password through a link.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import ServiceContact
from families.models import Family

NBSP = "\u00a0"


@dataclass(frozen=True)
class LetterContact:
    """A service the family can call or write to."""

    service: str
    person: str
    domain: str
    phone: str
    email: str
    hours: str


@dataclass(frozen=True)
class Letter:
    """Everything the letter says, in order; both renderings read only this."""

    family_identifier: str
    sender_lines: list[str]
    place_and_date: str
    reference: str
    recipient_lines: list[str]
    subject: str
    salutation: str
    introduction: list[str]
    identifier_label: str
    portal_label: str
    portal_url: str
    steps_title: str
    steps: list[str]
    notes: list[str]
    contacts_title: str
    contacts: list[LetterContact]
    closing: str
    signature: str


def _quoted(text: str) -> str:
    """Put French quotation marks with no-break spaces around `text`."""
    return f"«{NBSP}{text}{NBSP}»"


def build_letter(family: Family, *, base_url: str, today: date) -> Letter:
    """Write the identifier letter of `family` (two queries: guardians, contacts)."""
    commune = settings.MARELLE_COMMUNE_NAME
    base = base_url.rstrip("/")
    portal_url = base + reverse("portal:login")
    guardians = list(family.guardians.order_by("-is_payer", "pk"))
    services = list(ServiceContact.objects.all())
    contacts = [
        LetterContact(
            service=c.service,
            person=c.person,
            domain=c.get_domain_display(),
            phone=c.phone,
            email=c.email,
            hours=c.hours,
        )
        for c in services
    ]
    signature = next(
        (c.service for c in services if c.domain == ServiceContact.Domain.EDUCATION),
        services[0].service if services else _("Service Éducation"),
    )
    recipient_lines = [_("Famille %(name)s") % {"name": family.name}]
    names = [f"{g.first_name} {g.last_name}" for g in guardians]
    if names:
        recipient_lines.append(_(" et ").join(names))
    recipient_lines += [family.address_line, f"{family.postal_code} {family.city}".strip()]
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    steps = [
        _("Ouvrez le portail famille à l'adresse %(url)s.") % {"url": portal_url},
        _("Cliquez sur %(link)s et saisissez votre identifiant famille, %(identifier)s.")
        % {"link": _quoted(_("Mot de passe oublié ?")), "identifier": family.identifier},
        _(
            "Vous recevez aussitôt, à l'adresse e-mail que vous avez donnée à la mairie, un lien "
            "valable %(minutes)s minutes : ouvrez-le et choisissez votre mot de passe."
        )
        % {"minutes": minutes},
        _(
            "Connectez-vous ensuite avec votre identifiant famille (ou votre adresse e-mail) et "
            "ce mot de passe."
        ),
    ]
    notes = []
    if not any(g.email for g in guardians):
        notes.append(
            _(
                "La mairie n'a pas encore d'adresse e-mail pour votre famille : communiquez-la au "
                "service ci-dessous, sans quoi le lien ne pourra pas vous être envoyé."
            )
        )
    notes += [
        _(
            "Si vous avez reçu l'e-mail %(subject)s, le lien qu'il contient permet aussi de "
            "choisir votre mot de passe."
        )
        % {"subject": _quoted(_("activez votre compte"))},
        _(
            "Pour votre sécurité, la mairie ne vous enverra jamais de mot de passe, ni par "
            "courrier ni par e-mail."
        ),
        _(
            "Sans accès à internet, vous pouvez toujours faire vos réservations et déclarer vos "
            "absences auprès du service, au guichet ou par téléphone."
        ),
    ]
    return Letter(
        family_identifier=family.identifier,
        sender_lines=[_("Mairie de %(commune)s") % {"commune": commune}, signature],
        place_and_date=_("%(commune)s, le %(date)s")
        % {"commune": commune, "date": date_format(today, "j F Y")},
        reference=_("Nos réf. : %(identifier)s") % {"identifier": family.identifier},
        recipient_lines=[line for line in recipient_lines if line],
        subject=_("Objet : Portail Famille – votre identifiant"),
        salutation=_("Madame, Monsieur,"),
        introduction=[
            _("La commune a mis en place un portail famille, accessible à l'adresse %(url)s.")
            % {"url": base + "/"},
            _(
                "Vous pouvez y réserver la cantine, l'étude et l'accueil de loisirs pour vos "
                "enfants, déclarer leurs absences et payer vos factures en ligne."
            ),
        ],
        identifier_label=_("Votre identifiant famille"),
        portal_label=_("Adresse du portail"),
        portal_url=portal_url,
        steps_title=_("Pour activer votre compte"),
        steps=steps,
        notes=notes,
        contacts_title=_(
            "Pour plus de renseignements, les services de la mairie sont à votre disposition :"
        ),
        contacts=contacts,
        closing=_(
            "Vous souhaitant bonne réception de la présente, nous vous prions d'agréer, Madame, "
            "Monsieur, l'expression de nos sincères salutations."
        ),
        signature=signature,
    )


def contact_line(contact: LetterContact) -> str:
    """Return a contact on one line: service, person, domain, phone, e-mail, hours."""
    head = contact.service
    if contact.person:
        head = f"{head}, {contact.person}"
    parts = [f"{head} ({contact.domain})"]
    parts += [p for p in (contact.phone, contact.email, contact.hours) if p]
    return " – ".join(parts)


def letter_pdf(letter: Letter, *, compress: bool = True) -> bytes:
    """Render the letter as an A4 PDF (Helvetica's encoding covers é, «, », € and œ)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=5)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11.5, spaceAfter=2)
    bold = ParagraphStyle("bold", parent=body, fontName="Helvetica-Bold")
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
    label = ParagraphStyle("label", parent=body, alignment=TA_CENTER, spaceAfter=2)
    big = ParagraphStyle(
        "big", fontName="Helvetica-Bold", fontSize=24, leading=29, alignment=TA_CENTER
    )
    url = ParagraphStyle("url", parent=body, alignment=TA_CENTER, fontName="Helvetica-Bold")
    heading = ParagraphStyle(
        "heading", parent=body, fontName="Helvetica-Bold", fontSize=11.5, spaceBefore=4
    )

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    def lines(items: list[str], style: ParagraphStyle) -> Paragraph:
        return Paragraph("<br/>".join(escape(item) for item in items), style)

    identifier_box = Table(
        [
            [para(letter.identifier_label, label)],
            [para(letter.family_identifier, big)],
            [para(letter.portal_label, label)],
            [para(letter.portal_url, url)],
        ],
        colWidths=[120 * mm],
    )
    identifier_box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    header = Table(
        [
            [
                lines(letter.sender_lines, bold),
                lines([letter.place_and_date, letter.reference], right),
            ]
        ],
        colWidths=[85 * mm, 85 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    recipient = Table([[None, lines(letter.recipient_lines, body)]], colWidths=[95 * mm, 75 * mm])

    story = [
        header,
        Spacer(1, 10 * mm),
        recipient,
        Spacer(1, 9 * mm),
        para(letter.subject, bold),
        Spacer(1, 3 * mm),
        para(letter.salutation),
        *[para(text) for text in letter.introduction],
        Spacer(1, 2 * mm),
        identifier_box,
        Spacer(1, 4 * mm),
        para(letter.steps_title, heading),
        ListFlowable(
            [ListItem(para(step), leftIndent=14) for step in letter.steps],
            bulletType="1",
            bulletFontName="Helvetica-Bold",
            bulletFontSize=10,
            leftIndent=14,
        ),
        Spacer(1, 2 * mm),
        *[para(text) for text in letter.notes],
        KeepTogether(
            [
                para(letter.contacts_title),
                *[para("– " + contact_line(c), small) for c in letter.contacts],
            ]
        ),
        Spacer(1, 2 * mm),
        KeepTogether([para(letter.closing), Spacer(1, 4 * mm), lines([letter.signature], right)]),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=letter.subject,
        author=letter.sender_lines[0],
        lang="fr-FR",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()
