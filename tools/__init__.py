"""Dev-only scripts behind the Makefile (env.json, newman, the Postman collection).

Never imported by ``src/`` and never deployed.
"""
