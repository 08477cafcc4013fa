"""The board server: the bulletin board of one election over HTTP (`votecrypt serve`).

    store = SqliteBoardStore.open(ElectionDir(path), group)
    app = create_app(store, ServerSettings())
    serve(app, store, host="127.0.0.1", port=8000)

The API is described by spec/api/openapi.json (served at /openapi.json). Ballots are checked
in full (spec 11.3) before they are acknowledged: signatures and proofs on a local process
pool, then the board's own checks and the append in one writer thread.
"""

from votecrypt.web.app import create_app
from votecrypt.web.settings import ServerSettings
from votecrypt.web.store import BoardStore, SqliteBoardStore

__all__ = ["BoardStore", "ServerSettings", "SqliteBoardStore", "create_app"]
