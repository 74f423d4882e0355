"""Generate ``postman/moments.postman_collection.json`` (Postman Collection v2.1).

``python -m tools.postman_collection`` (or ``python -m tools.postman``) rewrites the file; ``--check`` exits 1 when the
committed file differs from what this script generates (``tests/tools`` runs it).

Why a generator rather than an edited export: the requests come from ``openapi.json``
(openapi-to-postmanv2 converts each operation, :func:`converted`) and the response shapes
are its schemas (:func:`contract`), so only the journey is written here: which operation
each step calls, the variables chained between steps, and readable JavaScript
assertions. The JSON file stays a plain artefact that the Postman app imports and
newman runs. To change a request, edit this file and regenerate; an edit made in the
Postman app and exported over the file is caught by the check above. Node.js is needed
(``npm ci`` installs the converter with newman).

The run, top to bottom and unattended, against the ``local`` environment:

1. Sign up → confirm → sign in: a unique email per run; the code comes from the local
   stack's dev inbox (``GET {{baseUrl}}/_local/inbox/{{email}}``).
2. Photos CRUD: multipart upload of ``postman/fixtures/moment.png`` (newman resolves
   ``src`` against ``--working-dir``, the repository root), list, get, download through
   the presigned URL, delete, 404 afterwards.
3. Token refresh (JSON and form bodies; a rotated refresh token replaces the old one).
4. Sign out: the refresh token is revoked, so refreshing with it fails.
5. Negative cases: 401 without a token and with an ID token, 400 bad bodies, 401 wrong
   password identical to an unknown user, 409 duplicate sign-up,
   ``unsupported_grant_type``, 415 for bytes that are not an image, 404 for an unknown id
   and for another user's photo.

Against the ``aws`` environment (``inboxLookup`` false) the code arrives by email: the
first run stops after sign-up, and the second run, with ``confirmationCode`` filled in,
goes on. The cross-user checks use ``otherUserEmail``/``otherUserPassword`` there and are
skipped when those are empty.

Modules: :mod:`.schemas` (response shapes from openapi.json), :mod:`.scripts` (the
JavaScript test pieces), :mod:`.requests` (openapi-to-postmanv2's requests by
operationId, and the request builders), one module per journey folder (:mod:`.auth`,
:mod:`.photos`, :mod:`.negative`, :mod:`.account`) and :mod:`.collection` (assembly and
the command line).
"""
