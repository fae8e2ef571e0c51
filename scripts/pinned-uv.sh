# Sourced by scripts/lock and scripts/check-deps: sets $uv to the pinned uv release, taken from
# PATH when it is that version, else installed with pip into a throwaway venv under $tmp
# (which the caller creates and removes).
UV_VERSION=0.13.9
uv=uv
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    echo "installing uv $UV_VERSION into a throwaway venv ..." >&2
    "${PYTHON:-python3}" -m venv "$tmp/uv-venv"
    "$tmp/uv-venv/bin/python" -m pip install --quiet "uv==$UV_VERSION"
    uv="$tmp/uv-venv/bin/uv"
fi
