"""The functions' handler modules (one per function, ``Handler: <service>.handlers.<module>``).

Imported before any handler module, so Powertools' ``event_handler`` package is registered
lazily here: handlers load its REST resolver only, not every resolver its ``__init__``
imports (see :mod:`shared.lazy_imports`).
"""

from shared.lazy_imports import lazy_package

lazy_package("aws_lambda_powertools.event_handler")
