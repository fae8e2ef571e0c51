"""Draw the small sample images under posts/media/ (needs Pillow: pip install pillow).

They stand in for the BMN's real photos so that the sample posts validate and publish on the
sandbox. Run from the repository root: python scripts/make_sample_media.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path("posts/media")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
IMAGES = {
    "jornada-cientifica-cartel.jpg": ((0, 84, 147), "Jornada Científica BMN 2027", "21 de enero"),
    "taller-alfabetizacion-1.jpg": ((34, 120, 80), "Taller de alfabetización", "informacional"),
    "taller-alfabetizacion-2.jpg": ((60, 140, 100), "Búsqueda en LILACS", "práctica guiada"),
    "coleccion-historica-libro.jpg": ((120, 72, 30), "Colección histórica", "siglo XIX"),
    "catalogacion-equipo.jpg": ((90, 60, 120), "Detrás de escena", "catalogación"),
    "dia-ciencia-cubana.png": ((200, 40, 40), "Día de la Ciencia Cubana", "15 de enero"),
}


def draw(name: str, colour: tuple[int, int, int], title: str, subtitle: str) -> None:
    image = Image.new("RGB", (640, 360), colour)
    pen = ImageDraw.Draw(image)
    try:
        big, small = ImageFont.truetype(FONT, 36), ImageFont.truetype(FONT, 26)
    except OSError:
        big = small = ImageFont.load_default()
    pen.rectangle((20, 20, 620, 340), outline=(255, 255, 255), width=4)
    pen.text((320, 150), title, fill="white", font=big, anchor="mm")
    pen.text((320, 210), subtitle, fill="white", font=small, anchor="mm")
    pen.text((320, 310), "Biblioteca Médica Nacional", fill=(230, 230, 230), font=small,
             anchor="mm")
    path = OUT / name
    if path.suffix == ".png":
        image.save(path, optimize=True)
    else:
        image.save(path, quality=80, optimize=True)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for file_name, (rgb, heading, sub) in IMAGES.items():
        draw(file_name, rgb, heading, sub)
        print(OUT / file_name)
