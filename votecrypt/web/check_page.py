"""What the board server serves at `/`: the read-only check page and the library it runs
(spec 17.7), never the voting booth.

A station serves its own installed booth; the board gives the stations data only. The files
here let any device look up a tracking code and check a challenged ballot's opening itself.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

CHECK_PAGE = "check.html"
#: The check page's files: the page, its script and style, and the ballot library.
PUBLIC_FILES = frozenset(
    {CHECK_PAGE, "check.js", "bilingual.js", "booth.css", "favicon.svg", "votecrypt.js"}
)
PUBLIC_FOLDERS = ("lib/", "vendor/")


def is_public(path: str) -> bool:
    """Whether the board serves this file of the static directory (never the booth)."""
    return path in PUBLIC_FILES or (path.startswith(PUBLIC_FOLDERS) and ".." not in path)


class CheckPageFiles(StaticFiles):
    """Static files limited to the check page's; `/` is the check page."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path in ("", "."):
            path = CHECK_PAGE
        if not is_public(path):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
