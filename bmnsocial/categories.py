"""The 17 uses of social media ranked by the BMN's communication policy.

Source: ``shared/seed/bmn-redes-sociales.txt`` ("Ordenados de mayor a menor"): rank 1 is the most
important use. Slugs are stable ASCII identifiers that post files may use instead of the rank.
The ``rules`` of each category are checked by :mod:`bmnsocial.render.validation` and documented in
docs/post-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bmnsocial.i18n import N_, current


class Rule(StrEnum):
    NEEDS_EVENT_START = "needs-event-start"
    NEEDS_IMAGE = "needs-image"
    NEEDS_LINK = "needs-link"
    SUGGESTS_LINK = "suggests-link"
    SUGGESTS_IMAGE_OR_LINK = "suggests-image-or-link"
    NEEDS_HASHTAG = "needs-hashtag"
    SUGGESTS_QUESTION = "suggests-question"
    NEEDS_STREAM = "needs-stream"
    NEEDS_CONSENT = "needs-consent"
    NEEDS_APPROVAL = "needs-approval"


#: How the rules read in text output (JSON keeps Rule's values): shown with ``_(RULE_NAMES[r])``.
RULE_NAMES: dict[Rule, str] = {
    Rule.NEEDS_EVENT_START: N_("needs-event-start"),
    Rule.NEEDS_IMAGE: N_("needs-image"),
    Rule.NEEDS_LINK: N_("needs-link"),
    Rule.SUGGESTS_LINK: N_("suggests-link"),
    Rule.SUGGESTS_IMAGE_OR_LINK: N_("suggests-image-or-link"),
    Rule.NEEDS_HASHTAG: N_("needs-hashtag"),
    Rule.SUGGESTS_QUESTION: N_("suggests-question"),
    Rule.NEEDS_STREAM: N_("needs-stream"),
    Rule.NEEDS_CONSENT: N_("needs-consent"),
    Rule.NEEDS_APPROVAL: N_("needs-approval"),
}


@dataclass(frozen=True, slots=True)
class Category:
    rank: int
    slug: str
    label_es: str
    label_en: str
    rules: tuple[Rule, ...]

    def label(self, language: str | None = None) -> str:
        """The label in ``language`` (default: the messages' language): the seed's Spanish
        verbatim, or its English translation."""
        return self.label_es if (language or current()) == "es" else self.label_en


CATEGORIES: tuple[Category, ...] = (
    Category(1, "eventos-biblioteca", "Compartir información sobre eventos de la biblioteca.",
             "Share information about library events.", (Rule.NEEDS_EVENT_START,)),
    Category(2, "fotos-eventos", "Compartir fotos sobre eventos de la biblioteca.",
             "Share photos of library events.", (Rule.NEEDS_IMAGE,)),
    Category(3, "servicios-productos",
             "Compartir información sobre los servicios y productos de biblioteca.",
             "Share information about library services and products.", (Rule.SUGGESTS_LINK,)),
    Category(4, "colecciones", "Resaltar las colecciones de la biblioteca.",
             "Highlight the library's collections.", (Rule.SUGGESTS_IMAGE_OR_LINK,)),
    Category(5, "publicaciones",
             "Compartir publicaciones relacionadas con documentos o de la biblioteca.",
             "Share publications about documents or by the library.", (Rule.NEEDS_LINK,)),
    Category(6, "invitar-comentarios", "Invitar a que los seguidores hagan comentarios.",
             "Invite followers to comment.", (Rule.SUGGESTS_QUESTION,)),
    Category(7, "eventos-comunidad", "Compartir otros eventos o noticias de la comunidad.",
             "Share other community events or news.", (Rule.SUGGESTS_LINK,)),
    Category(8, "ilustraciones", "Ilustraciones hechas o expuestas en la biblioteca.",
             "Illustrations made or exhibited at the library.", (Rule.NEEDS_IMAGE,)),
    Category(9, "interes-local", "Temas de interés local.", "Topics of local interest.", ()),
    Category(10, "referencias-asesoramiento",
             "Proporcionar referencias o asesoramiento a los usuarios.",
             "Provide references or advice to users.", (Rule.SUGGESTS_LINK,)),
    Category(11, "noticias-cultura", "Noticias cultura.", "Cultural news.", (Rule.SUGGESTS_LINK,)),
    Category(12, "detras-de-escena", "Imágenes de la vida laboral detrás de la escena.",
             "Behind-the-scenes images of working life.", (Rule.NEEDS_IMAGE, Rule.NEEDS_CONSENT)),
    Category(13, "hashtags", "Aprovechar hashtags.", "Make use of hashtags.",
             (Rule.NEEDS_HASHTAG,)),
    Category(14, "compromiso", "Enfocados al compromiso (ej. chats).",
             "Focused on engagement (e.g. chats).", (Rule.SUGGESTS_QUESTION,)),
    Category(15, "personal-voluntarios-usuarios", "Personal, voluntarios y usuarios.",
             "Staff, volunteers and users.", (Rule.NEEDS_CONSENT,)),
    Category(16, "transmisiones-en-vivo", "Transmisiones en vivo.", "Live streams.",
             (Rule.NEEDS_STREAM,)),
    Category(17, "politica-publica", "Abogar por cuestiones de política pública.",
             "Advocate on public policy issues.", (Rule.NEEDS_APPROVAL,)),
)

#: Stands in for a category a draft names wrongly, so that its preview can still be drawn.
UNKNOWN = Category(0, "?", "(categoría desconocida)", "(unknown category)", ())

BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES}
BY_RANK: dict[int, Category] = {c.rank: c for c in CATEGORIES}


def lookup(value: str | int) -> Category | None:
    """Find a category by slug (case-insensitive) or by rank number, as int or numeric text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return BY_RANK.get(value)
    text = value.strip()
    if text.isdigit():
        return BY_RANK.get(int(text))
    return BY_SLUG.get(text.lower())
