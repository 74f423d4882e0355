"""The emulated API Gateway REST API: proxy events (:mod:`.proxy`), the Cognito user pools
authorizer (:mod:`.authorizer`) and the dev-only ``/_local`` routes (:mod:`.api_docs`)."""
