"""Benchmark bmnsocial.posts.twitter_text.parse_tweet against twitter-text-parser 3.0.0.

Not a test: run it by hand, ``python benchmarks/bench_tweet_count.py``. It makes a throwaway
venv in a temporary directory, installs twitter-text-parser 3.0.0 (with setuptools<82: it
imports pkg_resources) and this project there, and times both counters on the same ~2,000
realistic texts (Spanish, emoji, URLs, up to 280 characters) inside that venv, after checking
that they agree on every field of every text. Needs network access to PyPI.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs inside the throwaway venv: argv[1] is the texts' JSON file, argv[2] the timing runs.
TIMING_SCRIPT = r"""
import json
import sys
import time

texts = json.load(open(sys.argv[1], encoding="utf-8"))
repeats = int(sys.argv[2])

t0 = time.perf_counter()
import twitter_text as ref  # twitter-text-parser
t_ref_import = time.perf_counter() - t0
t0 = time.perf_counter()
from bmnsocial.posts import twitter_text as ours
t_ours_import = time.perf_counter() - t0
t0 = time.perf_counter()
ours.parse_tweet("warm-up 😀 https://example.com")
t_ours_first = time.perf_counter() - t0

fields = {
    "weightedLength": "weighted_length",
    "valid": "valid",
    "permillage": "permillage",
    "validRangeStart": "valid_range_start",
    "validRangeEnd": "valid_range_end",
    "displayRangeStart": "display_range_start",
    "displayRangeEnd": "display_range_end",
}
disagree = 0
for text in texts:
    a = ref.parse_tweet(text)
    b = ours.parse_tweet(text)
    diff = {
        k: (getattr(a, k), getattr(b, v))
        for k, v in fields.items()
        if getattr(a, k) != getattr(b, v)
    }
    if diff:
        disagree += 1
        if disagree <= 10:
            print("DISAGREE", repr(text), diff)


def best_of(fn):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for text in texts:
            fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


t_ref = best_of(ref.parse_tweet)
t_ours = best_of(ours.parse_tweet)
n = len(texts)
chars = sum(map(len, texts))
print(f"texts: {n}, {chars / n:.0f} characters on average, max {max(map(len, texts))}")
print(f"agreement: {n - disagree}/{n} texts agree on all 7 fields")
print(f"best of {repeats} runs over all texts:")
print(f"  twitter-text-parser 3.0.0: {t_ref:.3f} s ({t_ref / n * 1e6:.1f} us/text)")
print(f"  bmnsocial.posts.twitter_text:    {t_ours:.3f} s ({t_ours / n * 1e6:.1f} us/text)")
print(f"ratio: ours is {t_ref / t_ours:.1f}x faster")
print(f"import: twitter_text {t_ref_import * 1e3:.1f} ms,"
      f" bmnsocial.posts.twitter_text {t_ours_import * 1e3:.1f} ms;"
      f" our first call (builds its tables) {t_ours_first * 1e3:.1f} ms")
sys.exit(1 if disagree else 0)
"""

# Pieces of text, blank-separated.
_WORDS = """
la el los las de del en y a por para con sin sobre entre desde hasta según durante
biblioteca médica nacional salud pública información científica revista artículo
investigación médicos enfermería estudiantes profesores lectores usuarios servicio
consulta catálogo colección libros revistas bases datos acceso abierto gratuito taller
curso conferencia jornada congreso presentación nuevo nueva disponible hoy mañana
próximo semana mes año horario lunes martes miércoles jueves viernes sábado atención
referencia búsqueda bibliográfica diabetes hipertensión corazón cáncer prevención
vacunación niños niñas adolescentes mujeres embarazo nutrición epidemiología también
además aquí allí más menos muy todos todas invitamos participar conocer leer descargar
inscribirse gracias felicidades aniversario día mundial
"""
_TAGS = """
#Salud #Cuba #BMN #Infomed #CienciaAbierta #Bibliotecas #SaludPública
@infomedcuba @MINSAPCuba @OPSOMS @bmn_cuba
"""
# Only emoji that twitter-text-parser's 2019 data knows (it over-counts newer ones).
_EMOJI = """
📚 📖 💉 💊 🏥 🔬 🧬 🦠 😷 ❤️ 💙 👍 👍🏽 👏🏾 🙌 ✅ 📅 ⏰ 📢 👉 ✨ 🎉 🌎 ☎️ 📧
👩\u200d⚕️ 👨\u200d⚕️ 🇨🇺 👨\u200d👩\u200d👧
"""
WORDS = _WORDS.split()
TAGS = _TAGS.split()
EMOJI = _EMOJI.split()
URLS = [
    "https://bmn.sld.cu",
    "https://bmn.sld.cu/noticias/2024/05/nueva-sala-de-lectura",
    "http://www.sld.cu/servicios/biblioteca/",
    "infomed.sld.cu",
    "bmn.sld.cu/catalogo",
    "https://t.co/Ab3dE5fG7h",
    "https://www.who.int/es/news-room/fact-sheets/detail/diabetes",
    "https://scielo.sld.cu/scielo.php?script=sci_serial&pid=0034-7523&lng=es",
    "https://doi.org/10.1016/j.jbi.2020.103456",
    "www.paho.org/es/temas/hipertension",
    "https://revsaludpublica.sld.cu/index.php/spu/article/view/1234",
    "https://youtu.be/dQw4w9WgXcQ",
]
PUNCT_END = [".", ".", "!", "?", ":", "…", ""]


def make_texts(count: int, seed: int) -> list[str]:
    """Deterministic tweet-like texts of 20-280 characters."""
    rnd = random.Random(seed)
    texts = []
    for _ in range(count):
        target = rnd.randint(20, 280)
        parts: list[str] = []
        length = 0
        while True:
            roll = rnd.random()
            if roll < 0.80:
                piece = rnd.choice(WORDS)
                if rnd.random() < 0.12:
                    piece = piece.capitalize() + rnd.choice(PUNCT_END)
            elif roll < 0.87:
                piece = rnd.choice(EMOJI)
            elif roll < 0.93:
                piece = rnd.choice(TAGS)
            else:
                piece = rnd.choice(URLS)
            if length + len(piece) + 1 > target:
                break
            parts.append(piece)
            length += len(piece) + 1
        text = " ".join(parts) or rnd.choice(WORDS)
        if rnd.random() < 0.1:
            text = text.replace(" ", "\n", 1)
        texts.append(text[0].upper() + text[1:])
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000, help="number of texts (2000)")
    parser.add_argument("--repeats", type=int, default=5, help="timing runs, best kept (5)")
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-tweet-count-") as tmp:
        tmpdir = Path(tmp)
        venv_dir = tmpdir / "venv"
        print(f"creating venv in {venv_dir} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True)
        bindir = "Scripts" if os.name == "nt" else "bin"
        python = venv_dir / bindir / ("python.exe" if os.name == "nt" else "python")
        # pip builds a setuptools project in its own directory (build/, *.egg-info): build
        # from a copy so that the work tree stays as it was.
        source = tmpdir / "src"
        shutil.copytree(
            ROOT,
            source,
            ignore=shutil.ignore_patterns(
                ".git", ".*cache", ".hypothesis", ".venv", ".ci-venv", "__pycache__",
                "build", "dist", "*.egg-info",
            ),
        )  # fmt: skip
        print("installing twitter-text-parser==3.0.0, setuptools<82 and bmnsocial ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "twitter-text-parser==3.0.0", "setuptools<82", str(source)],
            check=True,
        )  # fmt: skip
        texts_file = tmpdir / "texts.json"
        texts_file.write_text(
            json.dumps(make_texts(args.texts, args.seed), ensure_ascii=False), encoding="utf-8"
        )
        script = tmpdir / "timing.py"
        script.write_text(TIMING_SCRIPT, encoding="utf-8")
        # cwd=tmpdir so that the installed copy of bmnsocial is imported, not the work tree.
        result = subprocess.run(
            [str(python), str(script), str(texts_file), str(args.repeats)], cwd=tmpdir
        )
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
