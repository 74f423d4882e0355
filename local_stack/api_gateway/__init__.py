"""The emulated API Gateway REST API (the API port): routing, CORS preflight and the
authorizer step (:mod:`.proxy`, :class:`Gateway`), the proxy event (:mod:`.proxy_event`),
proxy results and gateway responses (:mod:`.responses`), the request as sent
(:mod:`.http_request`), the Cognito user pools authorizer (:mod:`.authorizer`) and the
dev-only ``/_local`` routes and static web app (:mod:`.dev_routes`, :mod:`.api_docs`)."""
