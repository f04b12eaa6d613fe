"""The sync API's HTTP edge (docs/sync.md): JSON endpoints under ``/api/sync/v1/`` and the page
that the verification link opens, ``/sync/verify/<token>/``. Each view parses, calls one
function of :mod:`twostep.server.sync` or :mod:`twostep.server.usecases.sync`, and presents."""
